"""User settings (model folder, recent projects) in the platform's config folder, saved atomically."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.fsutil import atomic_write

log = logging.getLogger(__name__)
APP_NAME = "narration-studio"
MAX_RECENT = 10


def default_settings_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "settings.json"


class Settings(BaseModel):
    """What the studio remembers between runs, as settings.json holds it (its JSON Schema is in
    the docs). A missing or unreadable file means the defaults; a value of the wrong type falls
    back to its default alone, so one bad entry loses nothing else."""

    model_config = ConfigDict(strict=True, extra="ignore")

    model_dir: str | None = Field(None, description="A local model folder; none: the hub.")
    recent_projects: list[str] = Field(
        default_factory=list, description="Project folders, the latest first."
    )
    device: str | None = Field(None, description='"cpu", "cuda", …; none: the best there is.')
    backend: str | None = Field(None, description='"auto" (the default), "torch" or "onnx".')
    onnx_model: str | None = Field(None, description="An .onnx file for the onnx backend.")
    precision: str | None = Field(
        None, description='Torch on the CPU: "auto" (the default), "fp32" or "bf16".'
    )
    server: str | None = Field(None, description="An HTTP TTS server to speak with, or none.")
    server_token: str | None = Field(None, description="The server's bearer token, if any.")

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
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            bad = {str(error["loc"][0]) for error in exc.errors()}
            log.warning("Ignoring settings of the wrong type in %s: %s", path, ", ".join(bad))
            return cls.model_validate({k: v for k, v in raw.items() if k not in bad})

    def save(self, path: Path | None = None) -> None:
        path = path or default_settings_path()
        atomic_write(path, self.model_dump_json(indent=2).encode("utf-8"))

    def remember_project(self, folder: Path) -> None:
        entry = str(Path(folder).resolve())
        self.recent_projects = [entry] + [p for p in self.recent_projects if p != entry]
        del self.recent_projects[MAX_RECENT:]
