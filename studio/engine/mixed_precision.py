"""Which parts of Kokoro run in bf16 on the CPU, and which stay in fp32 because bf16 costs there.

Most of the model's arithmetic is the vocoder's convolutions, and bf16 runs them about twice as
fast as fp32 on CPUs with native bf16. Two parts stay in fp32, each for a reason a listener or
a user meets:

- **The vocoder's last convolution** (``decoder.generator.conv_post``) makes the log-magnitude
  and the phase that the inverse STFT turns into samples. Rounded to bf16's 8 bits, the phase
  and the magnitude of every frequency bin are off by enough to be heard as a rough, buzzy
  voice: predicted MOS (DistillMOS) fell by up to 0.5 on af_bella with it in bf16, and came back
  to fp32's with it in fp32 (bench/quality.py; docs, "Performance"). It is 0.3 % of the FLOPs.
- **The duration predictor** (ALBERT, its projection, the duration encoder, its LSTM and
  projection) decides how many frames each phoneme lasts. In bf16 its rounding moves a
  phoneme's length by a frame differently on each CPU family (AMX, AVX512-BF16), so the same
  text would be timed differently on two machines and in the two precisions. In fp32 the
  timings are fp32's on every CPU: captions, word highlights and the sentence cache agree
  between precisions. It is a small share of the time (about 2 % of a scene).

Everything else runs under bf16 autocast, with its convolution and linear weights stored in
bf16 once (autocast would cast them on every call).
"""

from __future__ import annotations

import functools
from typing import Any

#: The parts of KModel kept in fp32, by attribute path (see the module's docstring).
FP32_PARTS = (
    "bert",
    "bert_encoder",
    "predictor.text_encoder",
    "predictor.lstm",
    "predictor.duration_proj",
    "decoder.generator.conv_post",
)


def run_in_bf16(model: Any, fp32_parts: tuple[str, ...] = FP32_PARTS) -> None:
    """Store ``model``'s convolution and linear weights in bf16, except in ``fp32_parts``, which
    keep fp32 weights and run with autocast off. The caller runs the model under bf16 autocast.
    (Other ``fp32_parts`` than the default are for measuring what each part costs.)"""
    import torch

    kept = [_part(model, path) for path in fp32_parts]
    kept_ids = {id(module) for part in kept for module in part.modules()}
    lower = (torch.nn.Conv1d, torch.nn.ConvTranspose1d, torch.nn.Linear)
    for module in model.modules():
        if isinstance(module, lower) and id(module) not in kept_ids:
            module.to(torch.bfloat16)
    for part in kept:
        keep_in_fp32(part)


def keep_in_fp32(module: Any) -> None:
    """Run ``module`` in fp32 under autocast: its floating inputs are cast to fp32 and autocast
    is off inside it. Per instance: another KModel in the process keeps Kokoro's forward."""
    module.forward = functools.partial(_fp32_forward, module.forward)


def _fp32_forward(forward: Any, *args: Any, **kwargs: Any) -> Any:
    import torch

    args = tuple(_as_fp32(torch, a) for a in args)
    kwargs = {k: _as_fp32(torch, v) for k, v in kwargs.items()}
    with torch.autocast("cpu", enabled=False):
        return forward(*args, **kwargs)


def _as_fp32(torch: Any, value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.float()
    return value


def _part(model: Any, path: str) -> Any:
    part = model
    for name in path.split("."):
        part = getattr(part, name)
    return part
