"""How far apart two renderings of the same speech sound: for changes of arithmetic (bf16, int8)
that move every sample a little, where comparing samples one by one says nothing."""

from __future__ import annotations

import numpy as np

from studio.engine.chunks import SAMPLE_RATE


def log_spectral_distance(
    a: np.ndarray, b: np.ndarray, band: tuple[float, float] | None = None
) -> float | None:
    """Mean RMS difference in dB between two sounds' 50 ms power spectra, over all frequencies
    or the ``band`` (Hz) given; None when their lengths differ (other durations: not comparable
    frame by frame)."""
    if a.size != b.size:
        return None
    frame = SAMPLE_RATE // 20
    frames = a.size // frame
    spectra = [
        np.abs(np.fft.rfft(x[: frames * frame].reshape(frames, frame) * np.hanning(frame))) ** 2
        for x in (a, b)
    ]
    decibels = [10 * np.log10(s + 1e-10) for s in spectra]
    loud = decibels[0].max(axis=1) > decibels[0].max() - 60  # leave the silences out
    difference = (decibels[0] - decibels[1])[loud]
    if band is not None:
        frequencies = np.fft.rfftfreq(frame, 1 / SAMPLE_RATE)
        difference = difference[:, (frequencies >= band[0]) & (frequencies < band[1])]
    return float(np.sqrt((difference**2).mean(axis=1)).mean())
