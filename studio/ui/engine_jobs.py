"""The jobs the studio gives its engine thread (studio.ui.worker), and what they report back:
plain values, so the widgets that submit them need no thread of their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studio.direction.lexicon import Lexicon
    from studio.engine import Engine
    from studio.engine.request import SpeechRequest
    from studio.project.export_settings import ExportSettings
    from studio.project.model import Project

#: Makes an (unloaded) engine for a model folder, or for the hub when the folder is None.
EngineFactory = Callable[[str | None], "Engine"]


def default_engine_factory(
    model_dir: str | None,
    settings_path: Path | None = None,
    backend: str | None = None,
    onnx_model: str | None = None,
    precision: str | None = None,
) -> Engine:
    """The engine the app uses: the folder, else $NARRATION_STUDIO_MODEL_DIR, else the setting,
    else the hub; each other choice from the caller, the environment, then the settings file
    at ``settings_path`` (studio.engine.configure, the same path as the CLI and the service)."""
    from studio.engine.configure import configured_engine

    return configured_engine(model_dir, backend, onnx_model, precision, settings_path)


@dataclass(frozen=True)
class LoadModel:
    """Make and load the engine (imports torch and kokoro: seconds to tens of seconds), then
    speak and encode one sentence unheard (studio.render.single.warm_up): the first synthesis
    pays one-off costs (torch's kernels, the phonemizer's first parse, the MP3 encoder's set-up),
    which belong to the cold start, not to the user's first preview."""

    model_dir: str | None
    warm_up: bool = True
    server: str | None = None  # speak through this HTTP server instead (studio.client.remote)
    token: str | None = None


@dataclass(frozen=True)
class Speak:
    """Synthesize a request to listen to. A newer Speak replaces an older one."""

    request: SpeechRequest


@dataclass(frozen=True)
class Export:
    """Render scenes of a project snapshot (all scenes when ``scene_ids`` is None), with these
    export settings (the project's own when None)."""

    project: Project
    scene_ids: list[str] | None = None
    personal: Lexicon | None = None  # the personal lexicon, under the project's
    settings: ExportSettings | None = None


@dataclass(frozen=True)
class ModelInfo:
    """What a LoadModel job reports: how long the cold start took, and where the model runs."""

    seconds: float  # the cold start: loading and warming up
    device: str
    backend: str = ""  # "torch bf16", "onnx"; empty for a server
    chosen_because: str = ""


@dataclass(frozen=True)
class BackendChosen:
    """A LoadModel job's progress before the (possibly downloading) load: which backend will
    run, so that the status bar can say how much a first download brings."""

    backend: str


@dataclass(frozen=True)
class SpeakProgress:
    """How much of a Speak's text has been voiced so far, and what its latest chunk cost: its
    characters and the seconds spent making it (studio.ui.pacing learns the machine's pace), and
    whether the model made it (False when it came from the engine's sentence cache)."""

    done_chars: int
    total_chars: int
    chunk_chars: int = 0
    chunk_seconds: float = 0.0
    made_by_model: bool = True


Request = LoadModel | Speak | Export
