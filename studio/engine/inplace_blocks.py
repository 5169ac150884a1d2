"""Kokoro's vocoder residual blocks, run in place: the same arithmetic with far less memory traffic.

Each of the vocoder's 48 AdaIN + Snake steps allocates a fresh full-length tensor for every one
of its eight elementwise operations, on every call. On a sentence of a few seconds those tensors
outgrow the CPU's caches, and writing them costs 6–10 % of a scene's synthesis time.
``run_in_place`` gives each residual block a forward that does the very same operations, in the
same order, into tensors it already owns: in fp32 the samples are bit-identical to Kokoro's.

Under bf16 autocast the backend also asks for the steps in bf16 (``elementwise=torch.bfloat16``).
Kokoro computes the first AdaIN and both Snakes of each step in fp32, then casts the result to
bf16 for the next convolution, which rounds it to bf16 anyway. Computing them in bf16 halves
their memory traffic and drops two casts per step: about 6 % less time than with Kokoro's dtypes,
with the audio as close to the fp32 model's as Kokoro's own bf16 audio is
(tests/test_precision.py; docs: performance.md, the levers). The residual sum each block carries
stays in fp32.
"""

from __future__ import annotations

import functools
import types
from typing import Any


def residual_blocks(model: Any) -> list[Any]:
    """The vocoder's residual blocks (Kokoro's ``AdaINResBlock1``) in ``model``."""
    from kokoro.istftnet import AdaINResBlock1

    return [module for module in model.modules() if isinstance(module, AdaINResBlock1)]


def run_in_place(model: Any, elementwise: Any = None) -> None:
    """Give every residual block in ``model`` the in-place forward (``in_place_forward``).

    Per instance, not per class: another KModel in the same process keeps Kokoro's own code.
    """
    for block in residual_blocks(model):
        block.forward = in_place_forward(block, elementwise)


def in_place_forward(block: Any, elementwise: Any = None) -> Any:
    """``block``'s in-place forward; ``elementwise`` is the torch dtype for its AdaIN and Snake
    steps, or None for Kokoro's own (fp32 for the first AdaIN and the Snakes, whatever the
    convolution gives for the second AdaIN)."""
    return types.MethodType(
        functools.partial(_residual_block_forward, elementwise=elementwise), block
    )


def _residual_block_forward(self: Any, x: Any, s: Any, elementwise: Any = None) -> Any:
    """``AdaINResBlock1.forward``: for each dilation, AdaIN, Snake, conv, AdaIN, Snake, conv, and
    the residual added back."""
    layers = zip(
        self.convs1, self.convs2, self.adain1, self.adain2, self.alpha1, self.alpha2, strict=True
    )
    for index, (conv1, conv2, norm1, norm2, alpha1, alpha2) in enumerate(layers):
        xt = conv1(_snake(_adain(norm1, x, s, elementwise), alpha1, elementwise))
        xt = conv2(_snake(_adain(norm2, xt, s, elementwise), alpha2, elementwise))
        # the block's input belongs to the caller (the generator passes it to three blocks)
        x = xt + x if index == 0 or not _fits(x, xt) else x.add_(xt)
    return x


def _adain(adain: Any, x: Any, s: Any, elementwise: Any) -> Any:
    """``AdaIN1d.forward``: ``(1 + gamma) * norm(x) + beta``, in the normalised tensor."""
    import torch

    h = adain.fc(s)
    gamma, beta = torch.chunk(h.view(h.size(0), h.size(1), 1), chunks=2, dim=1)
    if elementwise is not None:
        x, gamma, beta = x.to(elementwise), gamma.to(elementwise), beta.to(elementwise)
    y = adain.norm(x)
    scale = 1 + gamma
    y = y.mul_(scale) if _fits(y, scale) else scale * y
    return y.add_(beta) if _fits(y, beta) else y + beta


def _snake(xt: Any, alpha: Any, elementwise: Any) -> Any:
    """Snake1D, ``xt + (1 / alpha) * sin(alpha * xt) ** 2``, in the one tensor ``alpha * xt``
    makes (Kokoro's alpha is fp32, so without ``elementwise`` that tensor is fp32, the sum's
    dtype)."""
    inverse = 1 / alpha
    if elementwise is not None:
        xt, alpha, inverse = xt.to(elementwise), alpha.to(elementwise), inverse.to(elementwise)
    wave = (alpha * xt).sin_().pow_(2).mul_(inverse)
    return wave.add_(xt) if _fits(wave, xt) else wave + xt


def _fits(tensor: Any, other: Any) -> bool:
    """Whether ``tensor <op>= other`` keeps the dtype that ``tensor <op> other`` would have."""
    import torch

    return bool(torch.result_type(tensor, other) == tensor.dtype)
