"""What the studio window depends on, passed in: where settings and new projects go, which model,
how to make the engine. Tests give temporary folders and the real model folder."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from studio.settings import default_settings_path
from studio.ui.engine_jobs import EngineFactory, default_engine_factory


def default_documents_dir() -> Path:
    from platformdirs import user_documents_path

    return user_documents_path()


@dataclass
class StudioConfig:
    """The window's dependencies. ``model_dir`` (from --model-dir or the environment) wins over
    the saved setting; with neither, the model comes from the hub. ``backend``, ``onnx_model``
    and ``precision`` are the command line's options; the real engine factory resolves each of
    them, then the environment, then the settings file at ``settings_path``, as every face does."""

    settings_path: Path = field(default_factory=default_settings_path)
    documents_dir: Path = field(default_factory=default_documents_dir)
    model_dir: str | None = None
    server: str | None = None  # --server (or $NARRATION_STUDIO_SERVER): wins over the setting
    engine_factory: EngineFactory = default_engine_factory
    autosave_ms: int = 2000
    backend: str | None = None
    onnx_model: str | None = None
    precision: str | None = None

    def __post_init__(self) -> None:
        if self.engine_factory is default_engine_factory:
            self.engine_factory = partial(
                default_engine_factory,
                settings_path=self.settings_path,
                backend=self.backend,
                onnx_model=self.onnx_model,
                precision=self.precision,
            )

    @classmethod
    def from_environment(
        cls,
        model_dir: str | None = None,
        backend: str | None = None,
        onnx_model: str | None = None,
        precision: str | None = None,
        server: str | None = None,
    ) -> StudioConfig:
        from studio.engine.source import MODEL_DIR_ENV

        return cls(
            model_dir=model_dir or os.environ.get(MODEL_DIR_ENV) or None,
            server=server,
            backend=backend,
            onnx_model=onnx_model,
            precision=precision,
        )
