"""Kokoro's vocoder in bf16, run with its activations laid out channels-last.

In bf16, torch runs oneDNN's convolutions channels-last and moves each one's data between that
layout and Kokoro's channel-first N, C, W with slow transposing copies (a ``clone`` inside every
``mkldnn_convolution``, and oneDNN's own reorder). Over the generator's 52 convolutions they took
a fifth of a sentence's synthesis time (torch's profiler, a CPU with AMX-BF16).
Laid out channels-last from end to end (N, C, 1, W tensors whose channels are adjacent in memory),
every convolution reads its input and writes its output as they lie, and neither copy is made.

``run_generator_channels_last`` gives the vocoder's generator a forward that does Kokoro's
steps in that layout, with each convolution's weight stored channels-last once. Two steps change
form, not meaning: each AdaIN folds its style's scale and shift into one batch norm (for a batch
of one, instance norm is batch norm over the time axis), which also rounds once where Kokoro's
steps rounded three times; and the last convolution, which stays in fp32
(studio.engine.mixed_precision), runs through its module as before. fp32 runs as Kokoro does:
there torch makes no such copy (its profiler shows none), so it keeps the in-place blocks.
"""

from __future__ import annotations

import functools
import types
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class _Snake:
    """A Snake1D step's ``alpha`` and ``1 / alpha``, shaped for N, C, 1, W, in the activations'
    dtype."""

    alpha: Any
    inverse: Any


@dataclass(frozen=True)
class _ResidualBlock:
    """One of Kokoro's ``AdaINResBlock1``: three (AdaIN, Snake, conv, AdaIN, Snake, conv)."""

    convs1: list[Any]
    convs2: list[Any]
    adain1: list[Any]
    adain2: list[Any]
    snakes1: list[_Snake]
    snakes2: list[_Snake]


def run_generator_channels_last(generator: Any, dtype: Any = None) -> None:
    """Give Kokoro's ``Generator`` (its bf16 convolution weights already in place) the
    channels-last forward. Per instance: another KModel in the process keeps Kokoro's.

    ``dtype`` is the activations' (bf16 unless given; fp32 checks that the rearranged steps are
    Kokoro's, tests/test_channels_last.py)."""
    import torch

    dtype = dtype or torch.bfloat16
    for conv in [*generator.noise_convs, *generator.ups]:
        _store_channels_last(conv)
    blocks = [_residual_block(b, dtype) for b in [*generator.noise_res, *generator.resblocks]]
    forward = functools.partial(
        _generator_forward,
        noise_res=blocks[: len(generator.noise_res)],
        resblocks=blocks[len(generator.noise_res) :],
        dtype=dtype,
    )
    generator.forward = types.MethodType(forward, generator)


def _store_channels_last(conv: Any) -> None:
    """Keep ``conv``'s weight as the (O, I, K) view of an (O, I, 1, K) channels-last tensor:
    the module still works, and ``unsqueeze(2)`` gives the 4D weight without copying it."""
    import torch

    weight = conv.weight.detach().unsqueeze(2).contiguous(memory_format=torch.channels_last)
    conv.weight = torch.nn.Parameter(weight.squeeze(2), requires_grad=False)


def _residual_block(block: Any, dtype: Any) -> _ResidualBlock:
    for conv in [*block.convs1, *block.convs2]:
        _store_channels_last(conv)
    return _ResidualBlock(
        list(block.convs1),
        list(block.convs2),
        list(block.adain1),
        list(block.adain2),
        [_snake(alpha, dtype) for alpha in block.alpha1],
        [_snake(alpha, dtype) for alpha in block.alpha2],
    )


def _snake(alpha: Any, dtype: Any) -> _Snake:
    alpha = alpha.detach().unsqueeze(2)
    return _Snake(alpha.to(dtype), (1 / alpha).to(dtype))


def _to_channels_last(x: Any, dtype: Any) -> Any:
    """(N, C, W) into (N, C, 1, W), channels-last, in ``dtype``."""
    import torch

    return x.to(dtype).unsqueeze(2).contiguous(memory_format=torch.channels_last)


def _conv(conv: Any, x: Any) -> Any:
    """``conv`` (a Conv1d or ConvTranspose1d) on an N, C, 1, W input."""
    import torch
    import torch.nn.functional as F

    along_time = {
        "stride": (1, conv.stride[0]),
        "padding": (0, conv.padding[0]),
        "dilation": (1, conv.dilation[0]),
        "groups": conv.groups,
    }
    weight = conv.weight.unsqueeze(2)
    if isinstance(conv, torch.nn.ConvTranspose1d):
        output_padding = (0, conv.output_padding[0])
        return F.conv_transpose2d(x, weight, conv.bias, output_padding=output_padding, **along_time)
    return F.conv2d(x, weight, conv.bias, **along_time)


def _adain(adain: Any, x: Any, s: Any) -> Any:
    """``AdaIN1d``, ``(1 + gamma) * InstanceNorm(x) + beta``, as one batch norm whose affine
    weight and bias carry the style's gamma and beta (per channel, in fp32)."""
    import torch.nn.functional as F

    h = adain.fc(s).float().view(-1)
    gamma, beta = h.chunk(2)
    scale = 1 + gamma
    norm = adain.norm
    weight = norm.weight.float() * scale
    bias = norm.bias.float() * scale + beta
    return F.batch_norm(x, None, None, weight, bias, True, 0.0, norm.eps)


def _apply_snake(x: Any, snake: _Snake) -> Any:
    """Snake1D, ``x + (1 / alpha) * sin(alpha * x) ** 2``, in the one tensor ``alpha * x``."""
    return (snake.alpha * x).sin_().pow_(2).mul_(snake.inverse).add_(x)


def _block_forward(block: _ResidualBlock, x: Any, s: Any) -> Any:
    """``AdaINResBlock1.forward``; ``x`` stays the caller's (the generator reads it again)."""
    layers = zip(
        block.convs1,
        block.convs2,
        block.adain1,
        block.adain2,
        block.snakes1,
        block.snakes2,
        strict=True,
    )
    for index, (conv1, conv2, norm1, norm2, snake1, snake2) in enumerate(layers):
        xt = _conv(conv1, _apply_snake(_adain(norm1, x, s), snake1))
        xt = _conv(conv2, _apply_snake(_adain(norm2, xt, s), snake2))
        x = xt + x if index == 0 else x.add_(xt)
    return x


def _generator_forward(
    self: Any,
    x: Any,
    s: Any,
    f0: Any,
    noise_res: list[_ResidualBlock],
    resblocks: list[_ResidualBlock],
    dtype: Any,
) -> Any:
    """``Generator.forward``, Kokoro's steps in their order, channels-last in between."""
    import torch
    import torch.nn.functional as F

    if x.size(0) != 1:  # each AdaIN is a batch norm: over one sentence, an instance norm
        raise ValueError("the channels-last vocoder voices one sentence at a time")
    with torch.no_grad():
        f0 = self.f0_upsamp(f0[:, None]).transpose(1, 2)
        har_source, _, _ = self.m_source(f0)
        har_source = har_source.transpose(1, 2).squeeze(1)
        har_spec, har_phase = self.stft.transform(har_source)
        har = _to_channels_last(torch.cat([har_spec, har_phase], dim=1), dtype)
    x = _to_channels_last(x, dtype)
    for i in range(self.num_upsamples):
        x = F.leaky_relu(x, negative_slope=0.1)
        x_source = _block_forward(noise_res[i], _conv(self.noise_convs[i], har), s)
        x = _conv(self.ups[i], x)
        if i == self.num_upsamples - 1:
            x = torch.cat([x[..., 1:2], x], dim=-1)  # ReflectionPad1d((1, 0))
        x = x + x_source
        xs = None
        for block in resblocks[i * self.num_kernels : (i + 1) * self.num_kernels]:
            out = _block_forward(block, x, s)
            xs = out if xs is None else xs.add_(out)
        x = xs / self.num_kernels
    x = F.leaky_relu(x).squeeze(2).contiguous()  # N, C, W again, for the last convolution
    x = self.conv_post(x)
    spec = torch.exp(x[:, : self.post_n_fft // 2 + 1, :])
    phase = torch.sin(x[:, self.post_n_fft // 2 + 1 :, :])
    return self.stft.inverse(spec, phase)
