"""The cast: speaker names of a project's dialogue and the voice each one speaks with.

A script line that starts with a cast member's name and a colon (``ALICE: Hello.``) is voiced by
that member's voice up to the next speaker line or blank line. Names match ignoring case; the
cast keeps the spelling it was given. A member whose voice is missing or unknown is kept
(nothing is lost), and a scene that uses it fails with a clear error instead of being read in
another voice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from studio.errors import ErrorCode, StudioError
from studio.speech.voices import parse_voice

MAX_NAME_CHARS = 40


def check_name(name: object) -> str:
    """A valid speaker name, trimmed, or TTS_INVALID_INPUT saying why not."""
    if not isinstance(name, str) or not name.strip():
        raise StudioError(ErrorCode.INVALID_INPUT, "A cast member needs a name.")
    clean = " ".join(name.split())
    if len(clean) > MAX_NAME_CHARS or any(c in clean for c in ":[]\\"):
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"'{clean[:60]}' cannot be a speaker name.",
            f"Use at most {MAX_NAME_CHARS} characters, without colons, brackets or backslashes.",
        )
    return clean


def check_voice(name: str, voice: object) -> str:
    """The member's voice as given, or an error that names the member."""
    if not isinstance(voice, str) or not voice.strip():
        raise StudioError(
            ErrorCode.INVALID_VOICE,
            f"Cast member '{name}' has no voice.",
            f"Give one, e.g.: narration-studio cast set PROJECT '{name}' af_bella",
        )
    try:
        parse_voice(voice.strip())
    except StudioError as exc:
        raise StudioError(exc.code, f"Cast member '{name}': {exc.message}", exc.hint) from exc
    return voice.strip()


@dataclass
class Cast:
    """Speaker name → voice spec, in the order members were added."""

    members: dict[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[str]:
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def names(self) -> tuple[str, ...]:
        return tuple(self.members)

    def name_of(self, name: str) -> str | None:
        """The cast's spelling of ``name`` (matched ignoring case), or None."""
        wanted = " ".join(name.split()).casefold()
        return next((n for n in self.members if n.casefold() == wanted), None)

    def set(self, name: str, voice: str) -> None:
        """Add a member or change its voice; the voice is checked first, so a refusal changes
        nothing."""
        clean = check_name(name)
        checked = check_voice(clean, voice)
        existing = self.name_of(clean)
        if existing is not None and existing != clean:
            self.members = {(clean if n == existing else n): v for n, v in self.members.items()}
        self.members[clean] = checked

    def remove(self, name: str) -> bool:
        existing = self.name_of(name)
        if existing is None:
            return False
        del self.members[existing]
        return True

    def voice_of(self, name: str) -> str:
        """The member's voice, or an error if the member has none that works."""
        existing = self.name_of(name)
        if existing is None:
            raise StudioError(ErrorCode.INVALID_INPUT, f"'{name}' is not in the cast.")
        return check_voice(existing, self.members[existing])

    def to_json(self) -> list[dict[str, Any]]:
        return [{"name": name, "voice": voice} for name, voice in self.members.items()]

    @classmethod
    def from_json(cls, raw: object) -> Cast:
        """Read a project's cast; a member without a usable voice is kept as it is."""
        if not isinstance(raw, list):
            raise ValueError("'cast' must be a list")
        cast = cls()
        for item in raw:
            if not isinstance(item, dict):
                raise ValueError("a cast member must be an object")
            name = check_name(item.get("name"))
            voice = item.get("voice")
            if voice is not None and not isinstance(voice, str):
                raise ValueError(f"cast member '{name}': 'voice' must be text")
            if cast.name_of(name) is not None:
                raise ValueError(f"cast member '{name}' appears twice")
            cast.members[name] = voice or ""
        return cast
