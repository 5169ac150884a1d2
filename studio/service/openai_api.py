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
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
from anyio.to_thread import run_sync
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from studio.audio.streaming import MEDIA_TYPES, StreamEncoder, encode_audio
from studio.client.client import TTSClient
from studio.service.dispatch import (
    Dispatcher,
    deadline_for,
    decode_json_object,
    first_and_rest,
)
from studio.service.openai_body import OpenAISpeech

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
