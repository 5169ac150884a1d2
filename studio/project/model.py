"""Projects: a folder holding ``project.json`` (title, default voice, scenes, pronunciation
lexicon, cast) and ``audio/``.

The JSON schema is versioned. Saves are atomic and keep earlier versions as timestamped snapshots
(``studio.project.snapshots``).
A corrupt file, or one written by a newer version, raises a clear error and is never overwritten.
Keys this version does not know are kept as they are and written back.

Version 2 added ``lexicon`` and ``cast``, and the direction grammar in scene text. A version-1
file is migrated when opened: brackets in its scenes, which were spoken as text, are escaped so
they still are; the untouched original is kept as ``.snapshots/project-<UTC>-before-v2.json``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import shutil
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.direction.cast import Cast
from studio.direction.grammar import escape
from studio.direction.lexicon import Lexicon, merged
from studio.direction.plan import Direction
from studio.errors import ErrorCode, StudioError, io_error
from studio.fsutil import atomic_write
from studio.project.export_settings import ExportSettings
from studio.project.file_model import (
    DEFAULT_PAUSE_AFTER,
    SCHEMA_NAME,
    SCHEMA_VERSION,
    ProjectFile,
    read_project_file,
)
from studio.project.snapshots import keep_current, list_snapshots
from studio.speech.speed import validate_speed
from studio.speech.voices import DEFAULT_VOICE, parse_voice

PROJECT_FILE = "project.json"
AUDIO_DIR = "audio"
SNAPSHOTS_DIR = ".snapshots"
#: The keys this version reads and writes (ProjectFile's); any other top-level key is kept.
_KNOWN_KEYS = frozenset(field.alias or name for name, field in ProjectFile.model_fields.items())
log = logging.getLogger(__name__)


def new_scene_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class Scene:
    """One scene: a stable id, a title, its text, and how to voice it.

    ``voice`` None means the project's default voice; ``dialogue_voice`` None means the
    project's voice for quoted speech, and "" reads this scene's quotes as narration.
    """

    text: str
    title: str = ""
    voice: str | None = None
    speed: float = 1.0
    pause_after: float = DEFAULT_PAUSE_AFTER
    id: str = field(default_factory=new_scene_id)
    dialogue_voice: str | None = None

    def voice_or(self, default: str) -> str:
        return self.voice or default

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "voice": self.voice,
            "speed": self.speed,
            "pause_after": self.pause_after,
        }
        if self.dialogue_voice is not None:
            data["dialogue_voice"] = self.dialogue_voice
        return data


@dataclass
class Project:
    """A narration project. ``folder`` is where it lives; it is not stored in the file."""

    folder: Path
    title: str = "Untitled"
    default_voice: str = DEFAULT_VOICE
    scenes: list[Scene] = field(default_factory=list)
    lexicon: Lexicon = field(default_factory=Lexicon)
    cast: Cast = field(default_factory=Cast)
    export: ExportSettings = field(default_factory=ExportSettings)  # optional in the file
    author: str = ""  # the book's: the files' artist tag (optional in the file, like narrator)
    narrator: str = ""
    #: Readings the narrator has listened to and accepted in the pronunciation review: word
    #: (case-folded) → its phonemes then. A reading that changes is no longer reviewed.
    reviewed: dict[str, str] = field(default_factory=dict)
    #: The voice of quoted speech in narration ("" reads quotes as narration); see Scene.
    dialogue_voice: str = ""
    #: Top-level keys of project.json this version does not know (another version's), kept.
    extra: dict[str, Any] = field(default_factory=dict)
    #: The version-1 file this project was migrated from, until its snapshot is written.
    migrated_from: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def file(self) -> Path:
        return self.folder / PROJECT_FILE

    @property
    def audio_dir(self) -> Path:
        return self.folder / AUDIO_DIR

    def is_reviewed(self, word: str, reading: str) -> bool:
        return self.reviewed.get(word.casefold()) == reading

    def direction(self, personal: Lexicon | None = None) -> Direction:
        """What directs this project's reads: its lexicon (winning over ``personal``), its cast."""
        return Direction.of(
            merged(self.lexicon, personal or Lexicon()),
            self.cast,
            silent_labels=True,
            dialogue_voice=self.dialogue_voice,
        )

    def scene_direction(self, scene: Scene, direction: Direction) -> Direction:
        """The project's ``direction`` with the scene's own dialogue voice, where it has one."""
        if scene.dialogue_voice is None:
            return direction
        return dataclasses.replace(direction, dialogue_voice=scene.dialogue_voice or None)

    def scene(self, scene_id: str) -> Scene:
        for scene in self.scenes:
            if scene.id == scene_id:
                return scene
        known = ", ".join(s.id for s in self.scenes) or "none"
        raise StudioError(
            ErrorCode.INVALID_INPUT, f"No scene with id '{scene_id}'. Scenes: {known}."
        )

    def audio_name(self, scene: Scene) -> str:
        """The scene's MP3 path inside the project, by order and title: 'audio/03-the-storm.mp3'."""
        number = self.scenes.index(scene) + 1
        width = max(2, len(str(len(self.scenes))))
        return f"{AUDIO_DIR}/{number:0{width}d}-{slugify(scene.title) or 'scene'}.mp3"

    def to_json(self) -> dict[str, Any]:
        data = {
            "schema": SCHEMA_NAME,
            "version": SCHEMA_VERSION,
            "title": self.title,
            "default_voice": self.default_voice,
            "scenes": [scene.to_json() for scene in self.scenes],
            "lexicon": self.lexicon.to_json(),
            "cast": self.cast.to_json(),
            **{k: v for k, v in self.extra.items() if k not in _KNOWN_KEYS},
        }
        if not self.export.is_default():  # absent means the defaults: no schema change
            data["export"] = self.export.to_json()
        for key, value in (
            ("author", self.author),
            ("narrator", self.narrator),
            ("dialogue_voice", self.dialogue_voice),
        ):
            if value:
                data[key] = value
        if self.reviewed:
            data["reviewed"] = [
                {"word": word, "reading": reading}
                for word, reading in sorted(self.reviewed.items())
            ]
        return data

    def save(self) -> None:
        """Write project.json atomically, keeping the version it replaces as a snapshot (and,
        the first time after a migration, the version-1 original as a tagged snapshot)."""
        _refuse_to_clobber(self.file)
        self._write()

    def _write(self) -> None:
        if self.migrated_from is not None:  # the tagged snapshot is the version replaced
            write_migration_snapshot(self.folder, self.migrated_from)
            self.migrated_from = None
        else:
            keep_current(self.folder)
        data = (json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        atomic_write(self.file, data)

    @classmethod
    def create(
        cls,
        folder: Path,
        title: str | None = None,
        scenes: list[Scene] | None = None,
        default_voice: str = DEFAULT_VOICE,
        export: ExportSettings | None = None,
        author: str = "",
        narrator: str = "",
    ) -> Project:
        """A new project saved in ``folder``; refuses to replace an existing project. Without
        ``export``, it masters to the new-project preset."""
        folder = Path(folder)
        if (folder / PROJECT_FILE).exists():
            raise StudioError(
                ErrorCode.PROJECT_EXISTS,
                f"{folder} already holds a project.",
                "Open it instead, or choose an empty folder.",
            )
        parse_voice(default_voice)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise io_error("create", folder, exc) from exc
        project = cls(
            folder,
            title or folder.name or "Untitled",
            default_voice,
            scenes or [],
            export=export or ExportSettings.for_new_project(),
            author=author,
            narrator=narrator,
        )
        project.save()
        return project

    @classmethod
    def load(cls, folder: Path) -> Project:
        """Read ``folder/project.json``; raises PROJECT_NOT_FOUND, PROJECT_CORRUPT or PROJECT_TOO_NEW."""
        folder = Path(folder)
        raw = _read_project_json(folder / PROJECT_FILE)
        try:
            project = cls._from_json(folder, raw)
        except (KeyError, TypeError, ValueError, StudioError) as exc:
            detail = exc.message if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
            raise _corrupt(folder / PROJECT_FILE, detail) from exc
        if raw["version"] < SCHEMA_VERSION:
            project.migrated_from = (folder / PROJECT_FILE).read_bytes()
            try:
                project._write()  # the snapshot first, then version 2
            except StudioError as exc:  # a read-only folder: migrated in memory, saved later
                log.warning("Could not save the migrated %s: %s", project.file, exc.user_text())
        return project

    @classmethod
    def _from_json(cls, folder: Path, raw: dict[str, Any]) -> Project:
        stored = read_project_file(raw)
        scenes = []
        seen: set[str] = set()
        for item in stored.scenes:
            scene = Scene(
                id=item.id or new_scene_id(),
                title=item.title,
                text=escape(item.text) if stored.version < 2 else item.text,
                voice=item.voice or None,
                speed=validate_speed(item.speed),
                pause_after=item.pause_after,
                dialogue_voice=item.dialogue_voice,
            )
            if scene.id in seen:
                raise ValueError(f"scene id '{scene.id}' appears twice")
            seen.add(scene.id)
            scenes.append(scene)
        try:
            lexicon = Lexicon.from_json(stored.lexicon)
        except StudioError as exc:
            raise ValueError(f"its lexicon: {exc.message}") from exc
        return cls(
            folder,
            stored.title or "Untitled",
            stored.default_voice or DEFAULT_VOICE,
            scenes,
            lexicon=lexicon,
            cast=Cast.from_json(stored.cast),
            export=ExportSettings.from_json(stored.export),
            author=stored.author,
            narrator=stored.narrator,
            dialogue_voice=stored.dialogue_voice,
            reviewed={r.word.casefold(): r.reading for r in stored.reviewed},
            extra=dict(stored.model_extra or {}),
        )


def _read_project_json(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise StudioError(
            ErrorCode.PROJECT_NOT_FOUND,
            f"No project at {path.parent} (there is no {PROJECT_FILE}).",
            "Create one with: narration-studio new FOLDER",
        ) from exc
    except OSError as exc:
        raise io_error("read", path, exc) from exc
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _corrupt(path, f"it is not valid JSON ({exc})") from exc
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA_NAME:
        raise _corrupt(path, "it is not a Narration Studio project file")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _corrupt(path, f"its schema version {version!r} is not valid")
    if version > SCHEMA_VERSION:
        raise StudioError(
            ErrorCode.PROJECT_TOO_NEW,
            f"{path} was saved by a newer Narration Studio (schema {version}; this one reads "
            f"up to {SCHEMA_VERSION}).",
            "Update Narration Studio to open it. The file was left untouched.",
        )
    return raw


def write_migration_snapshot(folder: Path, original: bytes) -> Path:
    """Keep a version-1 project.json, untouched, before it is first rewritten as version 2."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = folder / SNAPSHOTS_DIR / f"project-{stamp}-before-v2.json"
    if not path.exists():
        atomic_write(path, original)
    return path


def _refuse_to_clobber(path: Path) -> None:
    """Never overwrite a project file we could not read: it may be a newer version's or repairable."""
    if path.exists():
        Project.load(path.parent)


def _corrupt(path: Path, detail: str) -> StudioError:
    hint = (
        f"Go back to an earlier version: narration-studio snapshots {path.parent} lists them, "
        f"narration-studio revert {path.parent} 1 restores the newest. The file was left untouched."
        if list_snapshots(path.parent)
        else "Fix the file by hand; it was left untouched."
    )
    return StudioError(ErrorCode.PROJECT_CORRUPT, f"{path} is damaged: {detail}.", hint)


def slugify(title: str, max_length: int = 40) -> str:
    """A file-name-safe slug: 'The Storm!' -> 'the-storm'. Non-Latin letters are kept."""
    normal = unicodedata.normalize("NFKD", title)
    ascii_first = "".join(c for c in normal if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^\w]+", "-", ascii_first, flags=re.UNICODE).strip("-_")
    return slug[:max_length].rstrip("-_")


def copy_project(project: Project, folder: Path) -> Project:
    """Save As: the project, with its audio, in a new folder."""
    if (folder / PROJECT_FILE).exists():
        raise StudioError(
            ErrorCode.PROJECT_EXISTS,
            f"{folder} already holds a project.",
            "Choose an empty folder.",
        )
    try:
        if project.audio_dir.is_dir():
            shutil.copytree(project.audio_dir, folder / AUDIO_DIR, dirs_exist_ok=True)
    except OSError as exc:
        raise io_error("copy audio to", folder, exc) from exc
    copy = dataclasses.replace(
        project,
        folder=folder,
        scenes=list(project.scenes),
        lexicon=Lexicon(list(project.lexicon.entries)),
        cast=Cast(dict(project.cast.members)),
        extra=dict(project.extra),
        migrated_from=None,
    )
    copy.save()
    return copy
