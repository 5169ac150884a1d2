"""Choosing how Kokoro runs: PyTorch or onnxruntime, or ``auto`` (the default), the faster of the
two on this machine (studio.engine.auto)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from studio.engine.auto import choose_backend, onnx_export_of, this_machine
from studio.engine.core import Backend
from studio.engine.onnx_backend import OnnxBackend
from studio.engine.precision import PRECISIONS
from studio.engine.source import ModelSource
from studio.engine.torch_backend import TorchBackend
from studio.errors import ErrorCode, StudioError

log = logging.getLogger(__name__)

BACKENDS = ("auto", "torch", "onnx")
DEFAULT_BACKEND = "auto"
BACKEND_ENV = "NARRATION_STUDIO_BACKEND"
PRECISION_ENV = "NARRATION_STUDIO_PRECISION"


def make_backend(
    name: str | None,
    source: ModelSource,
    onnx_model: str | os.PathLike[str] | None = None,
    device: str | None = None,
    precision: str | None = None,
    one_shot: bool = False,
) -> Backend:
    """The named backend on ``source``; ``onnx_model`` is an explicit .onnx file for "onnx",
    ``device`` a torch device ("cpu", "cuda") overriding the automatic choice, ``precision``
    the torch backend's arithmetic on the CPU ("auto", "fp32", "bf16"); ``one_shot`` tells
    "auto" that the job is one short piece of work, where starting fast counts most."""
    chosen = (name or DEFAULT_BACKEND).strip().lower()
    wanted = (precision or "auto").strip().lower()
    path = Path(onnx_model).expanduser().resolve() if onnx_model else None
    reason = "chosen in the settings or on the command line"
    if chosen == "auto":
        export, on_disk = onnx_export_of(source, path)
        # a precision asked for is torch's arithmetic: the user wants torch, one-shot or not
        quick = one_shot and wanted == "auto"
        choice = choose_backend(this_machine(device), export, quick, on_disk)
        log.info("Backend auto: %s, because %s", choice.name, choice.reason)
        chosen, reason = choice.name, choice.reason
    if chosen == "torch":
        if wanted not in PRECISIONS:
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"Unknown precision '{precision}'.",
                f"Choose one of: {', '.join(PRECISIONS)} (the setting 'precision', --precision "
                f"or ${PRECISION_ENV}).",
            )
        return TorchBackend(source, device=device, precision=wanted, chosen_because=reason)
    if chosen == "onnx":
        return OnnxBackend(source, path, chosen_because=reason)
    raise StudioError(
        ErrorCode.INVALID_INPUT,
        f"Unknown backend '{name}'.",
        f"Choose one of: {', '.join(BACKENDS)} (the setting 'backend', --backend or ${BACKEND_ENV}).",
    )
