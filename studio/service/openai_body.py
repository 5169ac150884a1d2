"""The body of OpenAI's ``POST /v1/audio/speech``, as a pydantic model, checked into an
``OpenAISpeech``: everything wrong is a 400 before any synthesis, in the seed's error object.

The model checks the body's shape (its JSON Schema is in the docs); the checks after it say
what a type cannot: a known model, text within a request's limit, a voice we have, a format we
encode, a speed in the model's range (OpenAI allows more, which is refused rather than clamped).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.audio.streaming import FORMATS
from studio.errors import ErrorCode, StudioError, did_you_mean
from studio.service.dispatch import HttpError
from studio.speech.text import MAX_TEXT_CHARS, validate_text
from studio.speech.voices import CATALOG, parse_voice

MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "kokoro", "kokoro-82m")
#: OpenAI's voice names that Kokoro v1.0 has a voice of the same name for.
OPENAI_VOICES: dict[str, str] = {
    name: voice_id
    for name in ("alloy", "echo", "fable", "nova", "onyx")
    for voice_id in CATALOG
    if voice_id[3:] == name
}


class OpenAISpeechBody(BaseModel):
    """OpenAI's speech request body, with Kokoro-FastAPI's ``stream``."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    model: str = Field(description=f"One of {', '.join(MODELS)}: all are Kokoro-82M.")
    input: str = Field(description="The text: 1–5000 characters.")
    voice: str = Field(
        description="Our voice ids, profiles and blends, or OpenAI's alloy, echo, fable, nova, onyx."
    )
    response_format: str | None = Field(None, description=f"One of {', '.join(FORMATS)}; mp3.")
    speed: float | None = Field(None, description="0.5–2.0; 1.0 when left out.")
    stream: bool | None = Field(None, description="Send audio as each sentence is ready; true.")
    instructions: str | None = Field(None, description="Accepted and ignored.")
    stream_format: str | None = Field(None, description='Only "audio".')


_FIELDS = tuple(OpenAISpeechBody.model_fields)
_REQUIRED = tuple(
    name for name, field in OpenAISpeechBody.model_fields.items() if field.is_required()
)
_KINDS = {"speed": "a number", "stream": "true or false"}


@dataclass(frozen=True)
class OpenAISpeech:
    """A checked speech request, in our terms: the text, our voice spec, the format."""

    text: str
    voice: str
    format: str
    speed: float
    stream: bool

    @classmethod
    def parse(cls, obj: dict[str, Any]) -> OpenAISpeech:
        body = _validated(obj)
        if body.model not in MODELS:
            raise _invalid(
                f"Unknown model '{body.model[:100]}'.{did_you_mean(body.model, MODELS)}",
                f"Use one of: {', '.join(MODELS)} (all are Kokoro-82M).",
            )
        try:
            validate_text(body.input, limit=MAX_TEXT_CHARS)
        except StudioError as exc:
            raise HttpError(exc) from None
        voice = _voice(body.voice)
        fmt = body.response_format or "mp3"
        if fmt not in FORMATS:
            raise _invalid(
                f"Response format '{fmt[:50]}' is not supported.{did_you_mean(fmt, FORMATS)}",
                f"Use one of: {', '.join(FORMATS)}.",
            )
        speed = 1.0 if body.speed is None else float(body.speed)
        if not (math.isfinite(speed) and 0.5 <= speed <= 2.0):
            raise _invalid(
                f"Speed {speed:g} is out of range.", "Use a speed from 0.5 to 2.0 (1.0 is normal)."
            )
        if body.stream_format not in (None, "audio"):
            raise _invalid(
                f"Stream format '{body.stream_format[:50]}' is not supported.",
                'Leave it out or use "audio": the audio itself is streamed.',
            )
        return cls(body.input, voice, fmt, speed, True if body.stream is None else body.stream)


def _validated(obj: dict[str, Any]) -> OpenAISpeechBody:
    """The body checked by its model; its first problem (unknown fields first, then in the
    order of the fields) in the words OpenAI's clients show."""
    for key in obj:
        if key not in _FIELDS:
            raise _invalid(
                f"Unknown field '{str(key)[:100]}'.{did_you_mean(str(key), _FIELDS)}",
                f"The fields are: {', '.join(_FIELDS)}.",
            )
    for key in _REQUIRED:  # null counts as missing, as OpenAI's API has it
        if obj.get(key) is None:
            raise _invalid(f"Field '{key}' is missing.", "Send model, input and voice.")
    try:
        return OpenAISpeechBody.model_validate(obj)
    except ValidationError as exc:
        key = min((str(e["loc"][0]) for e in exc.errors()), key=_FIELDS.index)
        raise _invalid(f"Field '{key}' must be {_KINDS.get(key, 'a string')}.") from None


def _voice(name: str) -> str:
    """Our voice spec for an OpenAI voice value: OpenAI's shared names, else ours (checked)."""
    spec = OPENAI_VOICES.get(name.strip().lower(), name)
    try:
        parse_voice(spec)
    except StudioError as exc:
        hint = "OpenAI's names alloy, echo, fable, nova and onyx work too."
        raise HttpError(StudioError(exc.code, exc.message, f"{exc.hint} {hint}".strip())) from None
    return spec


def _invalid(message: str, hint: str = "") -> HttpError:
    return HttpError(StudioError(ErrorCode.INVALID_INPUT, message, hint))
