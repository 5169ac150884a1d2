"""User settings (model folder, recent projects) in the platform's config folder, saved atomically."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from studio.fsutil import atomic_write

log = logging.getLogger(__name__)
APP_NAME = "narration-studio"
MAX_RECENT = 10


def default_settings_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "settings.json"


@dataclass
class Settings:
    """What the studio remembers between runs. Unknown or broken files fall back to defaults."""

    model_dir: str | None = None
    recent_projects: list[str] = field(default_factory=list)
    device: str | None = None
    backend: str | None = None  # "auto" (default), "torch" or "onnx"
    onnx_model: str | None = None  # an explicit .onnx file for the onnx backend
    precision: str | None = None  # the torch backend on the CPU: "auto" (default), "fp32", "bf16"
    server: str | None = None  # an HTTP TTS server (http://host:11435) to speak with, or None
    server_token: str | None = None  # its bearer token, if it needs one

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or default_settings_path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("Ignoring unreadable settings file %s: %s", path, exc)
            return cls()
        if not isinstance(raw, dict):
            return cls()
        fields = (
            "model_dir",
            "recent_projects",
            "device",
            "backend",
            "onnx_model",
            "precision",
            "server",
            "server_token",
        )
        known = {k: raw[k] for k in fields if k in raw}
        settings = cls(**known)
        if not isinstance(settings.recent_projects, list):
            settings.recent_projects = []
        for name in ("backend", "onnx_model", "precision", "server", "server_token"):
            if not isinstance(getattr(settings, name), (str, type(None))):
                setattr(settings, name, None)
        return settings

    def save(self, path: Path | None = None) -> None:
        path = path or default_settings_path()
        atomic_write(path, json.dumps(asdict(self), indent=2).encode("utf-8"))

    def remember_project(self, folder: Path) -> None:
        entry = str(Path(folder).resolve())
        self.recent_projects = [entry] + [p for p in self.recent_projects if p != entry]
        del self.recent_projects[MAX_RECENT:]
