"""The torch backend's arithmetic on the CPU: bf16 where it is native and works here, else fp32.

Two checks, because either alone misleads. The CPU's flags (AVX512-BF16, AMX) say whether bf16
is *fast*; a one-off probe, a tiny bf16 LSTM, says whether torch's oneDNN can run Kokoro's LSTMs
in bf16 *at all*: it cannot on CPUs without AVX-512 (oneDNN raises "could not create a primitive
descriptor for the LSTM forward propagation primitive"), nor where oneDNN is held below the CPU's
own level (``ONEDNN_MAX_CPU_ISA``, some VMs). So ``auto`` never picks a precision that fails, and
an explicit ``bf16`` (a setting carried over from another computer) falls back to fp32 with one
warning instead of failing every request: bf16 and fp32 sound the same (tests/test_precision.py),
so the user loses speed, never audio.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16")
#: CPU flags (Linux's /proc/cpuinfo names) that mean bf16 runs natively, not emulated.
_NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


@dataclass(frozen=True)
class PrecisionChoice:
    """What the backend runs in, and the one warning to show when that is not what was asked."""

    precision: str
    warning: str | None = None


def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU computes bf16 natively. Read from /proc/cpuinfo, not torch, so that the
    check costs nothing before torch is imported; elsewhere than Linux it answers False."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(_NATIVE_BF16_FLAGS & set(line.split(":", 1)[-1].split()))
    return False


def bf16_failure(torch: Any) -> str | None:
    """Why bf16 cannot run Kokoro's layers here (oneDNN's own words), or None when it can.

    Runs a bidirectional LSTM and a 1-d convolution, the model's two kinds of heavy layer, under
    bf16 autocast on a few numbers: about 5 ms, once per model load.
    """
    try:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            lstm = torch.nn.LSTM(8, 8, batch_first=True, bidirectional=True)
            lstm(torch.zeros(1, 3, 8))
            torch.nn.Conv1d(8, 8, 3, padding=1)(torch.zeros(1, 8, 3))
    except RuntimeError as exc:
        return str(exc).split(". ")[0].strip().rstrip(".")
    return None


def choose_precision(requested: str, device: str, torch: Any) -> PrecisionChoice:
    """The precision to run ``requested`` ("auto", "fp32" or "bf16") in on ``device``.

    Off the CPU the model stays in fp32 (bf16 is measured on the CPU only).
    """
    if device != "cpu" or requested == "fp32":
        return PrecisionChoice("fp32")
    if requested == "auto" and not cpu_has_native_bf16():
        return PrecisionChoice("fp32")
    failure = bf16_failure(torch)
    if failure is None:
        return PrecisionChoice("bf16")
    if requested == "auto":
        log.info("bf16 does not run on this CPU (%s): auto chose fp32", failure)
        return PrecisionChoice("fp32")
    return PrecisionChoice(
        "fp32",
        f"This CPU cannot run the model in bf16 (oneDNN: {failure}); running in fp32 instead, "
        "which sounds the same and is slower. Set the precision to auto or fp32 (the setting "
        "'precision', --precision or $NARRATION_STUDIO_PRECISION) to stop this warning.",
    )
