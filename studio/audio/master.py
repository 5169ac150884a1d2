"""Mastering a scene to a loudness preset.

A target is reached with gain, then a true-peak limiter takes the peaks that gain pushed over the
ceiling down smoothly, never with hard clipping; the gain is corrected until the limited result
lands on the target (levels as studio.audio.meter measures them).

The limiter is a max-plus dilation of the needed gain reduction: every sample gets at least the
reduction its oversampled peak needs, ramping in before a peak (2 dB per ms) and recovering after
it (40 dB per second), computed without a per-sample Python loop (a running maximum in blocks).
No pip library offers this without a system binary: pedalboard's Limiter is a compressor followed
by a hard clipper, and pyloudnorm only measures and applies plain gain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from studio.audio.meter import (
    BLOCK,
    amplitude,
    integrated_lufs,
    rms_dbfs,
    speech_bounds,
    to_db,
    true_peak_envelope,
)
from studio.audio.presets import LoudnessPreset

#: Loudness presets land on their target within this many LU before encoding.
_LUFS_TOLERANCE = 0.1
_GAIN_STEPS = 8
_MAX_GAIN_DB = 40.0
_ATTACK_DB_PER_MS = 2.0
_LIMITER_MARGIN_DB = 0.05
_RELEASE_DB_PER_S = 40.0
#: The encoders' own overshoot: MP3's filter bank raises peaks, PCM masters barely move.
ENCODER_HEADROOM_DB = {"mp3": 1.0, "wav": 0.2, "flac": 0.2}
ROOM_TONE_DBFS = -70.0
HEAD_ROOM_TONE_S = 0.75


@dataclass(frozen=True)
class Mastered:
    """Mastered audio at ``rate``; ``shift`` is how far the speech moved (room tone added or
    leading silence removed), to add to every timing measured on the unmastered audio."""

    audio: np.ndarray
    rate: int
    shift: float


def master(
    speech: np.ndarray,
    rate: int,
    preset: LoudnessPreset,
    pause_after: float,
    headroom_db: float = 0.0,
    correction_db: float = 0.0,
) -> Mastered:
    """Bring a scene's speech (mono float32, without its pause) to ``preset`` and append the pause.

    ``headroom_db`` keeps the limiter that far under the preset's ceiling, for the encoder's own
    overshoot, so that the decoded file still meets it; ``correction_db`` moves the level target
    by what the encoder was measured to take away (MP3 at low bitrates loses a few tenths of a dB).
    """
    speech = np.asarray(speech, dtype=np.float32)
    pause = np.zeros(round(max(pause_after, 0.0) * rate), dtype=np.float32)
    if not preset.masters or integrated_lufs(speech, rate) < -70.0:  # nothing to master
        return Mastered(np.concatenate([speech, pause]), rate, 0.0)
    ceiling = (preset.true_peak_dbtp or 0.0) - headroom_db
    if preset.target_lufs is not None:
        # the pause is silence: below BS.1770's gate and every peak, so it can come along
        whole = np.concatenate([speech, pause])
        return Mastered(
            _to_loudness(whole, rate, preset.target_lufs + correction_db, ceiling), rate, 0.0
        )
    return _to_acx(speech, rate, preset, pause_after, ceiling, correction_db)


def _to_loudness(audio: np.ndarray, rate: int, target: float, ceiling: float) -> np.ndarray:
    def attempt(gain_db: float) -> tuple[np.ndarray, float]:
        out = limit(audio, rate, ceiling, gain_db)
        return out, integrated_lufs(out, rate)

    return _solve_gain(attempt, target, target - integrated_lufs(audio, rate))


def _solve_gain(
    attempt: Callable[[float], tuple[np.ndarray, float]], target: float, gain_db: float
) -> np.ndarray:
    """The output of ``attempt(gain)`` whose level is ``target``: the secant method, since the
    limiter makes the level grow by less than the gain once it works hard."""
    out, level = attempt(gain_db)
    previous: tuple[float, float] | None = None
    for _ in range(_GAIN_STEPS):
        error = target - level
        if abs(error) <= _LUFS_TOLERANCE:
            break
        slope = 1.0
        if previous is not None and abs(level - previous[1]) > 1e-6:
            slope = max((gain_db - previous[0]) / (level - previous[1]), 1.0)
        previous = (gain_db, level)
        gain_db = min(gain_db + error * slope, _MAX_GAIN_DB)
        del out  # an hour of audio: let the last attempt go before the next is made
        out, level = attempt(gain_db)
    return out


def _to_acx(
    speech: np.ndarray,
    rate: int,
    preset: LoudnessPreset,
    pause_after: float,
    ceiling: float,
    correction_db: float,
) -> Mastered:
    """RMS of the whole file (room tone included) into ACX's window, with room tone at both ends."""
    assert preset.target_rms_dbfs is not None and preset.tail_room_tone is not None
    onset, offset = speech_bounds(speech, rate)
    duration = len(speech) / rate
    start = max(0.0, onset - HEAD_ROOM_TONE_S)  # only silence beyond the room tone is removed
    head = max(0.0, HEAD_ROOM_TONE_S - onset)
    low, high = preset.tail_room_tone
    tail_target = min(max(pause_after, low + 0.5), high - 0.5)
    stop = min(duration, offset + tail_target)
    tail = max(0.0, tail_target - (duration - offset))
    head_samples, tail_samples = round(head * rate), round(tail * rate)
    padded = np.concatenate(
        [
            np.zeros(head_samples, dtype=np.float32),
            speech[round(start * rate) : round(stop * rate)],
            np.zeros(tail_samples, dtype=np.float32),
        ]
    )
    rng = np.random.default_rng(0)
    tone_head, tone_tail = _room_tone(rng, head_samples), _room_tone(rng, tail_samples)
    target = preset.target_rms_dbfs + correction_db

    def attempt(gain_db: float) -> tuple[np.ndarray, float]:
        out = limit(padded, rate, ceiling, gain_db)
        out[:head_samples] = tone_head
        out[len(out) - tail_samples :] = tone_tail
        return out, rms_dbfs(out)

    out = _solve_gain(attempt, target, target - rms_dbfs(padded))
    return Mastered(out, rate, head - start)


def _room_tone(rng: np.random.Generator, samples: int) -> np.ndarray:
    """Quiet, steady noise: ACX wants room tone, not digital silence, well under −60 dBFS."""
    return (rng.standard_normal(samples) * amplitude(ROOM_TONE_DBFS)).astype(np.float32)


def limit(audio: np.ndarray, rate: int, ceiling_dbtp: float, gain_db: float = 0.0) -> np.ndarray:
    """``audio`` made ``gain_db`` louder, with its true peaks brought under ``ceiling_dbtp`` by
    smooth gain reduction.

    Works on one copy of the audio and one envelope (float32 each): an hour-long scene needs
    about twice its own size, not ten times.
    """
    out = np.multiply(audio, amplitude(gain_db), dtype=np.float32)  # the one copy
    for _ in range(4):  # a second pass catches peaks that the gain's own movement lifted
        need = true_peak_envelope(out, rate)
        if float(need.max(initial=0.0)) <= 10 ** (ceiling_dbtp / 20):
            break
        # in dB above a point a little under the ceiling, so the result sits below it
        _in_blocks(need, lambda b: np.maximum(to_db(b) - (ceiling_dbtp - _LIMITER_MARGIN_DB), 0.0))
        _running_decay(need, _RELEASE_DB_PER_S / rate)  # after a peak: recover slowly
        _running_decay(need[::-1], _ATTACK_DB_PER_MS * 1000 / rate)  # before it: ramp in
        for begin in range(0, len(out), BLOCK):
            out[begin : begin + BLOCK] *= amplitude(-need[begin : begin + BLOCK])
        del need  # before the next pass makes its own
    return out


def _in_blocks(values: np.ndarray, change: Callable[[np.ndarray], np.ndarray]) -> None:
    for begin in range(0, len(values), BLOCK):
        values[begin : begin + BLOCK] = change(values[begin : begin + BLOCK])


def _running_decay(values: np.ndarray, slope: float) -> None:
    """In place: env[n] = max(values[n], env[n-1] - slope), the smallest envelope over ``values``
    that falls at most ``slope`` per sample. A running maximum of values[k] + k*slope, in blocks;
    on a reversed view it limits the rise before a peak instead."""
    carry = -np.inf
    for begin in range(0, len(values), BLOCK):
        block = values[begin : begin + BLOCK].astype(np.float64)
        ramp = np.arange(len(block), dtype=np.float64) * slope
        block[0] = max(block[0], carry - slope)
        env = np.maximum.accumulate(block + ramp) - ramp
        values[begin : begin + len(block)] = env
        carry = float(env[-1])
