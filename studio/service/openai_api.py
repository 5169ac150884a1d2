"""``POST /v1/audio/speech``: OpenAI's speech endpoint, so apps written for it can use the studio's
voices (the ``openai`` package with ``base_url="http://127.0.0.1:11435/v1"``).

The body is OpenAI's: ``model`` (tts-1, tts-1-hd, gpt-4o-mini-tts, kokoro), ``input`` (the text),
``voice`` (our ids, profiles and blends, and OpenAI's names that Kokoro has a voice of:
alloy, echo, fable, nova, onyx), ``response_format`` (mp3, opus, flac, wav, pcm), ``speed``
(0.5–2.0, the model's range; OpenAI allows more, which is refused rather than clamped) and
``stream`` (Kokoro-FastAPI's extension, default true: audio is sent as each sentence is ready).
``instructions`` is accepted and ignored (Kokoro takes no direction of that kind). The audio is
the response body; errors are the seed's error object, whose ``error.message`` OpenAI's clients
show. A failure after the first bytes were sent ends the response early (an incomplete chunked
body), which clients report as an error: audio is never cut short silently.
"""

from __future__ import annotations

import base64
import math
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from anyio.to_thread import run_sync
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from studio.audio.streaming import FORMATS, MEDIA_TYPES, StreamEncoder, encode_audio
from studio.client.client import TTSClient
from studio.errors import ErrorCode, StudioError, did_you_mean
from studio.service.dispatch import (
    Dispatcher,
    HttpError,
    deadline_for,
    decode_json_object,
    first_and_rest,
)
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
_FIELDS = (
    "model",
    "input",
    "voice",
    "response_format",
    "speed",
    "stream",
    "instructions",
    "stream_format",
)
SAMPLE_RATE = 24_000


def speech_router(dispatcher: Dispatcher, client: TTSClient) -> Any:
    router = APIRouter()

    @router.post("/v1/audio/speech")
    async def speech(request: Request) -> Response:
        speech = OpenAISpeech.parse(decode_json_object(await request.body()))
        payload = {
            "action": "synthesize",
            "text": speech.text,
            "voiceId": speech.voice,
            "speed": speech.speed,
            "audio": True,
        }
        timeout = deadline_for(request, client, speech.text)
        messages = await dispatcher.synthesize(payload, timeout)
        headers = {"Content-Disposition": f'attachment; filename="speech.{speech.format}"'}
        media_type = MEDIA_TYPES[speech.format]
        if not speech.stream:
            pieces = [_samples(m) async for m in messages if "event" in m]
            body = await run_sync(encode_audio, np.concatenate(pieces), speech.format, SAMPLE_RATE)
            return Response(body, media_type=media_type, headers=headers)
        first, rest = await first_and_rest(messages)
        return StreamingResponse(
            _encoded(speech.format, first, rest), media_type=media_type, headers=headers
        )

    return router


class OpenAISpeech:
    """An OpenAI speech request, checked: everything wrong is a 400 before any synthesis."""

    def __init__(self, text: str, voice: str, fmt: str, speed: float, stream: bool) -> None:
        self.text, self.voice, self.format, self.speed, self.stream = (
            text,
            voice,
            fmt,
            speed,
            stream,
        )

    @classmethod
    def parse(cls, obj: dict[str, Any]) -> OpenAISpeech:
        for key in obj:
            if key not in _FIELDS:
                raise _invalid(
                    f"Unknown field '{str(key)[:100]}'.{did_you_mean(str(key), _FIELDS)}",
                    f"The fields are: {', '.join(_FIELDS)}.",
                )
        model = _field(obj, "model", str, "a string", required=True)
        if model not in MODELS:
            raise _invalid(
                f"Unknown model '{model[:100]}'.{did_you_mean(model, MODELS)}",
                f"Use one of: {', '.join(MODELS)} (all are Kokoro-82M).",
            )
        text = _field(obj, "input", str, "a string", required=True)
        try:
            validate_text(text, limit=MAX_TEXT_CHARS)
        except StudioError as exc:
            raise HttpError(exc) from None
        voice = _voice(_field(obj, "voice", str, "a string", required=True))
        fmt = _field(obj, "response_format", str, "a string") or "mp3"
        if fmt not in FORMATS:
            raise _invalid(
                f"Response format '{fmt[:50]}' is not supported.{did_you_mean(fmt, FORMATS)}",
                f"Use one of: {', '.join(FORMATS)}.",
            )
        speed = _field(obj, "speed", (int, float), "a number")
        speed = 1.0 if speed is None else float(speed)
        if not (math.isfinite(speed) and 0.5 <= speed <= 2.0):
            raise _invalid(
                f"Speed {speed:g} is out of range.", "Use a speed from 0.5 to 2.0 (1.0 is normal)."
            )
        stream = _field(obj, "stream", bool, "true or false")
        stream_format = _field(obj, "stream_format", str, "a string")
        if stream_format not in (None, "audio"):
            raise _invalid(
                f"Stream format '{stream_format[:50]}' is not supported.",
                'Leave it out or use "audio": the audio itself is streamed.',
            )
        _field(obj, "instructions", str, "a string")
        return cls(text, voice, fmt, speed, True if stream is None else stream)


def _voice(name: str) -> str:
    """Our voice spec for an OpenAI voice value: OpenAI's shared names, else ours (checked)."""
    spec = OPENAI_VOICES.get(name.strip().lower(), name)
    try:
        parse_voice(spec)
    except StudioError as exc:
        hint = "OpenAI's names alloy, echo, fable, nova and onyx work too."
        raise HttpError(StudioError(exc.code, exc.message, f"{exc.hint} {hint}".strip())) from None
    return spec


def _field(
    obj: dict[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    kind_name: str,
    *,
    required: bool = False,
) -> Any:
    value = obj.get(key)
    if value is None:
        if required:
            raise _invalid(f"Field '{key}' is missing.", "Send model, input and voice.")
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _invalid(f"Field '{key}' must be {kind_name}.")
    return value


def _invalid(message: str, hint: str = "") -> HttpError:
    return HttpError(StudioError(ErrorCode.INVALID_INPUT, message, hint))


def _samples(event: dict[str, Any]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(event["audio"]), dtype="<f4")


async def _encoded(
    fmt: str, first: dict[str, Any], rest: AsyncIterator[dict[str, Any]]
) -> AsyncIterator[bytes]:
    """Encoded bytes as each sentence comes; an error raised here aborts the response."""
    encoder = StreamEncoder(fmt, SAMPLE_RATE)
    if "event" in first:
        yield encoder.write(_samples(first))
    async for message in rest:
        if "event" in message:
            data = encoder.write(_samples(message))
            if data:
                yield data
    yield encoder.close()
