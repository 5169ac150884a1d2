"""Render a project: one MP3 per scene, a render cache, and ``audio/manifest.json``.

Each scene's cache key hashes its text, voice, speed and pause with the engine's identity (model,
voices, backend, render version). A re-export skips scenes whose key and file are unchanged, renames
files of scenes that only moved, and removes the files of deleted scenes. The manifest is rewritten
atomically after every scene, so a cancel or a crash never loses finished work.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from studio.audio.encode import join_audio, write_mp3
from studio.engine.core import SAMPLE_RATE, AudioChunk, Engine
from studio.errors import ErrorCode, StudioError, io_error
from studio.fsutil import atomic_write, ensure_inside
from studio.project import Project, Scene

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1

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


RenderEvent = SceneStarted | SceneProgress | SceneDone | FileRemoved | SceneFailed | ScenesChecked
#: Failures that are not the scene's own: every later scene would fail the same way.
_STOPS_THE_RENDER = (ErrorCode.IO_ERROR, ErrorCode.CANCELLED)


@dataclass
class ManifestEntry:
    file: str
    voice: str
    speed: float
    duration: float
    key: str
    sha256: str

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ManifestEntry:
        return cls(
            str(raw["file"]),
            str(raw["voice"]),
            float(raw["speed"]),
            float(raw["duration"]),
            str(raw["key"]),
            str(raw["sha256"]),
        )


@dataclass
class Manifest:
    """scene id -> what was rendered for it. Lives at ``audio/manifest.json``."""

    scenes: dict[str, ManifestEntry] = field(default_factory=dict)

    @classmethod
    def load(cls, project: Project) -> Manifest:
        path = project.audio_dir / MANIFEST_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entries = {sid: ManifestEntry.from_json(e) for sid, e in raw["scenes"].items()}
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("Ignoring unreadable %s (%s); every scene will be rendered", path, exc)
            return cls()
        for entry in entries.values():
            ensure_inside(project.audio_dir, project.folder / entry.file)  # a tampered manifest
        return cls(entries)

    def save(self, project: Project, order: list[str]) -> None:
        ordered = {sid: self.scenes[sid] for sid in order if sid in self.scenes}
        ordered.update({sid: e for sid, e in self.scenes.items() if sid not in ordered})
        data = {
            "version": MANIFEST_VERSION,
            "scenes": {sid: vars(entry) for sid, entry in ordered.items()},
        }
        atomic_write(
            project.audio_dir / MANIFEST_NAME,
            (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        )


def scene_key(scene: Scene, voice: str, engine: Engine) -> str:
    """The render cache key: changes whenever the scene's audio would change."""
    payload = json.dumps(
        [scene.text.strip(), voice, scene.speed, scene.pause_after, engine.identity(voice)]
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def render_project(
    project: Project,
    engine: Engine,
    scene_ids: list[str] | None = None,
    force: bool = False,
    keep_going: bool = False,
) -> Iterator[RenderEvent]:
    """Render the chosen scenes (all by default), yielding events as work happens.

    Stop iterating to cancel: the scene in progress is abandoned (no partial file) and everything
    finished so far stays in the manifest. Errors in one scene stop the render with a StudioError
    naming the scene; with ``keep_going``, the scenes to render are checked first (a
    ScenesChecked event says which will fail and why), each failing scene is reported as
    SceneFailed, and the others are rendered. A full disk stops the render either way.
    """
    chosen = [project.scene(sid) for sid in scene_ids] if scene_ids else list(project.scenes)
    _check_audio_dir(project)
    manifest = Manifest.load(project)
    order = [s.id for s in project.scenes]

    yield from _remove_deleted_scenes(project, manifest, order)
    _rename_moved_files(project, manifest, chosen)
    failing: dict[str, SceneFailed] = {}
    if keep_going:
        failing = _check_scenes(project, engine, manifest, chosen, force)
        yield ScenesChecked(tuple(failing.values()))
    for position, scene in enumerate(chosen, 1):
        yield SceneStarted(scene, position, len(chosen))
        if scene.id in failing:
            yield failing[scene.id]
            continue
        try:
            yield from _render_scene(project, engine, manifest, scene, force)
        except StudioError as exc:
            if not keep_going or exc.code in _STOPS_THE_RENDER:
                raise
            yield SceneFailed(scene, exc)
            continue
        manifest.save(project, order)


def _check_scenes(
    project: Project, engine: Engine, manifest: Manifest, chosen: list[Scene], force: bool
) -> dict[str, SceneFailed]:
    """The scenes that need rendering and will fail, by id (cached scenes cost nothing here)."""
    failing = {}
    for scene in chosen:
        voice = scene.voice_or(project.default_voice)
        try:
            if not force and _up_to_date(project, engine, manifest, scene, voice):
                continue
            engine.check(scene.text, voice, scene.speed)
        except StudioError as exc:
            if exc.code in _STOPS_THE_RENDER:
                raise
            failing[scene.id] = SceneFailed(scene, _in_scene(project, scene, exc))
    return failing


def _up_to_date(
    project: Project, engine: Engine, manifest: Manifest, scene: Scene, voice: str
) -> bool:
    entry = manifest.scenes.get(scene.id)
    target_name = project.audio_name(scene)
    return bool(
        entry
        and entry.file == target_name
        and entry.key == scene_key(scene, voice, engine)
        and _intact(project.folder / target_name, entry)
    )


def _render_scene(
    project: Project, engine: Engine, manifest: Manifest, scene: Scene, force: bool
) -> Iterator[RenderEvent]:
    voice = scene.voice_or(project.default_voice)
    target_name = project.audio_name(scene)
    target = project.folder / target_name
    try:
        key = scene_key(scene, voice, engine)
    except StudioError as exc:
        raise _in_scene(project, scene, exc) from exc
    entry = manifest.scenes.get(scene.id)
    if (
        not force
        and entry
        and entry.key == key
        and entry.file == target_name
        and _intact(target, entry)
    ):
        yield SceneDone(scene, "cached", target, entry.duration)
        return

    pieces = []
    total = len(scene.text.strip())
    done = 0
    try:
        for chunk in engine.synthesize(scene.text, voice, scene.speed):
            pieces.append(chunk.audio)
            done = min(total, done + len(chunk.text) + 1)
            yield SceneProgress(scene, done, total, chunk)
        encoded = write_mp3(target, join_audio(pieces, scene.pause_after), SAMPLE_RATE)
    except StudioError as exc:
        raise _in_scene(project, scene, exc) from exc
    manifest.scenes[scene.id] = ManifestEntry(
        target_name, voice, scene.speed, round(encoded.duration, 3), key, _sha256(target)
    )
    yield SceneDone(scene, "rendered", target, encoded.duration)


def _remove_deleted_scenes(
    project: Project, manifest: Manifest, order: list[str]
) -> Iterator[FileRemoved]:
    for scene_id in [sid for sid in manifest.scenes if sid not in order]:
        path = project.folder / manifest.scenes.pop(scene_id).file
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise io_error("remove", path, exc) from exc
        manifest.save(project, order)
        yield FileRemoved(path)


def _rename_moved_files(project: Project, manifest: Manifest, chosen: list[Scene]) -> None:
    """Scenes that moved or were retitled keep their audio: rename it instead of re-rendering.

    Renames go through temp names first, so two scenes that swap places don't overwrite each other.
    """
    moves: list[tuple[str, Path, str]] = []
    for scene in chosen:
        entry = manifest.scenes.get(scene.id)
        new_name = project.audio_name(scene)
        if entry and entry.file != new_name and (project.folder / entry.file).is_file():
            moves.append((scene.id, project.folder / entry.file, new_name))
    if not moves:
        return
    try:
        staged = []
        for scene_id, old_path, new_name in moves:
            temp = old_path.with_name(f".ns-move-{scene_id}.mp3")
            old_path.replace(temp)
            staged.append((scene_id, temp, new_name))
        for scene_id, temp, new_name in staged:
            temp.replace(project.folder / new_name)
            manifest.scenes[scene_id].file = new_name
    except OSError as exc:
        raise io_error("rename audio in", project.audio_dir, exc) from exc
    finally:
        manifest.save(project, [s.id for s in project.scenes])


def _check_audio_dir(project: Project) -> None:
    ensure_inside(project.folder, project.audio_dir)  # refuses an audio/ symlinked elsewhere
    try:
        project.audio_dir.mkdir(exist_ok=True)
    except OSError as exc:
        raise io_error("create", project.audio_dir, exc) from exc


def _intact(path: Path, entry: ManifestEntry) -> bool:
    return path.is_file() and _sha256(path) == entry.sha256


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _in_scene(project: Project, scene: Scene, exc: StudioError) -> StudioError:
    number = project.scenes.index(scene) + 1
    name = f"Scene {number}" + (f" '{scene.title}'" if scene.title else "")
    return StudioError(exc.code, f"{name}: {exc.message}", exc.hint)


def render_text_to_mp3(
    engine: Engine,
    text: str,
    voice: str,
    speed: float,
    output: Path,
    on_chunk: Callable[[AudioChunk], None] | None = None,
) -> tuple[float, int]:
    """Synthesize ``text`` into one MP3 at ``output``; returns (duration seconds, size bytes)."""
    pieces = []
    for chunk in engine.synthesize(text, voice, speed):
        pieces.append(chunk.audio)
        if on_chunk:
            on_chunk(chunk)
    encoded = write_mp3(output, join_audio(pieces), SAMPLE_RATE)
    return encoded.duration, encoded.size
