"""Render a project: one MP3 per scene, a render cache, and ``audio/manifest.json``.

Each scene's cache key hashes its text, voice, speed and pause with the engine's identity (model,
voices, backend, render version), and the lexicon entries and cast members the scene uses (only
those: adding a word to the lexicon re-renders exactly the scenes that say it). A re-export skips scenes whose key and file are unchanged, renames
files of scenes that only moved, and removes the files of deleted scenes. The manifest is rewritten
atomically after every scene, so a cancel or a crash never loses finished work.

The manifest matches the files on disk after any cancel or kill: a scene's MP3 is written under a
temp name, its manifest entry is committed, and only then is the MP3 renamed into place, before
the render yields again. So no MP3 ever stands without its entry; a kill in the instant between
the two renames leaves an entry whose file is missing, which the next load drops.
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
from studio.direction.lexicon import Lexicon
from studio.direction.plan import Direction, plan_read
from studio.direction.reading import READING_VERSION
from studio.engine.core import SAMPLE_RATE, AudioChunk
from studio.engine.speaker import SpeechEngine
from studio.errors import StudioError, io_error
from studio.fsutil import atomic_write, ensure_inside, remove_stale_temps, temp_name_for
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


RenderEvent = SceneStarted | SceneProgress | SceneDone | FileRemoved


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
        # A render killed between committing an entry and renaming its file into place.
        present = {sid: e for sid, e in entries.items() if (project.folder / e.file).is_file()}
        return cls(present)

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


def scene_key(
    scene: Scene, voice: str, engine: SpeechEngine, direction: Direction | None = None
) -> str:
    """The render cache key: changes whenever the scene's audio would change.

    It holds only the lexicon entries and cast members the scene uses; a scene that uses none
    (nor a reading fix) keys exactly as before direction existed, so its audio stays cached.
    """
    parts: list[object] = [
        scene.text.strip(),
        voice,
        scene.speed,
        scene.pause_after,
        engine.identity(voice),
    ]
    plan = plan_read(scene.text, voice, direction)
    if plan.entries_used or plan.cast_used or plan.uses_reading_fixes:
        parts.append([entry.to_json() for entry in plan.entries_used])
        parts.append([[name, v, engine.identity(v)] for name, v in plan.cast_used])
        parts.append(READING_VERSION if plan.uses_reading_fixes else None)
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


def render_project(
    project: Project,
    engine: SpeechEngine,
    scene_ids: list[str] | None = None,
    force: bool = False,
    personal: Lexicon | None = None,
) -> Iterator[RenderEvent]:
    """Render the chosen scenes (all by default), yielding events as work happens.

    The project's lexicon and cast direct the read, with the ``personal`` lexicon under them.

    Stop iterating to cancel: the scene in progress is abandoned (no partial file) and everything
    finished so far stays in the manifest. Errors in one scene stop the render with a StudioError
    naming the scene.
    """
    chosen = [project.scene(sid) for sid in scene_ids] if scene_ids else list(project.scenes)
    _check_audio_dir(project)
    manifest = Manifest.load(project)
    order = [s.id for s in project.scenes]

    direction = project.direction(personal)
    yield from _remove_deleted_scenes(project, manifest, order)
    _rename_moved_files(project, manifest, chosen)
    for position, scene in enumerate(chosen, 1):
        yield SceneStarted(scene, position, len(chosen))
        yield from _render_scene(project, engine, manifest, scene, force, order, direction)


def _render_scene(
    project: Project,
    engine: SpeechEngine,
    manifest: Manifest,
    scene: Scene,
    force: bool,
    order: list[str],
    direction: Direction | None = None,
) -> Iterator[RenderEvent]:
    voice = scene.voice_or(project.default_voice)
    target_name = project.audio_name(scene)
    target = project.folder / target_name
    try:
        key = scene_key(scene, voice, engine, direction)
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
        for chunk in engine.synthesize(scene.text, voice, scene.speed, direction):
            pieces.append(chunk.audio)
            done = min(total, done + len(chunk.text) + 1)
            yield SceneProgress(scene, done, total, chunk)
        staged = temp_name_for(target)
        encoded = write_mp3(staged, join_audio(pieces, scene.pause_after), SAMPLE_RATE)
    except StudioError as exc:
        raise _in_scene(project, scene, exc) from exc
    manifest.scenes[scene.id] = ManifestEntry(
        target_name, voice, scene.speed, round(encoded.duration, 3), key, _sha256(staged)
    )
    try:
        manifest.save(project, order)  # the entry first: no MP3 ever stands without its entry
        staged.replace(target)
    except OSError as exc:
        raise io_error("write", target, exc) from exc
    finally:
        staged.unlink(missing_ok=True)
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
    remove_stale_temps(project.audio_dir)  # MP3s of renders that were killed before their rename


def _intact(path: Path, entry: ManifestEntry) -> bool:
    return path.is_file() and _sha256(path) == entry.sha256


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _in_scene(project: Project, scene: Scene, exc: StudioError) -> StudioError:
    number = project.scenes.index(scene) + 1
    name = f"Scene {number}" + (f" '{scene.title}'" if scene.title else "")
    return StudioError(exc.code, f"{name}: {exc.message}", exc.hint)


def render_text_to_mp3(
    engine: SpeechEngine,
    text: str,
    voice: str,
    speed: float,
    output: Path,
    on_chunk: Callable[[AudioChunk], None] | None = None,
    direction: Direction | None = None,
) -> tuple[float, int]:
    """Synthesize ``text`` into one MP3 at ``output``; returns (duration seconds, size bytes)."""
    pieces = []
    for chunk in engine.synthesize(text, voice, speed, direction):
        pieces.append(chunk.audio)
        if on_chunk:
            on_chunk(chunk)
    encoded = write_mp3(output, join_audio(pieces), SAMPLE_RATE)
    return encoded.duration, encoded.size
