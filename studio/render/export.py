"""Render a project: one file per scene, a render cache, and ``audio/manifest.json``.

A re-export skips scenes whose key and file are unchanged (the keys and the manifest:
``studio.render.cache``), renames files of scenes that only moved, and removes the files of
deleted scenes. The render yields events as it works (``studio.render.events``).

The manifest matches the files on disk after any cancel or kill: a scene's file is written under a
temp name, its manifest entry is committed, and only then is the file renamed into place, before
the render yields again. So no file ever stands without its entry; a kill in the instant between
the two renames leaves an entry whose file is missing, which the next load drops.

The stages: synthesis (the engine reads a scene of any length), the scene's file
(``studio.audio.scene_file``: mastered, encoded, tagged, measured), then what the export adds
(``studio.render.extras``: captions, the ACX report, the joined file). Synthesis goes through a
``SceneVoicer`` (``studio.render.voicer``): here, on this engine (``LocalVoicer``), or on a Ray
cluster (``studio.render.cluster.ClusterVoicer``); everything else (keys, files, manifest) is the
same loop. One text into one MP3, without a project, is ``studio.render.single``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from studio.audio.scene_file import write_scene_file
from studio.audio.tags import retag
from studio.direction.lexicon import Lexicon
from studio.direction.plan import Direction
from studio.engine.request import SpeechRequest
from studio.engine.speaker import SpeechEngine
from studio.errors import ErrorCode, StudioError, io_error
from studio.fsutil import ensure_inside, remove_stale_temps, temp_name_for
from studio.project.export_settings import ExportSettings
from studio.project.model import Project, Scene
from studio.render.cache import Manifest, ManifestEntry
from studio.render.current import (
    CachedScenes,
    file_name,
    output_key_of,
    scene_direction,
    sha256,
)
from studio.render.events import (
    FileRemoved,
    RenderEvent,
    SceneDone,
    SceneFailed,
    SceneProgress,
    ScenesChecked,
    SceneStarted,
)
from studio.render.extras import (
    ExportedScene,
    caption_files,
    save_scene_words,
    scene_tags,
    timings_path,
    write_acx_report,
    write_joined,
    write_scene_captions,
)
from studio.render.voicer import LocalVoicer, SceneJob, SceneVoicer

#: Failures that are not the scene's own: every later scene would fail the same way (a full
#: disk, a cancel, a server or service that has gone away). A damaged voice file is the scene's.
_STOPS_THE_RENDER = (ErrorCode.IO_ERROR, ErrorCode.CANCELLED, ErrorCode.SERVICE_ERROR)


def render_project(
    project: Project,
    engine: SpeechEngine,
    scene_ids: list[str] | None = None,
    force: bool = False,
    personal: Lexicon | None = None,
    settings: ExportSettings | None = None,
    keep_going: bool = False,
    voicer: SceneVoicer | None = None,
    also_current: Sequence[SpeechEngine] = (),
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
    files and manifest are made here either way, so the output is the same. A scene's file
    made by one of ``also_current`` counts as current too (``studio.render.current``).
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
    cached = CachedScenes(project, [engine, *also_current], manifest, direction, settings)
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
    cached: CachedScenes,
) -> dict[str, SceneFailed]:
    """The scenes that need rendering and will fail, by id (cached scenes cost nothing here)."""
    failing = {}
    for scene in chosen:
        try:
            if not force and cached(scene):
                continue
            engine.check(_speech_of(project, scene, direction))
        except StudioError as exc:
            if exc.code in _STOPS_THE_RENDER:
                raise
            failing[scene.id] = SceneFailed(scene, _in_scene(project, scene, exc))
    return failing


def _speech_of(project: Project, scene: Scene, direction: Direction | None) -> SpeechRequest:
    """What the engine is asked to say for one scene, whatever its length."""
    voice = scene.voice_or(project.default_voice)
    return SpeechRequest(scene.text, voice, scene.speed, scene_direction(project, scene, direction))


def _job(project: Project, scene: Scene, direction: Direction | None) -> SceneJob:
    return SceneJob(scene.id, _speech_of(project, scene, direction))


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
    cached: CachedScenes,
) -> Iterator[RenderEvent]:
    voice = scene.voice_or(project.default_voice)
    target_name = file_name(project, scene, settings)
    target = project.folder / target_name
    tags = scene_tags(project, scene, settings)
    try:
        key = output_key_of(project, scene, engine, direction, settings)
    except StudioError as exc:
        raise _in_scene(project, scene, exc) from exc
    entry = manifest.scenes.get(scene.id)
    if not force and entry and cached(scene):
        if retag(target, settings.format, tags):  # its track number or title changed
            entry.sha256 = sha256(target)
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
        sha256(staged),
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


def _in_scene(project: Project, scene: Scene, exc: StudioError) -> StudioError:
    number = project.scenes.index(scene) + 1
    name = f"Scene {number}" + (f" '{scene.title}'" if scene.title else "")
    return StudioError(exc.code, f"{name}: {exc.message}", exc.hint)
