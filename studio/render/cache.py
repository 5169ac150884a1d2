"""The render cache: each scene's key, and ``audio/manifest.json``, which records what was
rendered for each scene.

Each scene's cache key hashes its text, voice, speed and pause with the engine's identity (model,
voices, backend, render version), the lexicon entries and cast members the scene uses (only
those: adding a word to the lexicon re-renders exactly the scenes that say it), and the export
settings that change the file (preset, format, bitrate).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from studio.audio.meter import Measurement
from studio.direction.grammar import TURN_RULES
from studio.direction.plan import Direction, plan_read
from studio.direction.reading import READING_VERSION
from studio.engine.speaker import SpeechEngine
from studio.fsutil import ensure_inside, write_if_changed
from studio.project.export_settings import ExportSettings
from studio.project.model import Project, Scene

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


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
    if plan.cast_used:
        parts.append(["turn rules", TURN_RULES])
    if plan.silenced_labels:
        parts.append(["silenced labels", *plan.silenced_labels])
    if plan.dialogue_used:
        parts.append(["dialogue", plan.dialogue_used, engine.identity(plan.dialogue_used)])
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()
