"""What an export writes besides the scene files: captions, the ACX report, the joined file.

Each runs after the scenes are rendered and works from the files and from what the render kept
(the manifest's figures, each scene's word timings), so none needs the model, and a re-export in
which nothing changed writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from studio.audio import acx
from studio.audio.captions import Cue, build_cues, load_words, save_words, shifted, write_captions
from studio.audio.captions import Word as TimedWord
from studio.audio.encode import OUTPUT_SAMPLE_RATE
from studio.audio.join import Part, chapters_of, join_files, write_m4b
from studio.audio.meter import Measurement, measure
from studio.audio.scene_file import decode
from studio.audio.tags import Chapter, Tags
from studio.errors import ErrorCode, StudioError
from studio.project.export_settings import ExportSettings
from studio.project.model import Project, Scene, slugify

TIMINGS_DIR = ".timings"  # inside audio/: each scene's word timings, for its captions


@dataclass(frozen=True)
class ExportedScene:
    """A scene whose file is up to date after this render."""

    scene: Scene
    path: Path
    key: str
    duration: float
    measurement: Measurement | None


@dataclass(frozen=True)
class CaptionsWritten:
    files: list[Path]


@dataclass(frozen=True)
class ReportWritten:
    path: Path
    reports: list[acx.FileReport]

    @property
    def passed(self) -> bool:
        return all(report.passed for report in self.reports)


@dataclass(frozen=True)
class JoinedWritten:
    files: list[Path]
    chapters: list[Chapter]
    unchanged: bool


def scene_tags(project: Project, scene: Scene, settings: ExportSettings) -> Tags:
    number = project.scenes.index(scene) + 1
    title = scene.title or f"Scene {number}"
    return Tags(
        title,
        book_artist(project, settings),
        project.title,
        number,
        len(project.scenes),
        narrator=project.narrator,
    )


def book_artist(project: Project, settings: ExportSettings) -> str:
    """The artist tag: the export setting where one is set, else the book's author. Never a
    voice id: an empty artist is left out of the file."""
    return settings.artist or project.author


# --- word timings ---------------------------------------------------------------------------


def timings_path(project: Project, scene_id: str) -> Path:
    return project.audio_dir / TIMINGS_DIR / f"{scene_id}.json"


def save_scene_words(project: Project, scene_id: str, key: str, words: list[TimedWord]) -> None:
    save_words(timings_path(project, scene_id), key, words)


def has_words(project: Project, scene_id: str, key: str) -> bool:
    return load_words(timings_path(project, scene_id), key) is not None


def caption_files(audio_file: Path) -> tuple[Path, Path]:
    return audio_file.with_suffix(".srt"), audio_file.with_suffix(".vtt")


# --- captions -------------------------------------------------------------------------------


def scene_cues(project: Project, exported: ExportedScene) -> list[Cue]:
    words = load_words(timings_path(project, exported.scene.id), exported.key)
    if words is None:  # the render re-renders a scene without timings when captions are on
        raise StudioError(
            ErrorCode.IO_ERROR,
            f"The word timings of {exported.path.name} are missing.",
            "Export again with --force to rebuild them.",
        )
    return build_cues(words, exported.duration)


def write_scene_captions(project: Project, exported: list[ExportedScene]) -> CaptionsWritten:
    changed: list[Path] = []
    for item in exported:
        changed += write_captions(scene_cues(project, item), *caption_files(item.path))
    return CaptionsWritten(changed)


# --- ACX ------------------------------------------------------------------------------------


def write_acx_report(project: Project, exported: list[ExportedScene]) -> ReportWritten:
    """Check every scene file of the project against the ACX rules and write the report."""
    reports = []
    for item in exported:
        figures = item.measurement or measure(decode(item.path), OUTPUT_SAMPLE_RATE)
        reports.append(acx.check_file(item.path, item.path.name, figures))
    return ReportWritten(acx.write_report(project.audio_dir, reports), reports)


# --- the joined file ------------------------------------------------------------------------


def joined_base(project: Project) -> Path:
    return project.folder / (slugify(project.title) or "project")


def join_key(project: Project, settings: ExportSettings, exported: list[ExportedScene]) -> str:
    """Changes whenever the joined files would: any scene file, title, order or setting."""
    payload = [
        settings.output_signature(),
        settings.format,
        settings.mp3_bitrate,
        settings.captions,
        settings.m4b,
        settings.artist,
        project.title,
        project.author,
        project.narrator,
        [(item.path.name, item.key, item.scene.title) for item in exported],
    ]
    return hashlib.sha256(json.dumps(payload).encode("utf-8")).hexdigest()


def joined_files(project: Project, settings: ExportSettings) -> list[Path]:
    base = joined_base(project)
    files = [base.with_suffix(f".{settings.format}")]
    if settings.captions:
        files += [base.with_suffix(".srt"), base.with_suffix(".vtt")]
    if settings.m4b:
        files.append(base.with_suffix(".m4b"))
    return files


def write_joined(
    project: Project, settings: ExportSettings, exported: list[ExportedScene], previous_key: str
) -> tuple[JoinedWritten, str]:
    """The whole project as one file (and captions, and an M4B, as set); returns the event and
    the join key to remember. Nothing is written when the key and the files are unchanged."""
    key = join_key(project, settings, exported)
    files = joined_files(project, settings)
    parts = [Part(item.path, item.scene.title or item.path.stem) for item in exported]
    if key == previous_key and all(f.is_file() for f in files):
        return JoinedWritten(files, chapters_of(parts), unchanged=True), key
    album = Tags(
        project.title,
        book_artist(project, settings),
        project.title,
        1,
        1,
        narrator=project.narrator,
    )
    chapters = join_files(parts, files[0], settings.format, settings.mp3_bitrate, album)
    if settings.captions:
        cues: list[Cue] = []
        for item, chapter in zip(exported, chapters, strict=True):
            cues += shifted(scene_cues(project, item), chapter.start)
        write_captions(cues, files[1], files[2])
    if settings.m4b:
        write_m4b(parts, files[-1], album)
    return JoinedWritten(files, chapters, unchanged=False), key
