"""The ``auto`` backend: the fastest way to run Kokoro on this machine, chosen by rules.

The rules come from bench/ (docs: performance.md, "Which backend"), measured side by side in one run:

0. Without torch (the lean desktop bundle): the ONNX export, wherever it comes from.
1. An NVIDIA GPU that torch can use: torch on CUDA.
2. A CPU with native bf16 (AVX512-BF16 or AMX) that oneDNN may use: torch under bf16 autocast,
   the fastest on such CPUs (RTF 0.10 against 0.32 for the int8 ONNX export, on an AMX Xeon).
3. Elsewhere (AVX2-only x86, most laptops, ARM): the int8 ONNX export under onnxruntime, faster
   than torch in fp32 (0.36 against 0.43 here; 0.53 against 0.75 on an AVX2-only EPYC), with a
   third of the memory and a 2-second cold start. Its vocoder's convolutions run in float
   (studio.engine.onnx_backend): in 8 bits they cost the voice (bench/quality.py's gate). It needs onnxruntime and the export: in the
   model folder, given as a file, or downloaded from the hub (``onnx-community``) on first use.
4. Without either: torch in fp32, with the reason logged.

That is the choice for long-lived work (the studio, the service), where the warm speed counts. A
one-shot job (``say``) is mostly start-up: it takes the ONNX export whenever one is on this
machine already (onnxruntime is ready in about 1.5 s, torch in about 5 s), since it passes the
same quality gate; it never downloads one for a single line. A render is either, by how much
speech it has left to make (:func:`quick_start_pays`).

Rules rather than a measurement at start-up: measuring both backends would load both (seconds,
and a gigabyte for torch) on every first run, to learn what the CPU's flags already say.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from studio.engine.library_imports import torch_installed
from studio.engine.precision import bf16_is_native
from studio.engine.source import (
    ONNX_HUB_FILE,
    ONNX_HUB_REPO,
    HubModelSource,
    LocalModelSource,
    ModelSource,
)


@dataclass(frozen=True)
class Machine:
    """What the choice depends on, found once per engine."""

    cuda: bool
    native_bf16: bool
    onnxruntime: bool
    torch: bool = True  # False in the lean desktop bundle, which leaves torch out


@dataclass(frozen=True)
class BackendChoice:
    """The backend ``auto`` chose, and why, in words for the log and the status bar."""

    name: str
    reason: str


def choose_backend(
    machine: Machine, onnx_export: str | None, one_shot: bool = False, export_on_disk: bool = False
) -> BackendChoice:
    """The rules above. ``onnx_export`` says where the ONNX export would come from ("the model
    folder", "the hub"), or is None when there is none to be had without breaking a promise
    (a local model folder never touches the network); ``export_on_disk`` whether it is already
    on this machine. ``one_shot``: the job ends after one short piece of work."""
    if not machine.torch:
        return BackendChoice("onnx", "torch is not installed: the ONNX export under onnxruntime")
    if one_shot and machine.onnxruntime and onnx_export is not None and export_on_disk:
        return BackendChoice(
            "onnx",
            f"a one-shot job starts faster with the ONNX export from {onnx_export} "
            "(about 1.5 s against torch's 5 s)",
        )
    if machine.cuda:
        return BackendChoice("torch", "an NVIDIA GPU is available: torch on CUDA")
    if machine.native_bf16:
        return BackendChoice("torch", "this CPU computes bf16 natively: torch in bf16")
    if not machine.onnxruntime:
        return BackendChoice(
            "torch",
            "this CPU has no native bf16, and onnxruntime is not installed: torch in fp32 "
            "(pip install onnxruntime onnx would make it faster)",
        )
    if onnx_export is None:
        return BackendChoice(
            "torch",
            "this CPU has no native bf16, but no ONNX export is at hand offline: torch in fp32 "
            "(put kokoro-v1.0.int8.onnx into the model folder, or go online once without one, "
            "for the faster int8 backend)",
        )
    return BackendChoice(
        "onnx", f"this CPU has no native bf16: the int8 ONNX export from {onnx_export}"
    )


#: bench/ (docs: performance.md) on a CPU with native bf16, where the two choices differ:
#: seconds from process start to ready, and the warm real-time factor on text not seen before.
TORCH_READY_S, TORCH_RTF = 5.4, 0.10
ONNX_READY_S, ONNX_RTF = 1.6, 0.32


def quick_start_pays(audio_seconds: float, gpu: bool = False) -> BackendChoice:
    """Whether a job of ``audio_seconds`` of speech ends sooner on the quick-starting export
    ("onnx") than on the long-lived choice ("torch"), start included: below about 17 s of speech
    on a CPU. A GPU's pace is not measured here, so torch's synthesis on it counts as free: only
    a job shorter than torch's longer start takes the export."""
    torch_rtf = 0.0 if gpu else TORCH_RTF
    break_even = (TORCH_READY_S - ONNX_READY_S) / (ONNX_RTF - torch_rtf)
    if audio_seconds < break_even:
        return BackendChoice(
            "onnx",
            f"about {audio_seconds:.0f} s of speech is left to make, under the {break_even:.0f} s "
            "where torch's faster pace pays for its slower start",
        )
    return BackendChoice(
        "torch",
        f"about {audio_seconds:.0f} s of speech is left to make, past the {break_even:.0f} s "
        "where torch's faster pace pays for its slower start",
    )


def this_machine(device: str | None = None) -> Machine:
    """The facts for :func:`choose_backend`. ``device`` is the device setting: "cpu" rules out
    CUDA without looking. Costs a few milliseconds, except on a machine with an NVIDIA driver,
    where torch is imported to ask whether it can use the GPU."""
    torch = torch_installed()
    return Machine(
        cuda=torch and device != "cpu" and (device == "cuda" or _torch_sees_a_gpu()),
        native_bf16=bf16_is_native(),
        onnxruntime=importlib.util.find_spec("onnxruntime") is not None,
        torch=torch,
    )


def onnx_export_of(source: ModelSource, explicit: Path | None) -> tuple[str | None, bool]:
    """Where the ONNX backend would take the export from without breaking the offline promise
    (or None), and whether it is on this machine already (no download)."""
    if explicit is not None:
        return str(explicit), explicit.is_file()
    if isinstance(source, LocalModelSource):
        found = source.find_onnx()
        return (f"the model folder ({found.name})", True) if found else (None, False)
    if isinstance(source, HubModelSource):
        cached = _cached_on_this_machine()
        if cached or not _hub_offline():
            return f"the hub ({ONNX_HUB_REPO})", cached
    return None, False


def _torch_sees_a_gpu() -> bool:
    if not _nvidia_driver_present():
        return False
    import torch

    return bool(torch.cuda.is_available())


def _nvidia_driver_present() -> bool:
    """Whether an NVIDIA driver is installed: without one, torch cannot use CUDA, and importing
    torch (4 s) to hear so would double the cold start."""
    if sys.platform.startswith("linux"):
        return Path("/proc/driver/nvidia/version").exists()
    if sys.platform == "win32":
        return shutil.which("nvidia-smi") is not None
    return False  # macOS: no CUDA


def _hub_offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _cached_on_this_machine() -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(ONNX_HUB_REPO, ONNX_HUB_FILE), str)
