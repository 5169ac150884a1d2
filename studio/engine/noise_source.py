"""Kokoro's vocoder noise, drawn the way torch draws fast.

Kokoro's harmonic source (``SineGen``) adds Gaussian noise shaped like its sine waves, which it
builds transposed. torch fills a tensor that is not contiguous one number at a time: 67 ms for
the noise of a 7.7 s sentence, against 7 ms for as many numbers drawn contiguous (docs:
performance.md, the levers). Making the sines contiguous first changes no sine, only which of the seeded
generator's numbers the noise gets: Gaussian noise of Kokoro's amplitudes, but not Kokoro's
draw. So only the bf16 path takes it, which no longer keeps Kokoro's bits anyway; fp32 does not.
"""

from __future__ import annotations

import functools
from typing import Any


def draw_noise_contiguously(model: Any) -> None:
    """Make every ``SineGen`` in ``model`` build its sines contiguous, so its noise is drawn by
    torch's vectorised path. Per instance: another KModel in the process keeps Kokoro's draw."""
    from kokoro.istftnet import SineGen

    for module in model.modules():
        if isinstance(module, SineGen):
            module._f02sine = functools.partial(_contiguous_sines, module)


def _contiguous_sines(sine_gen: Any, f0_values: Any) -> Any:
    from kokoro.istftnet import SineGen

    return SineGen._f02sine(sine_gen, f0_values).contiguous()
