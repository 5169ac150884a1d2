"""Which scenes' files are already what a render would write, and how much speech the others
need: known from the manifest and the keys, before any model loads.

A file is current when its manifest entry holds the key one of the render's engines would give
the scene. A render on ``auto`` accepts the files of either of auto's choices (torch, or the ONNX
export): both pass the quality gate, so a scene voiced by one is not voiced again by the other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from studio.direction.lexicon import Lexicon
from studio.direction.plan import Direction
from studio.engine.speaker import SpeechEngine
from studio.errors import StudioError
from studio.project.export_settings import ExportSettings
from studio.project.model import Project, Scene
from studio.render.cache import Manifest, ManifestEntry, output_key, scene_key
from studio.render.extras import has_words

#: Characters of English read per second of audio at speed 1.0: bench/inputs/scene_900.txt,
#: 901 characters in 53.6 s (af_heart). An estimate for choosing a backend, not a promise.
CHARS_PER_SECOND = 16.8


class CachedScenes:
    """Whether each scene's file is already what this export would write: its key and the
    file's SHA-256, checked once per render however many passes ask (the cluster's job list,
    ``keep_going``'s check, the render itself). A key that fails is remembered and raised again.
    ``engines``: the render's own first, then any whose files count as current too."""

    def __init__(
        self,
        project: Project,
        engines: Sequence[SpeechEngine],
        manifest: Manifest,
        direction: Direction | None,
        settings: ExportSettings,
    ) -> None:
        self._project, self._engines, self._manifest = project, engines, manifest
        self._direction, self._settings = direction, settings
        self._answers: dict[str, bool | StudioError] = {}

    def __call__(self, scene: Scene) -> bool:
        if scene.id not in self._answers:
            try:
                self._answers[scene.id] = self._check(scene)
            except StudioError as exc:
                self._answers[scene.id] = exc
        answer = self._answers[scene.id]
        if isinstance(answer, StudioError):
            raise answer
        return answer

    def or_failing(self, scene: Scene) -> bool:
        """Whether the scene needs no voicing: cached, or its key fails (the render says so)."""
        try:
            return self(scene)
        except StudioError:
            return True

    def _check(self, scene: Scene) -> bool:
        project, settings = self._project, self._settings
        target_name = file_name(project, scene, settings)
        entry = self._manifest.scenes.get(scene.id)
        return bool(
            entry
            and entry.key in keys(project, scene, self._engines, self._direction, settings)
            and entry.file == target_name
            and intact(project.folder / target_name, entry)
            and (not settings.captions or has_words(project, scene.id, entry.key))
        )


def seconds_left_to_voice(
    project: Project,
    engines: Sequence[SpeechEngine],
    scene_ids: list[str] | None,
    force: bool,
    personal: Lexicon | None,
    settings: ExportSettings,
) -> float:
    """About how many seconds of speech a render of ``scene_ids`` (all by default) would make:
    the scenes whose manifest entry holds none of ``engines``' keys, from their length and speed.
    A scene whose key cannot be made (it will fail) counts as none."""
    manifest = Manifest.load(project)
    direction = project.direction(personal)
    chosen = [project.scene(sid) for sid in scene_ids] if scene_ids else list(project.scenes)
    seconds = 0.0
    for scene in chosen:
        entry = manifest.scenes.get(scene.id)
        try:
            if (
                not force
                and entry
                and entry.key in keys(project, scene, engines, direction, settings)
            ):
                continue
        except StudioError:
            continue
        seconds += len(scene.text.strip()) / (CHARS_PER_SECOND * scene.speed)
    return seconds


def keys(
    project: Project,
    scene: Scene,
    engines: Sequence[SpeechEngine],
    direction: Direction | None,
    settings: ExportSettings,
) -> list[str]:
    """The scene's render-cache key on each engine, in order."""
    return [output_key_of(project, scene, e, direction, settings) for e in engines]


def output_key_of(
    project: Project,
    scene: Scene,
    engine: SpeechEngine,
    direction: Direction | None,
    settings: ExportSettings,
) -> str:
    """The key of the file ``engine`` would write for ``scene`` (studio.render.cache)."""
    voice = scene.voice_or(project.default_voice)
    directed = scene_direction(project, scene, direction)
    return output_key(scene_key(scene, voice, engine, directed), settings)


def scene_direction(
    project: Project, scene: Scene, direction: Direction | None
) -> Direction | None:
    """The direction of one scene: the project's, with the scene's dialogue voice."""
    return project.scene_direction(scene, direction) if direction is not None else None


def file_name(project: Project, scene: Scene, settings: ExportSettings) -> str:
    """'audio/03-the-storm.mp3', with the export format's extension."""
    return Path(project.audio_name(scene)).with_suffix(f".{settings.format}").as_posix()


def intact(path: Path, entry: ManifestEntry) -> bool:
    return path.is_file() and sha256(path) == entry.sha256


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
