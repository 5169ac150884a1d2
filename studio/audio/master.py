"""Mastering a scene to a loudness preset, and measuring what a file delivers.

Loudness is ITU-R BS.1770-4 integrated loudness, measured by pyloudnorm. True peak is the largest
sample of the signal oversampled 4× by soxr (BS.1770's method). A target is reached with gain,
then a true-peak limiter takes the peaks that gain pushed over the ceiling down smoothly, never
with hard clipping; the gain is corrected until the limited result lands on the target.

The limiter is a max-plus dilation of the needed gain reduction: every sample gets at least the
reduction its oversampled peak needs, ramping in before a peak (2 dB per ms) and recovering after
it (40 dB per second), computed without a per-sample Python loop (a running maximum in blocks).
No pip library offers this without a system binary: pedalboard's Limiter is a compressor followed
by a hard clipper, and pyloudnorm only measures and applies plain gain.
"""

from __future__ import annotations

import importlib
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from studio.audio.presets import LoudnessPreset

OVERSAMPLING = 4
SILENCE_DB = -120.0  # what silence measures as, instead of -inf (JSON has no infinities)
#: Loudness presets land on their target within this many LU before encoding.
_LUFS_TOLERANCE = 0.1
_GAIN_STEPS = 8
_MAX_GAIN_DB = 40.0
_ATTACK_DB_PER_MS = 2.0
_LIMITER_MARGIN_DB = 0.05
_RELEASE_DB_PER_S = 40.0
_BLOCK = 1 << 18  # samples processed at a time by the streaming steps
_NOISE_WINDOW_S = 0.5  # the noise floor is the RMS of the quietest half second
_SEGMENT_S = 60.0  # long audio is measured for loudness a minute at a time
_HOP_S = 0.1  # BS.1770's gating blocks: 400 ms, every 100 ms
_LEAD_IN_S = 1.0
_FRAME_S = 0.01  # speech onset and offset are found in 10 ms frames
_SPEECH_BELOW_LOUDEST_DB = 40.0  # frames this far under the loudest frame are not speech
_SPEECH_FLOOR_DBFS = -60.0
#: The encoders' own overshoot: MP3's filter bank raises peaks, PCM masters barely move.
ENCODER_HEADROOM_DB = {"mp3": 1.0, "wav": 0.2, "flac": 0.2}
ROOM_TONE_DBFS = -70.0
HEAD_ROOM_TONE_S = 0.75


@dataclass(frozen=True)
class Measurement:
    """What a file measures: BS.1770 integrated loudness, true peak, RMS and noise floor."""

    integrated_lufs: float
    true_peak_dbtp: float
    rms_dbfs: float
    noise_floor_dbfs: float
    speech_start: float  # seconds of room tone before the first word
    speech_tail: float  # seconds after the last word
    duration: float

    def level(self, preset: LoudnessPreset) -> float:
        """The level ``preset`` targets, as this file measures it: LUFS, or RMS for acx."""
        return self.integrated_lufs if preset.target_lufs is not None else self.rms_dbfs

    def to_json(self) -> dict[str, float]:
        return {key: round(value, 2) for key, value in vars(self).items()}

    @classmethod
    def from_json(cls, raw: Mapping[str, object]) -> Measurement:
        return cls(**{key: float(raw[key]) for key in cls.__dataclass_fields__})  # type: ignore[arg-type]


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
    return (rng.standard_normal(samples) * _amplitude(ROOM_TONE_DBFS)).astype(np.float32)


# --- the limiter ----------------------------------------------------------------------------


def limit(audio: np.ndarray, rate: int, ceiling_dbtp: float, gain_db: float = 0.0) -> np.ndarray:
    """``audio`` made ``gain_db`` louder, with its true peaks brought under ``ceiling_dbtp`` by
    smooth gain reduction.

    Works on one copy of the audio and one envelope (float32 each): an hour-long scene needs
    about twice its own size, not ten times.
    """
    out = np.multiply(audio, _amplitude(gain_db), dtype=np.float32)  # the one copy
    for _ in range(4):  # a second pass catches peaks that the gain's own movement lifted
        need = true_peak_envelope(out, rate)
        if float(need.max(initial=0.0)) <= 10 ** (ceiling_dbtp / 20):
            break
        # in dB above a point a little under the ceiling, so the result sits below it
        _in_blocks(need, lambda b: np.maximum(_to_db(b) - (ceiling_dbtp - _LIMITER_MARGIN_DB), 0.0))
        _running_decay(need, _RELEASE_DB_PER_S / rate)  # after a peak: recover slowly
        _running_decay(need[::-1], _ATTACK_DB_PER_MS * 1000 / rate)  # before it: ramp in
        for begin in range(0, len(out), _BLOCK):
            out[begin : begin + _BLOCK] *= _amplitude(-need[begin : begin + _BLOCK])
        del need  # before the next pass makes its own
    return out


def _in_blocks(values: np.ndarray, change: Callable[[np.ndarray], np.ndarray]) -> None:
    for begin in range(0, len(values), _BLOCK):
        values[begin : begin + _BLOCK] = change(values[begin : begin + _BLOCK])


def _running_decay(values: np.ndarray, slope: float) -> None:
    """In place: env[n] = max(values[n], env[n-1] - slope), the smallest envelope over ``values``
    that falls at most ``slope`` per sample. A running maximum of values[k] + k*slope, in blocks;
    on a reversed view it limits the rise before a peak instead."""
    carry = -np.inf
    for begin in range(0, len(values), _BLOCK):
        block = values[begin : begin + _BLOCK].astype(np.float64)
        ramp = np.arange(len(block), dtype=np.float64) * slope
        block[0] = max(block[0], carry - slope)
        env = np.maximum.accumulate(block + ramp) - ramp
        values[begin : begin + len(block)] = env
        carry = float(env[-1])


# --- measuring ------------------------------------------------------------------------------


def measure(audio: np.ndarray, rate: int) -> Measurement:
    """Everything the manifest and the ACX report record about a file's audio."""
    audio = np.asarray(audio, dtype=np.float32)
    frame = max(1, round(_FRAME_S * rate))
    energies = _frame_energies(audio, frame)
    onset, offset = _speech_bounds(energies, frame, rate, len(audio))
    duration = len(audio) / rate
    return Measurement(
        integrated_lufs=max(integrated_lufs(audio, rate), SILENCE_DB),
        true_peak_dbtp=true_peak_dbtp(audio, rate),
        rms_dbfs=rms_dbfs(audio),
        noise_floor_dbfs=_noise_floor(energies, audio),
        speech_start=float(onset),
        speech_tail=float(max(0.0, duration - offset)),
        duration=duration,
    )


def import_meter_in_background() -> None:
    """Import pyloudnorm now, on a daemon thread: it imports scipy.signal (0.8 s), which the first
    export would otherwise wait for; with it imported, exporting a scene just previewed takes
    0.18 s instead of 0.97 s (docs: performance.md). An export that starts sooner waits for this
    import under Python's import lock, never imports twice."""
    threading.Thread(
        target=importlib.import_module, args=("pyloudnorm",), name="import-meter", daemon=True
    ).start()


def integrated_lufs(audio: np.ndarray, rate: int) -> float:
    """BS.1770-4 integrated loudness (pyloudnorm); -inf for silence.

    Audio shorter than one 400 ms gating block is measured repeated, which leaves a steady
    signal's loudness as it is. Audio longer than two minutes is measured a minute at a time:
    pyloudnorm filters and measures every 400 ms block of each minute (from a second before it,
    so its filters have settled), and the blocks of all minutes are gated together as BS.1770
    gates them. Whole, an hour of audio would take pyloudnorm several gigabytes.
    """
    import pyloudnorm

    meter = pyloudnorm.Meter(rate)
    block = math.ceil(meter.block_size * rate) + 1
    audio = np.asarray(audio, dtype=np.float32)
    if len(audio) == 0 or not np.any(audio):
        return -math.inf
    if len(audio) < block:
        audio = np.tile(audio, math.ceil(block / len(audio)))
    if len(audio) <= 2 * _SEGMENT_S * rate:
        return float(meter.integrated_loudness(audio))
    return _gated(_block_loudness(meter, audio, rate))


def _block_loudness(meter: object, audio: np.ndarray, rate: int) -> np.ndarray:
    """The loudness of every 400 ms block (hop 100 ms) of ``audio``, a segment at a time."""
    hop = round(_HOP_S * rate)
    lead = round(_LEAD_IN_S / _HOP_S)  # blocks in the lead-in, measured but not kept
    per_segment = round(_SEGMENT_S / _HOP_S)
    total = int(np.round((len(audio) / rate - 0.4) / _HOP_S)) + 1  # pyloudnorm's block count
    kept: list[np.ndarray] = []
    for first in range(0, total, per_segment):
        begin = max(0, first - lead)
        count = min(per_segment, total - first)
        stop = min(len(audio), (first + count) * hop + round(0.4 * rate))
        meter.integrated_loudness(audio[begin * hop : stop])  # type: ignore[attr-defined]
        blocks = np.asarray(meter.blockwise_loudness, dtype=np.float64)  # type: ignore[attr-defined]
        kept.append(blocks[first - begin : first - begin + count])
    return np.concatenate(kept)


def _gated(loudness: np.ndarray) -> float:
    """BS.1770-4's gating over block loudness: absolute at -70 LUFS, then relative at -10 LU."""
    energy = np.power(10.0, (loudness + 0.691) / 10)
    above = loudness >= -70.0
    if not above.any():
        return -math.inf
    relative = -0.691 + 10 * math.log10(float(energy[above].mean())) - 10.0
    gated = (loudness > relative) & (loudness > -70.0)
    return -0.691 + 10 * math.log10(float(energy[gated].mean()))


def true_peak_envelope(audio: np.ndarray, rate: int) -> np.ndarray:
    """For each sample, the largest magnitude of the 4× oversampled signal around it."""
    audio = np.asarray(audio, dtype=np.float32)
    envelope = np.abs(audio)
    for begin, peaks in _oversampled_peaks(audio, rate):
        np.maximum(
            envelope[begin : begin + len(peaks)], peaks, out=envelope[begin : begin + len(peaks)]
        )
    _hold_neighbours(envelope)
    return envelope


def _hold_neighbours(envelope: np.ndarray) -> None:
    """In place, each value becomes the largest of itself and its two neighbours (a peak can
    sit between two samples), a block at a time."""
    before = envelope[0]  # the original value left of the block being changed
    for begin in range(0, len(envelope), _BLOCK):
        block = envelope[begin : begin + _BLOCK].copy()
        after = envelope[begin + _BLOCK] if begin + _BLOCK < len(envelope) else block[-1]
        left = np.concatenate([[before], block[:-1]])
        right = np.concatenate([block[1:], [after]])
        envelope[begin : begin + _BLOCK] = np.maximum(block, np.maximum(left, right))
        before = block[-1]


def true_peak_dbtp(audio: np.ndarray, rate: int) -> float:
    audio = np.asarray(audio, dtype=np.float32)
    if len(audio) == 0:
        return SILENCE_DB
    peak = max(
        [float(np.abs(audio).max())]
        + [float(p.max()) for _, p in _oversampled_peaks(audio, rate) if len(p)]
    )
    return float(_to_db(np.array([peak]))[0])


def _oversampled_peaks(audio: np.ndarray, rate: int) -> Iterator[tuple[int, np.ndarray]]:
    """(first sample, peaks): for each sample, the largest magnitude among its 4 oversampled
    values, one block at a time through one soxr stream (an hour-long scene's oversampled
    signal never exists whole)."""
    import soxr

    stream = soxr.ResampleStream(rate, rate * OVERSAMPLING, 1, dtype="float32", quality="HQ")
    filled = 0
    pending = np.zeros(0, dtype=np.float32)
    for begin in range(0, len(audio), _BLOCK):
        last = begin + _BLOCK >= len(audio)
        high = np.concatenate([pending, stream.resample_chunk(audio[begin : begin + _BLOCK], last)])
        groups = min(len(high) // OVERSAMPLING, len(audio) - filled)
        peaks = np.abs(high[0 : groups * OVERSAMPLING : OVERSAMPLING])
        for phase in range(1, OVERSAMPLING):
            np.maximum(peaks, np.abs(high[phase : groups * OVERSAMPLING : OVERSAMPLING]), out=peaks)
        yield filled, peaks
        filled += groups
        pending = high[groups * OVERSAMPLING :]


def rms_dbfs(audio: np.ndarray) -> float:
    """RMS of the whole signal in dBFS, as ACX measures it (a full-scale sine is −3 dBFS)."""
    if len(audio) == 0:
        return SILENCE_DB
    mean_square = _mean_square(audio)
    return max(10 * math.log10(mean_square), SILENCE_DB) if mean_square > 0 else SILENCE_DB


def noise_floor_dbfs(audio: np.ndarray, rate: int) -> float:
    """The RMS of the quietest half second (as ACX's checks measure a noise floor), in dBFS."""
    return _noise_floor(_frame_energies(audio, max(1, round(_FRAME_S * rate))), audio)


def _noise_floor(energies: np.ndarray, audio: np.ndarray) -> float:
    width = max(1, round(_NOISE_WINDOW_S / _FRAME_S))
    if len(energies) <= width:
        return rms_dbfs(audio)
    sums = np.convolve(energies, np.ones(width) / width, mode="valid")
    return max(10 * math.log10(max(float(sums.min()), 1e-30)), SILENCE_DB)


def speech_bounds(audio: np.ndarray, rate: int) -> tuple[float, float]:
    """(first, last) second of speech: 10 ms frames within 40 dB of the loudest, above −60 dBFS.
    A silent signal gives (0, 0)."""
    frame = max(1, round(_FRAME_S * rate))
    return _speech_bounds(_frame_energies(audio, frame), frame, rate, len(audio))


def _speech_bounds(
    energies: np.ndarray, frame: int, rate: int, samples: int
) -> tuple[float, float]:
    if not len(energies) or energies.max() <= 0:
        return 0.0, 0.0
    levels = 10 * np.log10(np.maximum(energies, 1e-30))
    threshold = max(levels.max() - _SPEECH_BELOW_LOUDEST_DB, _SPEECH_FLOOR_DBFS)
    loud = np.flatnonzero(levels >= threshold)
    if not len(loud):
        return 0.0, 0.0
    return loud[0] * frame / rate, min(samples, (loud[-1] + 1) * frame) / rate


def _frame_energies(audio: np.ndarray, frame: int) -> np.ndarray:
    """Mean square of each ``frame`` samples (the last frame may be shorter), in blocks."""
    usable = len(audio) // frame * frame
    step = max(frame, _BLOCK // frame * frame)
    parts = [
        np.mean(
            np.square(audio[b : min(b + step, usable)].reshape(-1, frame)), axis=1, dtype=np.float64
        )
        for b in range(0, usable, step)
    ]
    if usable < len(audio):
        parts.append(np.array([_mean_square(audio[usable:])]))
    return np.concatenate(parts) if parts else np.zeros(0)


def _mean_square(audio: np.ndarray) -> float:
    """Mean of the squares, summed in float64 a block at a time (no float64 copy of it all)."""
    if len(audio) == 0:
        return 0.0
    total = sum(
        float(np.sum(np.square(audio[i : i + _BLOCK]), dtype=np.float64))
        for i in range(0, len(audio), _BLOCK)
    )
    return total / len(audio)


def _to_db(magnitude: np.ndarray) -> np.ndarray:
    return (20 * np.log10(np.maximum(magnitude, 10 ** (SILENCE_DB / 20)))).astype(np.float32)


def _amplitude(db: float | np.ndarray) -> np.ndarray:
    return np.power(10.0, np.asarray(db, dtype=np.float32) / 20).astype(np.float32)
