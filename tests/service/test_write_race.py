"""The outputPath is checked when a request arrives and written when its turn comes: a folder
swapped for a symlink to outside the audio root in between must not lead the write out."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.service.helpers import RawService, service_env

pytestmark = pytest.mark.model

#: Long enough to keep the synthesis thread busy while the test swaps the folder (~20 s of audio).
LONG = " ".join(f"Sentence number {n} keeps the model busy for a moment." for n in range(1, 13))


def test_a_folder_swapped_for_a_symlink_while_queued_is_refused(
    tmp_path: Path, model_dir: Path
) -> None:
    root = tmp_path / ".cache" / "audio"
    (root / "scenes").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    service = RawService(tmp_path, service_env(model_dir, tmp_path))
    try:
        service.wait_ready()
        long = {"action": "synthesize", "id": "long", "text": LONG, "voiceId": "sarah"}
        service.send(json.dumps({**long, "outputPath": ".cache/audio/long.mp3"}))
        queued = {"action": "synthesize", "id": "queued", "text": "Hi.", "voiceId": "sarah"}
        service.send(json.dumps({**queued, "outputPath": ".cache/audio/scenes/one.mp3"}))
        service.send(json.dumps({"action": "ping", "id": "p"}))
        # The ping is answered by the reader after it checked and queued "queued"; "long" is
        # still being synthesized, so "queued" has not been written yet.
        assert service.next_line()["id"] == "p"
        (root / "scenes").rename(tmp_path / "scenes-moved")
        (root / "scenes").symlink_to(outside, target_is_directory=True)
        answers = {a["id"]: a for a in (service.next_line(), service.next_line())}
    finally:
        assert service.close() == 0
    assert answers["long"]["success"] is True
    assert answers["queued"]["success"] is False
    assert answers["queued"]["error"]["code"] == "TTS_INVALID_PATH"
    assert "replaced by a link" in answers["queued"]["error"]["message"]
    assert os.listdir(outside) == []
    assert os.listdir(tmp_path / "scenes-moved") == []
    assert sorted(p.name for p in root.iterdir()) == ["long.mp3", "scenes"]  # no temp left
