"""Choosing how Kokoro runs: PyTorch (the default) or onnxruntime (smaller, cheaper on the CPU)."""

from __future__ import annotations

import os
from pathlib import Path

from studio.engine.core import Backend
from studio.engine.onnx_backend import OnnxBackend
from studio.engine.source import ModelSource
from studio.engine.torch_backend import TorchBackend
from studio.errors import ErrorCode, StudioError

BACKENDS = ("torch", "onnx")
DEFAULT_BACKEND = "torch"
BACKEND_ENV = "NARRATION_STUDIO_BACKEND"


def make_backend(
    name: str | None,
    source: ModelSource,
    onnx_model: str | os.PathLike[str] | None = None,
    device: str | None = None,
) -> Backend:
    """The named backend on ``source``; ``onnx_model`` is an explicit .onnx file for "onnx",
    ``device`` a torch device ("cpu", "cuda") overriding the automatic choice."""
    chosen = (name or DEFAULT_BACKEND).strip().lower()
    if chosen == "torch":
        return TorchBackend(source, device=device)
    if chosen == "onnx":
        path = Path(onnx_model).expanduser().resolve() if onnx_model else None
        return OnnxBackend(source, path)
    raise StudioError(
        ErrorCode.INVALID_INPUT,
        f"Unknown backend '{name}'.",
        f"Choose one of: {', '.join(BACKENDS)} (the setting 'backend', --backend or ${BACKEND_ENV}).",
    )
