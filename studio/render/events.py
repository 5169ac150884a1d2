"""What a render yields as it works: a scene started, progressed, done or failed, a file removed,
the scenes checked; and what the export adds (captions, the ACX report, the joined file)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from studio.audio.meter import Measurement
from studio.engine.chunks import AudioChunk
from studio.errors import StudioError
from studio.project.model import Scene
from studio.render.extras import CaptionsWritten, JoinedWritten, ReportWritten

SceneStatus = Literal["rendered", "cached", "renamed"]


@dataclass(frozen=True)
class SceneStarted:
    scene: Scene
    position: int  # 1-based among the scenes of this render
    total: int


@dataclass(frozen=True)
class SceneProgress:
    """Synthesis progress inside a scene: characters voiced so far out of all."""

    scene: Scene
    done_chars: int
    total_chars: int
    chunk: AudioChunk


@dataclass(frozen=True)
class SceneDone:
    scene: Scene
    status: SceneStatus
    file: Path
    duration: float
    measurement: Measurement | None = None  # as the written file measures


@dataclass(frozen=True)
class FileRemoved:
    file: Path


@dataclass(frozen=True)
class SceneFailed:
    """A scene that could not be rendered, and why (the render goes on with the others)."""

    scene: Scene
    error: StudioError


@dataclass(frozen=True)
class ScenesChecked:
    """Before any rendering: the scenes to render that will fail, each with its reason."""

    failing: tuple[SceneFailed, ...]


RenderEvent = (
    SceneStarted
    | SceneProgress
    | SceneDone
    | FileRemoved
    | SceneFailed
    | ScenesChecked
    | CaptionsWritten
    | ReportWritten
    | JoinedWritten
)
