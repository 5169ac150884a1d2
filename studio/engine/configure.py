"""The engine a user has configured: each choice from the caller (an option), else the
environment, else the settings file the face was given, else the default. The CLI, the service
and the GUI all build their engine here, so a setting means the same thing everywhere."""

from __future__ import annotations

import os
from pathlib import Path

from studio.engine.backends import BACKEND_ENV, PRECISION_ENV, make_backend
from studio.engine.core import Engine
from studio.engine.sentence_cache import CACHE_MB_ENV, DEFAULT_MAX_BYTES, max_bytes_from
from studio.engine.source import MODEL_DIR_ENV, ONNX_MODEL_ENV, resolve_model_source
from studio.settings import Settings


def configured_engine(
    model_dir: str | None = None,
    backend: str | None = None,
    onnx_model: str | None = None,
    precision: str | None = None,
    settings_path: Path | None = None,
    cache_bytes: int = DEFAULT_MAX_BYTES,
    one_shot: bool = False,
) -> Engine:
    """An unloaded engine on the chosen model folder (else the hub), backend and precision;
    ``settings_path`` is the settings file in use (default: the user's); ``cache_bytes`` is the
    face's sentence-cache bound unless the environment sets one; ``one_shot`` for a job that
    ends after one short piece of work (``auto`` then favours the faster start)."""
    settings = Settings.load(settings_path)
    source = resolve_model_source(model_dir or os.environ.get(MODEL_DIR_ENV) or settings.model_dir)
    return Engine(
        source,
        make_backend(
            backend or os.environ.get(BACKEND_ENV) or settings.backend,
            source,
            onnx_model or os.environ.get(ONNX_MODEL_ENV) or settings.onnx_model,
            settings.device,
            precision or os.environ.get(PRECISION_ENV) or settings.precision,
            one_shot,
        ),
        max_bytes_from(os.environ.get(CACHE_MB_ENV), cache_bytes),
    )
