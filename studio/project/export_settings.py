"""How a project is exported: loudness preset, file format, MP3 bitrate, captions, joined file.

Stored as the optional ``export`` object of project.json: absent means the defaults (today's
output: raw 128 kbps MP3s, no captions, no joined file), unknown keys are kept as they are, and an
export may override any of it without changing the project.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.audio.encode import validate_bitrate, validate_format
from studio.audio.presets import DEFAULT_PRESET, NEW_PROJECT_PRESET, LoudnessPreset, get_preset
from studio.errors import ErrorCode, StudioError


@dataclass(frozen=True)
class ExportSettings:
    """``bitrate`` None means the preset's own (128 kbps, or 192 for acx)."""

    preset: str = DEFAULT_PRESET
    format: str = "mp3"
    bitrate: int | None = None
    captions: bool = False
    join: bool = False
    m4b: bool = False  # with join: an M4B audiobook with chapters beside the joined file
    artist: str = ""  # the artist tag; empty means the project's author
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # keys of newer versions

    @classmethod
    def for_new_project(cls, **settings: Any) -> ExportSettings:
        """A new project's settings: mastered for podcasts and video unless told otherwise.
        ``ExportSettings()`` stays what a file without settings means."""
        return cls(**{"preset": NEW_PROJECT_PRESET, **settings})

    @property
    def loudness(self) -> LoudnessPreset:
        return get_preset(self.preset)

    @property
    def mp3_bitrate(self) -> int:
        return self.bitrate if self.bitrate is not None else self.loudness.mp3_bitrate

    def validated(self) -> ExportSettings:
        """The same settings with names normalised, or TTS_INVALID_INPUT naming what is wrong."""
        preset = get_preset(self.preset).name
        fmt = validate_format(self.format)
        if self.bitrate is not None:
            validate_bitrate(self.bitrate)
        return dataclasses.replace(self, preset=preset, format=fmt, join=self.join or self.m4b)

    def with_overrides(self, **changes: Any) -> ExportSettings:
        """These settings with the given ones changed (None leaves a setting as it is)."""
        given = {key: value for key, value in changes.items() if value is not None}
        if "format" in given and given["format"] != "mp3" and "bitrate" in given:
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"A bitrate applies to MP3 only, not to {given['format']}.",
                "Leave out --bitrate, or export MP3.",
            )
        return dataclasses.replace(self, **given).validated()

    def output_signature(self) -> str:
        """What in these settings changes a scene's audio file: part of its render cache key.
        Empty for the defaults, so files rendered before presets existed stay cached."""
        preset = self.loudness
        if preset.name == DEFAULT_PRESET and self.format == "mp3" and self.mp3_bitrate == 128:
            return ""
        bitrate = f"/{self.mp3_bitrate}k" if self.format == "mp3" else ""
        return f"{preset.name}/{self.format}{bitrate}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        data.update(
            {
                "preset": self.preset,
                "format": self.format,
                "bitrate": self.bitrate,
                "captions": self.captions,
                "join": self.join,
                "m4b": self.m4b,
                "artist": self.artist,
            }
        )
        return data

    @classmethod
    def from_json(cls, raw: object) -> ExportSettings:
        """Settings from project.json's ``export`` object; raises ValueError for a value of the
        wrong type (the project loader reports a damaged file). Names this version does not know
        (a newer version's preset) are kept and refused only when exporting, with a clear error."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ValueError("'export' must be an object")
        try:
            stored = ExportSettingsFile.model_validate(raw)
        except ValidationError as exc:
            key = str(exc.errors()[0]["loc"][0])
            raise ValueError(f"export setting '{key}' must be {_KINDS[key]}") from None
        return cls(
            preset=stored.preset or DEFAULT_PRESET,
            format=stored.format or "mp3",
            bitrate=stored.bitrate,
            captions=bool(stored.captions),
            join=bool(stored.join),
            m4b=bool(stored.m4b),
            artist=stored.artist or "",
            extra=dict(stored.model_extra or {}),
        )

    def is_default(self) -> bool:
        return self == ExportSettings() and not self.extra


class ExportSettingsFile(BaseModel):
    """project.json's ``export`` object as stored: every key optional (absent or null means the
    default), and keys of newer versions kept."""

    model_config = ConfigDict(strict=True, extra="allow")

    preset: str | None = Field(None, description="A loudness preset: raw, podcast, acx, …")
    format: str | None = Field(None, description="mp3, flac, wav, opus or m4a; mp3.")
    bitrate: int | None = Field(None, description="MP3 kbps; none: the preset's own.")
    captions: bool | None = Field(None, description="Write .srt and .vtt beside each file.")
    join: bool | None = Field(None, description="Also write every scene as one file.")
    m4b: bool | None = Field(None, description="With join: an M4B audiobook with chapters.")
    artist: str | None = Field(None, description="The artist tag; empty: the project's author.")


_KINDS = {
    "preset": "text",
    "format": "text",
    "artist": "text",
    "bitrate": "a number of kbps",
    "captions": "true or false",
    "join": "true or false",
    "m4b": "true or false",
}
