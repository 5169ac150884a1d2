"""A scene's chunks → its delivered file: joined, mastered as a whole, encoded, tagged, measured.

The scene is mastered after its chunks and pauses are joined (so the preset judges the scene as a
listener hears it), then encoded once; the written file is decoded and measured, and those figures
are what the manifest and the ACX report record. Should the encoder have moved the level anyway,
or pushed a peak over the preset's ceiling, the scene is mastered again with the difference
taken into account (at most twice).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.audio.captions import Word, words_from_chunks
from studio.audio.encode import (
    OUTPUT_SAMPLE_RATE,
    EncodedFile,
    join_audio,
    resample,
    write_audio,
)
from studio.audio.master import ENCODER_HEADROOM_DB, master
from studio.audio.meter import Measurement, measure
from studio.audio.presets import LoudnessPreset
from studio.audio.tags import Tags, write_tags
from studio.engine.chunks import SAMPLE_RATE, AudioChunk

_LEVEL_TOLERANCE = 0.2  # dB: re-master when the decoded file is further than this from target
_ATTEMPTS = 3


@dataclass(frozen=True)
class SceneFile:
    encoded: EncodedFile
    measurement: Measurement
    words: list[Word]  # timed in the file: room tone and pauses included


def write_scene_file(
    target: Path,
    chunks: list[AudioChunk],
    pause_after: float,
    preset: LoudnessPreset,
    fmt: str,
    bitrate: int,
    tags: Tags,
) -> SceneFile:
    speech = resample(join_audio([c.audio for c in chunks]), SAMPLE_RATE)
    correction, headroom = 0.0, ENCODER_HEADROOM_DB[fmt]
    for _ in range(_ATTEMPTS):
        mastered = master(speech, OUTPUT_SAMPLE_RATE, preset, pause_after, headroom, correction)
        encoded = write_audio(
            target,
            mastered.audio,
            OUTPUT_SAMPLE_RATE,
            fmt,
            bitrate,
            finish=lambda temp: write_tags(temp, fmt, tags),
        )
        shift = mastered.shift
        del mastered  # an hour of audio: measure the file without the master beside it
        measurement = measure(decode(target), OUTPUT_SAMPLE_RATE)
        if preset.target_level is None:
            break
        error = preset.target_level - measurement.level(preset)
        over = measurement.true_peak_dbtp - (preset.true_peak_dbtp or 0.0)
        if abs(error) <= _LEVEL_TOLERANCE and over <= 0:
            break
        correction += error
        if over > 0:
            headroom += over + 0.1
    return SceneFile(encoded, measurement, words_from_chunks(chunks, shift))


def decode(path: Path) -> np.ndarray:
    """A written file's audio, as any player decodes it (mono float32 at 44.1 kHz)."""
    import soundfile

    audio, _rate = soundfile.read(str(path), dtype="float32")
    return audio
