"""Audio out: resample Kokoro's 24 kHz float32 to 44.1 kHz and encode MP3 (128 kbps CBR, mono).

soxr resamples (high quality, vectorised C); soundfile's bundled libsndfile 1.2 encodes MP3 through
LAME, so there is no ffmpeg binary to find and no audioop (gone in Python 3.13) as pydub would need.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.errors import ErrorCode, StudioError
from studio.fsutil import atomic_path

MP3_SAMPLE_RATE = 44_100
MP3_BITRATE_KBPS = 128
# libsndfile maps compression_level c in [0, 1] to a CBR bitrate of 320 - c * (320 - 32) kbps.
_MP3_COMPRESSION_LEVEL = (320 - MP3_BITRATE_KBPS) / (320 - 32)


@dataclass(frozen=True)
class EncodedFile:
    """What was written: the path, the audio's length in seconds and the file's size in bytes."""

    path: Path
    duration: float
    size: int


def join_audio(
    pieces: Iterable[np.ndarray], pause_seconds: float = 0.0, rate: int = 24_000
) -> np.ndarray:
    """Concatenate mono float32 pieces and append ``pause_seconds`` of silence."""
    parts = [np.asarray(p, dtype=np.float32).reshape(-1) for p in pieces]
    parts.append(np.zeros(round(max(pause_seconds, 0.0) * rate), dtype=np.float32))
    return np.concatenate(parts)


def resample(audio: np.ndarray, from_rate: int, to_rate: int = MP3_SAMPLE_RATE) -> np.ndarray:
    import soxr

    if from_rate == to_rate:
        return audio.astype(np.float32, copy=False)
    return soxr.resample(audio, from_rate, to_rate, quality="HQ").astype(np.float32, copy=False)


def write_mp3(path: Path, audio: np.ndarray, rate: int) -> EncodedFile:
    """Resample ``audio`` to 44.1 kHz and write it to ``path`` as MP3, atomically."""
    import soundfile

    out = np.clip(resample(audio, rate), -1.0, 1.0)
    with atomic_path(Path(path)) as temp:
        try:
            soundfile.write(
                temp,
                out,
                MP3_SAMPLE_RATE,
                format="MP3",
                subtype="MPEG_LAYER_III",
                bitrate_mode="CONSTANT",
                compression_level=_MP3_COMPRESSION_LEVEL,
            )
        except soundfile.LibsndfileError as exc:  # e.g. the disk filled up mid-file
            raise StudioError(
                ErrorCode.IO_ERROR,
                f"Could not write {path}: {exc}.",
                "Free some disk space and export again. No earlier file was changed.",
            ) from exc
    return EncodedFile(Path(path), len(out) / MP3_SAMPLE_RATE, Path(path).stat().st_size)
