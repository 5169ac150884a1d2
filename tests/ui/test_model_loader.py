"""Download progress for the hub model, read from the hub's cache folder as it grows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.ui.model_loader import DownloadWatch, folder_size
from studio.ui.status import StatusPanel


def test_download_progress_follows_the_cache_folders(qtbot: Any, tmp_path: Path) -> None:
    status = StatusPanel()
    qtbot.addWidget(status)
    weights, export = tmp_path / "models--weights", tmp_path / "models--export"
    (weights / "blobs").mkdir(parents=True)
    (weights / "blobs" / "old").write_bytes(bytes(1_000_000))  # cached before: not counted
    status.busy("Loading model…")
    watch = DownloadWatch(status, (weights, export), expected=10_000_000)
    watch.start()
    (weights / "blobs" / "config.incomplete").write_bytes(bytes(1_000_000))
    (export / "blobs").mkdir(parents=True)  # the second repository appears during the download
    (export / "blobs" / "weights.incomplete").write_bytes(bytes(3_000_000))
    qtbot.waitUntil(lambda: "4 of ≈10 MB" in status.text(), timeout=5000)
    assert status.state == "busy"
    assert (status.busy_bar.value(), status.busy_bar.maximum()) == (4_000_000, 10_000_000)
    watch.expect(8_000_000)  # the backend, hence the files to download, became known
    qtbot.waitUntil(lambda: "4 of ≈8 MB" in status.text(), timeout=5000)
    watch.stop()
    assert folder_size(weights) == 2_000_000
    watch.remove_partial_files()
    assert not list(tmp_path.rglob("*.incomplete"))
