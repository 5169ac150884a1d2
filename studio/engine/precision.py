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
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PRECISIONS = ("auto", "fp32", "bf16")
#: CPU flags (Linux's /proc/cpuinfo names) that mean bf16 runs natively, not emulated.
_NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}
#: oneDNN's instruction-set caps (``ONEDNN_MAX_CPU_ISA``) below the first one with bf16.
_ISA_CAPS_WITHOUT_BF16 = {
    "SSE41",
    "AVX",
    "AVX2",
    "AVX2_VNNI",
    "AVX2_VNNI_2",
    "AVX512_CORE",
    "AVX512_CORE_VNNI",
}


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


def bf16_is_native() -> bool:
    """Whether bf16 is fast here: the CPU computes it natively, and oneDNN is not held below the
    instruction sets that have it (``ONEDNN_MAX_CPU_ISA``, also how tests imitate older CPUs)."""
    return cpu_has_native_bf16() and not onednn_capped_below_bf16()


def onednn_capped_below_bf16() -> bool:
    """Whether ``ONEDNN_MAX_CPU_ISA`` holds oneDNN below bf16: then torch would emulate bf16,
    slower than fp32, however capable the CPU."""
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or ""
    return cap.strip().upper() in _ISA_CAPS_WITHOUT_BF16


def choose_precision(
    requested: str, device: str, native_bf16: bool, failure: Callable[[], str | None]
) -> PrecisionChoice:
    """The precision to run ``requested`` ("auto", "fp32" or "bf16") in on ``device``, given
    whether bf16 is native here (:func:`bf16_is_native`) and ``failure``, which probes whether
    bf16 runs at all (:func:`bf16_failure`; called only when the answer matters).

    Off the CPU the model stays in fp32 (bf16 is measured on the CPU only).
    """
    if device != "cpu" or requested == "fp32":
        return PrecisionChoice("fp32")
    if requested == "auto" and not native_bf16:
        return PrecisionChoice("fp32")
    reason = failure()
    if reason is None:
        return PrecisionChoice("bf16")
    if requested == "auto":
        log.info("bf16 does not run on this CPU (%s): auto chose fp32", reason)
        return PrecisionChoice("fp32")
    return PrecisionChoice(
        "fp32",
        f"This CPU cannot run the model in bf16 (oneDNN: {reason}); running in fp32 instead, "
        "which sounds the same and is slower. Set the precision to auto or fp32 (the setting "
        "'precision', --precision or $NARRATION_STUDIO_PRECISION) to stop this warning.",
    )
