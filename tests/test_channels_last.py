"""The channels-last vocoder against Kokoro's own generator, on one generator with random
weights: in bf16 it stays as close to the fp32 result as Kokoro's own bf16 steps do (so the
speed-up never changes the sound), its convolutions copy nothing, and the modules it rearranged
still run as Kokoro's. The real model's bf16 audio is checked against fp32 in
tests/test_precision.py, and its predicted MOS in bench/quality.py."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from studio.engine.channels_last import run_generator_channels_last
from studio.engine.mixed_precision import keep_in_fp32
from studio.engine.precision import bf16_failure

#: Compares numbers from the model: scripts/test.sh runs these again with oneDNN held to older
#: CPUs' kernels, so every commit is checked on three kinds of CPU.
pytestmark = pytest.mark.numeric

STYLE_DIM = 64
FRAMES = 40


@pytest.fixture(scope="module")
def bf16_here() -> None:
    failure = bf16_failure(torch)
    if failure is not None:
        pytest.skip(f"this CPU cannot run bf16 (oneDNN: {failure})")


def _generator() -> Any:
    """Kokoro's vocoder generator, its layout as Kokoro-82M's (narrower), weights random and
    weight normalisation folded, as the backend loads it."""
    from kokoro.istftnet import Generator
    from torch.nn.utils import remove_weight_norm
    from torch.nn.utils.weight_norm import WeightNorm

    torch.manual_seed(1)
    generator = Generator(
        STYLE_DIM, [3, 7, 11], [10, 6], 64, [[1, 3, 5]] * 3, [20, 12], 20, 5
    ).eval()
    with torch.no_grad():  # Kokoro's trained alphas and norms are not 1 and 0
        for name, parameter in generator.named_parameters():
            if "alpha" in name or "norm" in name:
                parameter.add_(0.3 * torch.randn_like(parameter))
    for module in generator.modules():
        if any(isinstance(hook, WeightNorm) for hook in module._forward_pre_hooks.values()):
            remove_weight_norm(module)
    return generator


def _in_bf16(generator: Any) -> None:
    """bf16 weights but the last convolution, as studio.engine.mixed_precision stores them."""
    for module in generator.modules():
        lowered = isinstance(module, (torch.nn.Conv1d, torch.nn.ConvTranspose1d, torch.nn.Linear))
        if lowered and module is not generator.conv_post:
            module.to(torch.bfloat16)
    keep_in_fp32(generator.conv_post)


def _inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    torch.manual_seed(2)
    x = torch.randn(1, 64, FRAMES)
    style = torch.randn(1, STYLE_DIM)
    f0 = 100 + 150 * torch.rand(1, FRAMES)  # voiced, in a speaking voice's range
    return x, style, f0


def _run(generator: Any, bf16: bool) -> torch.Tensor:
    x, style, f0 = _inputs()
    torch.manual_seed(0)  # the harmonic source's noise, the same draw for every run
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        return generator(x, style, f0).float()


def test_the_rearranged_steps_are_kokoros() -> None:
    """In fp32, where only the order of a sum can differ, the channels-last forward gives
    Kokoro's output. (In bf16 a generator with random weights is chaotic: its rounding moves
    Kokoro's own result about 35 % from fp32's, so bf16 is judged on the real model instead.)"""
    generator = _generator()
    kokoros = _run(generator, bf16=False)
    run_generator_channels_last(generator, dtype=torch.float32)
    assert "forward" in vars(generator)
    ours = _run(generator, bf16=False)
    assert ours.shape == kokoros.shape
    difference = float((ours - kokoros).abs().max())
    rms = float(kokoros.pow(2).mean().sqrt())
    # -60 dB of the output, far below hearing: what another order of the same sums may give
    assert difference <= 1e-3 * rms, (difference, rms)


def test_kokoros_forward_still_runs_on_the_rearranged_weights() -> None:
    """The weights are stored channels-last as views Kokoro's modules still take: a forward
    that reaches for them (a test, a bench lever) gets Kokoro's numbers."""
    generator = _generator()
    before = _run(generator, bf16=False)
    run_generator_channels_last(generator, dtype=torch.float32)
    del generator.forward
    after = _run(generator, bf16=False)
    assert float((after - before).abs().max()) <= 1e-3 * float(before.pow(2).mean().sqrt())


def test_the_convolutions_copy_nothing(bf16_here: None) -> None:
    """The point of the layout: torch copies no convolution's input or output (in Kokoro's
    layout it clones the data of every bf16 convolution between layouts)."""
    from torch.profiler import profile

    generator = _generator()
    _in_bf16(generator)
    run_generator_channels_last(generator)
    _run(generator, bf16=True)
    with profile() as profiled:
        _run(generator, bf16=True)
    copies = [
        event
        for event in profiled.events()
        if event.name == "aten::clone" and _inside(event, "aten::_convolution")
    ]
    convolutions = [e for e in profiled.events() if e.name == "aten::mkldnn_convolution"]
    assert len(convolutions) >= 40, "the generator's convolutions ran through oneDNN"
    assert copies == []


def _inside(event: Any, name: str) -> bool:
    parent = event.cpu_parent
    while parent is not None:
        if parent.name == name:
            return True
        parent = parent.cpu_parent
    return False


def test_a_batch_of_more_than_one_is_refused_clearly(bf16_here: None) -> None:
    generator = _generator()
    _in_bf16(generator)
    run_generator_channels_last(generator)
    x, style, f0 = _inputs()
    with (
        pytest.raises(ValueError, match="one sentence at a time"),
        torch.inference_mode(),
        torch.autocast("cpu", dtype=torch.bfloat16),
    ):
        generator(x.repeat(2, 1, 1), style.repeat(2, 1), f0.repeat(2, 1))
