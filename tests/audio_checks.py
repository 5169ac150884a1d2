"""Helpers that check real MP3 files by reading their headers and decoding them."""

from __future__ import annotations

from pathlib import Path

import mutagen.mp3
import numpy as np
import soundfile


def assert_mp3_spec(path: Path) -> float:
    """Assert ``path`` is a 128 kbps CBR, 44.1 kHz, mono MP3 that decodes; return its seconds."""
    info = mutagen.mp3.MP3(path).info
    assert info.sample_rate == 44_100
    assert info.channels == 1
    assert round(info.bitrate / 1000) == 128
    assert info.bitrate_mode in (mutagen.mp3.BitrateMode.CBR, mutagen.mp3.BitrateMode.UNKNOWN)
    audio, rate = soundfile.read(path, dtype="float32")
    assert rate == 44_100 and audio.ndim == 1
    assert np.abs(audio).max() > 0.05, "the decoded audio is silent"
    return len(audio) / rate
