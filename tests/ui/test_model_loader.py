"""Download progress for the hub model, read from the hub's cache folder as it grows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.ui.model_loader import DownloadWatch, folder_size
from studio.ui.status import StatusPanel


def test_download_progress_follows_the_cache_folder(qtbot: Any, tmp_path: Path) -> None:
    status = StatusPanel()
    qtbot.addWidget(status)
    (tmp_path / "blobs").mkdir()
    (tmp_path / "blobs" / "old").write_bytes(b"\0" * 1_000_000)  # cached before: not counted
    status.busy("Loading model…")
    watch = DownloadWatch(status, tmp_path, expected=10_000_000)
    watch.start()
    (tmp_path / "blobs" / "weights.incomplete").write_bytes(b"\0" * 4_000_000)
    qtbot.waitUntil(lambda: "4 of ≈10 MB" in status.text(), timeout=5000)
    assert status.state == "busy"
    assert (status.busy_bar.value(), status.busy_bar.maximum()) == (4_000_000, 10_000_000)
    watch.stop()
    assert folder_size(tmp_path) == 5_000_000
