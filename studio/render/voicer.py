"""Where a render gets each scene's audio: a ``SceneVoicer``. ``LocalVoicer`` voices on this
engine; ``studio.render.cluster.ClusterVoicer`` on a Ray cluster."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from studio.engine.chunks import AudioChunk
from studio.engine.request import SpeechRequest
from studio.engine.speaker import SpeechEngine


@dataclass(frozen=True)
class SceneJob:
    """A scene to voice: what synthesis needs of it (picklable, for a cluster's workers)."""

    scene_id: str
    request: SpeechRequest


class SceneVoicer(Protocol):
    """Where a render gets each scene's audio chunks."""

    def start(self, jobs: Iterable[SceneJob]) -> None:
        """The scenes this render will voice, in order: a voicer may start on all of them now
        (``jobs`` is lazy: working out which scenes need voicing costs a pass over the files)."""
        ...

    def chunks(self, job: SceneJob) -> Iterator[AudioChunk]:
        """The scene's chunks in order; raises StudioError as the engine's ``synthesize``."""
        ...


class LocalVoicer:
    """Voices each scene on ``engine`` when the render asks for it, streaming its chunks."""

    def __init__(self, engine: SpeechEngine) -> None:
        self.engine = engine

    def start(self, jobs: Iterable[SceneJob]) -> None:
        """Nothing to start ahead: scenes are voiced one after the other."""

    def chunks(self, job: SceneJob) -> Iterator[AudioChunk]:
        return self.engine.synthesize(job.request)
