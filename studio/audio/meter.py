"""Measuring what a file delivers: BS.1770 loudness, true peak, RMS, noise floor and where the
speech lies.

Loudness is ITU-R BS.1770-4 integrated loudness, measured by pyloudnorm. True peak is the largest
sample of the signal oversampled 4× by soxr (BS.1770's method). Every step works a block at a
time, so an hour-long scene is measured without copies of its size.
"""

from __future__ import annotations

import importlib
import math
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from studio.audio.presets import LoudnessPreset

OVERSAMPLING = 4
SILENCE_DB = -120.0  # what silence measures as, instead of -inf (JSON has no infinities)
BLOCK = 1 << 18  # samples processed at a time by the streaming steps
_NOISE_WINDOW_S = 0.5  # the noise floor is the RMS of the quietest half second
_SEGMENT_S = 60.0  # long audio is measured for loudness a minute at a time
_HOP_S = 0.1  # BS.1770's gating blocks: 400 ms, every 100 ms
_LEAD_IN_S = 1.0
_FRAME_S = 0.01  # speech onset and offset are found in 10 ms frames
_SPEECH_BELOW_LOUDEST_DB = 40.0  # frames this far under the loudest frame are not speech
_SPEECH_FLOOR_DBFS = -60.0


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
    for begin in range(0, len(envelope), BLOCK):
        block = envelope[begin : begin + BLOCK].copy()
        after = envelope[begin + BLOCK] if begin + BLOCK < len(envelope) else block[-1]
        left = np.concatenate([[before], block[:-1]])
        right = np.concatenate([block[1:], [after]])
        envelope[begin : begin + BLOCK] = np.maximum(block, np.maximum(left, right))
        before = block[-1]


def true_peak_dbtp(audio: np.ndarray, rate: int) -> float:
    audio = np.asarray(audio, dtype=np.float32)
    if len(audio) == 0:
        return SILENCE_DB
    peak = max(
        [float(np.abs(audio).max())]
        + [float(p.max()) for _, p in _oversampled_peaks(audio, rate) if len(p)]
    )
    return float(to_db(np.array([peak]))[0])


def _oversampled_peaks(audio: np.ndarray, rate: int) -> Iterator[tuple[int, np.ndarray]]:
    """(first sample, peaks): for each sample, the largest magnitude among its 4 oversampled
    values, one block at a time through one soxr stream (an hour-long scene's oversampled
    signal never exists whole)."""
    import soxr

    stream = soxr.ResampleStream(rate, rate * OVERSAMPLING, 1, dtype="float32", quality="HQ")
    filled = 0
    pending = np.zeros(0, dtype=np.float32)
    for begin in range(0, len(audio), BLOCK):
        last = begin + BLOCK >= len(audio)
        high = np.concatenate([pending, stream.resample_chunk(audio[begin : begin + BLOCK], last)])
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
    step = max(frame, BLOCK // frame * frame)
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
        float(np.sum(np.square(audio[i : i + BLOCK]), dtype=np.float64))
        for i in range(0, len(audio), BLOCK)
    )
    return total / len(audio)


def to_db(magnitude: np.ndarray) -> np.ndarray:
    return (20 * np.log10(np.maximum(magnitude, 10 ** (SILENCE_DB / 20)))).astype(np.float32)


def amplitude(db: float | np.ndarray) -> np.ndarray:
    return np.power(10.0, np.asarray(db, dtype=np.float32) / 20).astype(np.float32)
