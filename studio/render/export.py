"""Render a project: one file per scene, a render cache, and ``audio/manifest.json``.

Each scene's cache key hashes its text, voice, speed and pause with the engine's identity (model,
voices, backend, render version), the lexicon entries and cast members the scene uses (only
those: adding a word to the lexicon re-renders exactly the scenes that say it), and the export
settings that change the file (preset, format, bitrate). A re-export skips scenes whose key and
file are unchanged, renames files of scenes that only moved, and removes the files of deleted
scenes.

The manifest matches the files on disk after any cancel or kill: a scene's file is written under a
temp name, its manifest entry is committed, and only then is the file renamed into place, before
the render yields again. So no file ever stands without its entry; a kill in the instant between
the two renames leaves an entry whose file is missing, which the next load drops.

The stages: synthesis (``studio.render.longform``: a scene of any length), the scene's file
(``studio.audio.scene_file``: mastered, encoded, tagged, measured), then what the export adds
(``studio.render.extras``: captions, the ACX report, the joined file). Synthesis goes through a
``SceneVoicer``: here, on this engine (``LocalVoicer``), or on a Ray cluster
(``studio.render.cluster.ClusterVoicer``); everything else (keys, files, manifest) is the same loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from studio.audio.encode import join_audio, write_mp3
from studio.audio.master import Measurement
from studio.audio.scene_file import write_scene_file
from studio.audio.tags import retag
from studio.direction.lexicon import Lexicon
from studio.direction.plan import Direction, plan_read
from studio.direction.reading import READING_VERSION
from studio.engine.core import SAMPLE_RATE, AudioChunk
from studio.engine.speaker import SpeechEngine
from studio.errors import ErrorCode, StudioError, io_error
from studio.fsutil import ensure_inside, remove_stale_temps, temp_name_for, write_if_changed
from studio.project.export_settings import ExportSettings
from studio.project.model import Project, Scene
from studio.render.extras import (
    CaptionsWritten,
    ExportedScene,
    JoinedWritten,
    ReportWritten,
    caption_files,
    has_words,
    save_scene_words,
    scene_tags,
    timings_path,
    write_acx_report,
    write_joined,
    write_scene_captions,
)
from studio.render.longform import check_scene, synthesize_scene

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


@dataclass(frozen=True)
class SceneJob:
    """A scene to voice: what synthesis needs of it (picklable, for a cluster's workers)."""

    scene_id: str
    text: str
    voice: str
    speed: float
    direction: Direction | None = None


class SceneVoicer(Protocol):
    """Where a render gets each scene's audio chunks."""

    def start(self, jobs: Iterable[SceneJob]) -> None:
        """The scenes this render will voice, in order: a voicer may start on all of them now
        (``jobs`` is lazy: working out which scenes need voicing costs a pass over the files)."""
        ...

    def chunks(self, job: SceneJob) -> Iterator[AudioChunk]:
        """The scene's chunks in order; raises StudioError as ``synthesize_scene`` does."""
        ...


class LocalVoicer:
    """Voices each scene on ``engine`` when the render asks for it, streaming its chunks."""

    def __init__(self, engine: SpeechEngine) -> None:
        self.engine = engine

    def start(self, jobs: Iterable[SceneJob]) -> None:
        """Nothing to start ahead: scenes are voiced one after the other."""

    def chunks(self, job: SceneJob) -> Iterator[AudioChunk]:
        return synthesize_scene(self.engine, job.text, job.voice, job.speed, job.direction)


#: Failures that are not the scene's own: every later scene would fail the same way (a full
#: disk, a cancel, a server or service that has gone away). A damaged voice file is the scene's.
_STOPS_THE_RENDER = (ErrorCode.IO_ERROR, ErrorCode.CANCELLED, ErrorCode.SERVICE_ERROR)


@dataclass
class ManifestEntry:
    file: str
    voice: str
    speed: float
    duration: float
    key: str
    sha256: str
    preset: str = "none"
    loudness: dict[str, float] | None = None  # Measurement.to_json() of the written file

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ManifestEntry:
        loudness = raw.get("loudness")
        return cls(
            str(raw["file"]),
            str(raw["voice"]),
            float(raw["speed"]),
            float(raw["duration"]),
            str(raw["key"]),
            str(raw["sha256"]),
            str(raw.get("preset", "none")),
            {k: float(v) for k, v in loudness.items()} if isinstance(loudness, dict) else None,
        )

    def measurement(self) -> Measurement | None:
        try:
            return Measurement.from_json(self.loudness) if self.loudness else None
        except (KeyError, TypeError, ValueError):
            return None


@dataclass
class Manifest:
    """scene id -> what was rendered for it. Lives at ``audio/manifest.json``."""

    scenes: dict[str, ManifestEntry] = field(default_factory=dict)
    joined_key: str = ""  # what the joined file was made from (studio.render.extras.join_key)

    @classmethod
    def load(cls, project: Project) -> Manifest:
        path = project.audio_dir / MANIFEST_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entries = {sid: ManifestEntry.from_json(e) for sid, e in raw["scenes"].items()}
            joined_key = str(raw.get("joined", {}).get("key", ""))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("Ignoring unreadable %s (%s); every scene will be rendered", path, exc)
            return cls()
        for entry in entries.values():
            ensure_inside(project.audio_dir, project.folder / entry.file)  # a tampered manifest
        # A render killed between committing an entry and renaming its file into place.
        present = {sid: e for sid, e in entries.items() if (project.folder / e.file).is_file()}
        return cls(present, joined_key)

    def save(self, project: Project, order: list[str]) -> None:
        ordered = {sid: self.scenes[sid] for sid in order if sid in self.scenes}
        ordered.update({sid: e for sid, e in self.scenes.items() if sid not in ordered})
        data = {
            "version": MANIFEST_VERSION,
            "scenes": {sid: vars(entry) for sid, entry in ordered.items()},
        }
        if self.joined_key:
            data["joined"] = {"key": self.joined_key}
        write_if_changed(
            project.audio_dir / MANIFEST_NAME,
            (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        )


def output_key(key: str, settings: ExportSettings) -> str:
    """The scene's key with the export settings that change its file (none for the defaults)."""
    signature = settings.output_signature()
    return hashlib.sha256(f"{key}|{signature}".encode()).hexdigest() if signature else key


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
    settings: ExportSettings | None = None,
    keep_going: bool = False,
    voicer: SceneVoicer | None = None,
) -> Iterator[RenderEvent]:
    """Render the chosen scenes (all by default), yielding events as work happens.

    The project's lexicon and cast direct the read, with the ``personal`` lexicon under them.
    ``settings`` overrides the project's export settings for this render (captions, preset…).
    Stop iterating to cancel: the scene in progress is abandoned (no partial file) and everything
    finished so far stays in the manifest. Errors in one scene stop the render with a StudioError
    naming the scene; with ``keep_going``, the scenes to render are checked first (a
    ScenesChecked event says which will fail and why), each failing scene is reported as
    SceneFailed, and the others are rendered. A full disk stops the render either way.
    ``voicer`` voices the scenes (default: ``engine`` here, one scene after the other); keys,
    files and manifest are made here either way, so the output is the same.
    """
    voicer = voicer or LocalVoicer(engine)
    settings = (settings or project.export).validated()
    if settings.join and scene_ids and set(scene_ids) != {s.id for s in project.scenes}:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            "A joined file holds every scene, so it cannot be made from some of them.",
            "Export all scenes to join them, or export these without joining.",
        )
    chosen = [project.scene(sid) for sid in scene_ids] if scene_ids else list(project.scenes)
    _check_audio_dir(project)
    manifest = Manifest.load(project)
    order = [s.id for s in project.scenes]

    direction = project.direction(personal)
    yield from _remove_deleted_scenes(project, manifest, order)
    _rename_moved_files(project, manifest, chosen)
    exported: list[ExportedScene] = []
    failing: dict[str, SceneFailed] = {}
    cached = _CachedScenes(project, engine, manifest, direction, settings)
    if keep_going:
        failing = _check_scenes(project, engine, chosen, force, direction, cached)
        yield ScenesChecked(tuple(failing.values()))
    voicer.start(  # lazily: a local render never looks
        _job(project, scene, direction)
        for scene in chosen
        if scene.id not in failing and (force or not cached.or_failing(scene))
    )
    for position, scene in enumerate(chosen, 1):
        yield SceneStarted(scene, position, len(chosen))
        if scene.id in failing:
            yield failing[scene.id]
            continue
        try:
            for event in _render_scene(
                project, engine, voicer, manifest, scene, force, order, direction, settings, cached
            ):
                yield event
                if isinstance(event, SceneDone):
                    entry = manifest.scenes[scene.id]
                    exported.append(
                        ExportedScene(
                            scene, event.file, entry.key, entry.duration, event.measurement
                        )
                    )
        except StudioError as exc:
            if not keep_going or exc.code in _STOPS_THE_RENDER:
                raise
            yield SceneFailed(scene, exc)
            continue
        manifest.save(project, order)
    yield from _finish(project, manifest, settings, exported, order)


def _finish(
    project: Project,
    manifest: Manifest,
    settings: ExportSettings,
    exported: list[ExportedScene],
    order: list[str],
) -> Iterator[RenderEvent]:
    """What the export adds to the scene files: captions, the ACX report, the joined file."""
    if settings.captions:
        yield write_scene_captions(project, exported)
    if settings.preset == "acx":
        yield write_acx_report(project, exported)
    if settings.join:
        event, manifest.joined_key = write_joined(project, settings, exported, manifest.joined_key)
        manifest.save(project, order)
        yield event


def _check_scenes(
    project: Project,
    engine: SpeechEngine,
    chosen: list[Scene],
    force: bool,
    direction: Direction | None,
    cached: _CachedScenes,
) -> dict[str, SceneFailed]:
    """The scenes that need rendering and will fail, by id (cached scenes cost nothing here)."""
    failing = {}
    for scene in chosen:
        voice = scene.voice_or(project.default_voice)
        try:
            if not force and cached(scene):
                continue
            check_scene(engine, scene.text, voice, scene.speed, direction)
        except StudioError as exc:
            if exc.code in _STOPS_THE_RENDER:
                raise
            failing[scene.id] = SceneFailed(scene, _in_scene(project, scene, exc))
    return failing


class _CachedScenes:
    """Whether each scene's file is already what this export would write: its key and the
    file's SHA-256, checked once per render however many passes ask (the cluster's job list,
    ``keep_going``'s check, the render itself). A key that fails is remembered and raised again."""

    def __init__(
        self,
        project: Project,
        engine: SpeechEngine,
        manifest: Manifest,
        direction: Direction | None,
        settings: ExportSettings,
    ) -> None:
        self._project, self._engine, self._manifest = project, engine, manifest
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
        voice = scene.voice_or(project.default_voice)
        target_name = _file_name(project, scene, settings)
        key = output_key(scene_key(scene, voice, self._engine, self._direction), settings)
        entry = self._manifest.scenes.get(scene.id)
        return bool(
            entry
            and entry.key == key
            and entry.file == target_name
            and _intact(project.folder / target_name, entry)
            and (not settings.captions or has_words(project, scene.id, key))
        )


def _job(project: Project, scene: Scene, direction: Direction | None) -> SceneJob:
    voice = scene.voice_or(project.default_voice)
    return SceneJob(scene.id, scene.text, voice, scene.speed, direction)


def _render_scene(
    project: Project,
    engine: SpeechEngine,
    voicer: SceneVoicer,
    manifest: Manifest,
    scene: Scene,
    force: bool,
    order: list[str],
    direction: Direction | None,
    settings: ExportSettings,
    cached: _CachedScenes,
) -> Iterator[RenderEvent]:
    voice = scene.voice_or(project.default_voice)
    target_name = _file_name(project, scene, settings)
    target = project.folder / target_name
    tags = scene_tags(project, scene, settings)
    try:
        key = output_key(scene_key(scene, voice, engine, direction), settings)
    except StudioError as exc:
        raise _in_scene(project, scene, exc) from exc
    entry = manifest.scenes.get(scene.id)
    if not force and entry and cached(scene):
        if retag(target, settings.format, tags):  # its track number or title changed
            entry.sha256 = _sha256(target)
        yield SceneDone(scene, "cached", target, entry.duration, entry.measurement())
        return

    chunks = []
    total = len(scene.text.strip())
    done = 0
    staged = temp_name_for(target)
    try:
        for chunk in voicer.chunks(_job(project, scene, direction)):
            chunks.append(chunk)
            done = min(total, done + len(chunk.text) + 1)
            yield SceneProgress(scene, done, total, chunk)
        written = write_scene_file(
            staged,
            chunks,
            scene.pause_after,
            settings.loudness,
            settings.format,
            settings.mp3_bitrate,
            tags,
        )
        save_scene_words(project, scene.id, key, written.words)
    except StudioError as exc:
        staged.unlink(missing_ok=True)
        raise _in_scene(project, scene, exc) from exc
    if entry and entry.file != target_name:  # another format before: its file goes
        _remove_scene_files(project.folder / entry.file)
    manifest.scenes[scene.id] = ManifestEntry(
        target_name,
        voice,
        scene.speed,
        round(written.encoded.duration, 3),
        key,
        _sha256(staged),
        settings.preset,
        written.measurement.to_json(),
    )
    try:
        manifest.save(project, order)  # the entry first: no file ever stands without its entry
        staged.replace(target)
    except OSError as exc:
        raise io_error("write", target, exc) from exc
    finally:
        staged.unlink(missing_ok=True)
    yield SceneDone(scene, "rendered", target, written.encoded.duration, written.measurement)


def _file_name(project: Project, scene: Scene, settings: ExportSettings) -> str:
    """'audio/03-the-storm.mp3', with the export format's extension."""
    return Path(project.audio_name(scene)).with_suffix(f".{settings.format}").as_posix()


def _remove_scene_files(path: Path, *others: Path) -> None:
    """A scene's file and the captions beside it (and ``others``)."""
    for file in (path, *caption_files(path), *others):
        try:
            file.unlink(missing_ok=True)
        except OSError as exc:
            raise io_error("remove", file, exc) from exc


def _remove_deleted_scenes(
    project: Project, manifest: Manifest, order: list[str]
) -> Iterator[FileRemoved]:
    for scene_id in [sid for sid in manifest.scenes if sid not in order]:
        path = project.folder / manifest.scenes.pop(scene_id).file
        _remove_scene_files(path, timings_path(project, scene_id))
        manifest.save(project, order)
        yield FileRemoved(path)


def _rename_moved_files(project: Project, manifest: Manifest, chosen: list[Scene]) -> None:
    """Scenes that moved or were retitled keep their audio (and captions): rename it instead of
    re-rendering. A file keeps its format's extension: a change of format re-renders it anyway.

    Renames go through temp names first, so two scenes that swap places don't overwrite each other.
    """
    moves: list[tuple[str, Path, str]] = []
    for scene in chosen:
        entry = manifest.scenes.get(scene.id)
        if entry is None:
            continue
        old_path = project.folder / entry.file
        new_name = Path(project.audio_name(scene)).with_suffix(old_path.suffix).as_posix()
        if entry.file != new_name and old_path.is_file():
            moves.append((scene.id, old_path, new_name))
    if not moves:
        return
    try:
        # temp, destination, and for a scene's audio file its id and new name
        staged: list[tuple[Path, Path, tuple[str, str] | None]] = []
        for scene_id, old_path, new_name in moves:
            moving: list[tuple[Path, Path, tuple[str, str] | None]] = [
                (old_path, project.folder / new_name, (scene_id, new_name))
            ]
            for source, destination in zip(
                caption_files(old_path), caption_files(project.folder / new_name), strict=True
            ):
                moving.append((source, destination, None))
            for source, destination, audio in moving:
                if source.is_file():
                    temp = source.with_name(f".ns-move-{scene_id}{source.suffix}")
                    source.replace(temp)
                    staged.append((temp, destination, audio))
        for temp, destination, audio in staged:
            temp.replace(destination)
            if audio is not None:
                manifest.scenes[audio[0]].file = audio[1]
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
