"""The bf16 path's noise draw: Kokoro's sines untouched, Gaussian noise of Kokoro's amplitudes,
from the same seed every time, but not Kokoro's own draw."""

from __future__ import annotations

import pytest
import torch

from studio.engine.noise_source import draw_noise_contiguously

#: Compares numbers from the model: scripts/test.sh runs these again with oneDNN held to older
#: CPUs' kernels, so every commit is checked on three kinds of CPU.
pytestmark = pytest.mark.numeric

VOICED = 12_000  # samples: half a second at 180 Hz, then half a second unvoiced


def _sine_gen() -> torch.nn.Module:
    from kokoro.istftnet import SineGen

    return SineGen(24_000, upsample_scale=300, harmonic_num=8, voiced_threshold=10)


def _run(sine_gen: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    f0 = torch.zeros(1, 2 * VOICED, 1)
    f0[:, :VOICED] = 180.0
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return sine_gen(f0)


def test_contiguous_draw_keeps_the_sines_and_gives_gaussian_noise_of_kokoros_amplitudes() -> None:
    kokoro, ours = _sine_gen(), _sine_gen()
    draw_noise_contiguously(torch.nn.Sequential(ours))
    (their_waves, their_uv, their_noise), (waves, uv, noise) = _run(kokoro), _run(ours)
    assert waves.is_contiguous() and not their_waves.is_contiguous()
    assert torch.equal(uv, their_uv)
    # the sines, once the noise is taken away, are Kokoro's
    torch.testing.assert_close(waves - noise, their_waves - their_noise, rtol=0, atol=1e-6)
    assert not torch.equal(noise, their_noise), "another draw than Kokoro's"
    for part in (slice(0, VOICED), slice(VOICED, None)):  # 0.003 voiced, 0.033 unvoiced
        mine, theirs = noise[:, part], their_noise[:, part]
        assert abs(float(mine.mean())) < 0.02 * float(theirs.std())
        assert float(mine.std()) == pytest.approx(float(theirs.std()), rel=0.02)
    assert torch.equal(_run(ours)[2], noise), "seeded: the same noise every time"
