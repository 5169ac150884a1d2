"""How a project is exported: loudness preset, file format, MP3 bitrate, captions, joined file.

Stored as the optional ``export`` object of project.json: absent means the defaults (today's
output: raw 128 kbps MP3s, no captions, no joined file), unknown keys are kept as they are, and an
export may override any of it without changing the project.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from studio.audio.encode import validate_bitrate, validate_format
from studio.audio.presets import DEFAULT_PRESET, NEW_PROJECT_PRESET, LoudnessPreset, get_preset
from studio.errors import ErrorCode, StudioError

_KNOWN = ("preset", "format", "bitrate", "captions", "join", "m4b", "artist")


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
        return cls(
            preset=_text(raw, "preset", DEFAULT_PRESET),
            format=_text(raw, "format", "mp3"),
            bitrate=_optional_int(raw.get("bitrate")),
            captions=_flag(raw, "captions"),
            join=_flag(raw, "join"),
            m4b=_flag(raw, "m4b"),
            artist=_text(raw, "artist", ""),
            extra={k: v for k, v in raw.items() if k not in _KNOWN},
        )

    def is_default(self) -> bool:
        return self == ExportSettings() and not self.extra


def _text(raw: dict[str, Any], key: str, default: str) -> str:
    value = raw.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValueError(f"export setting '{key}' must be text")
    return value


def _flag(raw: dict[str, Any], key: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"export setting '{key}' must be true or false")
    return value


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"export setting 'bitrate' must be a number of kbps, not {value!r}")
    return value
