"""The answers and events of the TTS service's contract, as JSON-ready dicts and lines."""

from __future__ import annotations

import json
import math
from typing import Any

from studio.errors import ErrorCode, StudioError
from studio.protocol.requests import MODEL_NAME, WIRE_CODES, RequestId


def _with_id(request_id: RequestId, fields: dict[str, Any]) -> dict[str, Any]:
    return fields if request_id is None else {"id": request_id, **fields}


def success(request_id: RequestId, **fields: Any) -> dict[str, Any]:
    """A successful answer: ``{"success": true, ...}`` with the request's id, if it had one."""
    return _with_id(request_id, {"success": True, **fields})


def failure(error: StudioError, request_id: RequestId = None) -> dict[str, Any]:
    """The seed's error answer: ``{"success": false, "error": {"code", "message"}}``."""
    return _with_id(request_id, {"success": False, "error": wire_error(error)})


def wire_error(error: StudioError) -> dict[str, str]:
    """The error object on the wire; codes outside the seed's TTS_* set travel as TTS_SERVICE_ERROR."""
    body = error.to_dict()
    if error.code not in WIRE_CODES:
        body["code"] = ErrorCode.SERVICE_ERROR.value
    return body


def ping_answer(
    request_id: RequestId, uptime: float, load_error: StudioError | None = None
) -> dict[str, Any]:
    """The seed's health answer; a service whose model failed to load says so, with the error."""
    if load_error is None:
        fields: dict[str, Any] = {"status": "healthy", "model": MODEL_NAME, "uptime": uptime}
    else:
        fields = {
            "status": "unavailable",
            "model": MODEL_NAME,
            "uptime": uptime,
            "error": wire_error(load_error),
        }
    return _with_id(request_id, fields)


def chunk_event(request_id: RequestId, index: int, start: float, duration: float) -> dict[str, Any]:
    """A streaming event: one sentence of a ``"stream": true`` synthesis is ready."""
    return {
        "id": request_id,
        "event": "chunk",
        "index": index,
        "start": start,
        "duration": duration,
    }


#: The sample format of ``audio`` in chunk events: little-endian float32, mono, base64.
AUDIO_ENCODING = "f32le"


def audio_chunk_event(
    request_id: RequestId, chunk: Any, sample_rate: int, with_audio: bool
) -> dict[str, Any]:
    """A chunk event for an engine AudioChunk; with ``with_audio`` (the ``"audio": true``
    extension) it also carries the sentence, its word timings and its samples."""
    event = chunk_event(request_id, chunk.index, finite(chunk.start), finite(chunk.duration))
    if with_audio:
        import base64

        import numpy as np

        samples = np.ascontiguousarray(chunk.audio, dtype="<f4")
        event.update(
            text=chunk.text,
            phonemes=chunk.phonemes,
            words=[[w.word, finite(w.start), finite(w.end), w.source] for w in chunk.words],
            source=chunk.source,
            pause=chunk.pause,
            voice=chunk.voice,
            speaker=chunk.speaker,
            sampleRate=sample_rate,
            encoding=AUDIO_ENCODING,
            audio=base64.b64encode(samples.tobytes()).decode("ascii"),
        )
    return event


def encode(message: dict[str, Any]) -> bytes:
    """One protocol line: compact-enough JSON, ASCII only (non-ASCII escaped), and a newline."""
    return json.dumps(message, ensure_ascii=True, allow_nan=False).encode("ascii") + b"\n"


def finite(value: float, digits: int = 3) -> float:
    """A rounded number that JSON can carry."""
    return round(value, digits) if math.isfinite(value) else 0.0
