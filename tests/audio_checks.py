"""Helpers that check real MP3 files by reading their headers and decoding them."""

from __future__ import annotations

from pathlib import Path

import mutagen.mp3
import numpy as np
import soundfile

#: MPEG-1 Layer III bitrates (kbps) by the header's 4-bit index; 0 is "free", 15 is invalid.
_MPEG1_L3_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0)
_MPEG1_RATES = (44_100, 48_000, 32_000, 0)


def assert_mp3_spec(path: Path, kbps: int = 128) -> float:
    """Assert ``path`` is a ``kbps`` CBR, 44.1 kHz, mono MP3 that decodes; return its seconds."""
    info = mutagen.mp3.MP3(path).info
    assert info.sample_rate == 44_100
    assert info.channels == 1
    assert round(info.bitrate / 1000) == kbps
    assert info.bitrate_mode in (mutagen.mp3.BitrateMode.CBR, mutagen.mp3.BitrateMode.UNKNOWN)
    assert set(mp3_frame_bitrates(path)) == {kbps}, "every frame header must say the same bitrate"
    audio, rate = soundfile.read(path, dtype="float32")
    assert rate == 44_100 and audio.ndim == 1
    assert np.abs(audio).max() > 0.05, "the decoded audio is silent"
    return len(audio) / rate


def mp3_audio(path: Path) -> bytes:
    """The file's MPEG frames without its ID3v2 tag: what stays the same when only tags change."""
    data = Path(path).read_bytes()
    return data[_id3_size(data) :]


def _id3_size(data: bytes) -> int:
    """The length of an ID3v2 tag at the start (its size is 4 syncsafe 7-bit bytes), or 0."""
    if data[:3] != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:
        size = size << 7 | (byte & 0x7F)
    return 10 + size


def mp3_frame_bitrates(path: Path) -> list[int]:
    """The bitrate in every MPEG frame header of the file, read from the bytes themselves."""
    data = Path(path).read_bytes()
    position = _id3_size(data)
    bitrates = []
    while position + 4 <= len(data) and data[position : position + 3] != b"TAG":
        header = int.from_bytes(data[position : position + 4], "big")
        assert header >> 21 == 0x7FF, f"no frame sync at byte {position}"
        assert (header >> 19) & 3 == 3 and (header >> 17) & 3 == 1, "not MPEG-1 Layer III"
        kbps = _MPEG1_L3_KBPS[(header >> 12) & 15]
        rate = _MPEG1_RATES[(header >> 10) & 3]
        padding = (header >> 9) & 1
        assert kbps and rate, f"bad frame header at byte {position}"
        bitrates.append(kbps)
        position += 144 * kbps * 1000 // rate + padding
    assert bitrates, "no MPEG frames"
    return bitrates
