"""The in-place residual blocks against Kokoro's own forward, on one block with random weights:
the same numbers for every mix of dtypes the backend can meet (fp32; bf16 autocast with fp32 or
bf16 weights; a bf16 input), to within what oneDNN's own choice of algorithm changes, so the
shortcuts never change the sound; and with the AdaIN and
Snake steps in bf16, as close to the fp32 result as Kokoro's own bf16 result is."""

from __future__ import annotations

import types

import pytest
import torch

from studio.engine.inplace_blocks import run_in_place

#: Compares numbers from the model: scripts/test.sh runs these again with oneDNN held to older
#: CPUs' kernels, so every commit is checked on three kinds of CPU.
pytestmark = pytest.mark.numeric

#: The in-place path runs Kokoro's operations in the same order and almost always gives the same
#: bits. But oneDNN may pick another algorithm for a convolution on a given call, and the sums
#: then round differently: seen once in about 20 runs under ONEDNN_MAX_CPU_ISA=AVX512_CORE on an
#: AMX Xeon, 6.6e-4 at most on an output of RMS 3.6 (fp32, no autocast). Allowed, as a fraction
#: of the output's RMS: 1e-3 in float32 (-60 dB, far below hearing), 1e-2 in bf16 (about two of
#: its rounding steps).
_ALLOWED = {torch.float32: 1e-3, torch.bfloat16: 1e-2}


def _block(channels: int, kernel: int) -> torch.nn.Module:
    from kokoro.istftnet import AdaINResBlock1

    torch.manual_seed(1)
    block = AdaINResBlock1(channels, kernel, (1, 3, 5), style_dim=64).eval()
    with torch.no_grad():  # Kokoro's trained alphas and norms are not 1 and 0
        for parameter in block.parameters():
            parameter.add_(0.3 * torch.randn_like(parameter))
    return block


def _with_bf16_weights(block: torch.nn.Module) -> None:
    """Convolution and linear weights in bf16, as the backend stores them under bf16."""
    for module in block.modules():
        if isinstance(module, (torch.nn.Conv1d, torch.nn.Linear)):
            module.to(torch.bfloat16)


@pytest.mark.parametrize(
    ("autocast", "bf16_weights", "input_dtype"),
    [
        (False, False, torch.float32),
        (True, False, torch.float32),
        (True, True, torch.float32),
        (True, True, torch.bfloat16),
        (False, False, torch.bfloat16),
    ],
)
def test_in_place_blocks_give_kokoros_very_samples(
    autocast: bool, bf16_weights: bool, input_dtype: torch.dtype
) -> None:
    from kokoro.istftnet import AdaINResBlock1

    block = _block(16, 7)
    if bf16_weights:
        _with_bf16_weights(block)
    run_in_place(torch.nn.Sequential(block))
    assert "forward" in vars(block)
    kokoro = types.MethodType(AdaINResBlock1.forward, block)
    x = torch.randn(1, 16, 300).to(input_dtype)
    s = torch.randn(1, 64)
    if input_dtype == torch.bfloat16 and not autocast:
        block.to(torch.bfloat16)
        s = s.to(torch.bfloat16)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        theirs = kokoro(x, s)
        given = x.clone()
        ours = block(x, s)
    assert torch.equal(x, given), "the block's input belongs to the caller"
    assert ours.dtype == theirs.dtype
    difference = (ours.float() - theirs.float()).abs().max().item()
    rms = theirs.float().pow(2).mean().sqrt().item()
    assert difference <= _ALLOWED[ours.dtype] * rms, (difference, rms)
