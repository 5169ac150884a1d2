"""Chunk events of the protocol's ``"audio": true`` extension turned back into the engine's
AudioChunk, so a remote engine yields what a local one does. numpy is imported on first use: the
client stays light for callers that only want files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from studio.protocol import ServiceError

if TYPE_CHECKING:
    from studio.engine.chunks import AudioChunk


def audio_chunk_from_event(event: dict[str, Any]) -> AudioChunk:
    """An engine AudioChunk from a chunk event of the ``"audio": true`` extension."""
    import base64

    import numpy as np

    from studio.engine.chunks import AudioChunk, WordTiming

    if event.get("encoding", "f32le") != "f32le" or "audio" not in event:
        raise ServiceError("The TTS service sent a chunk without audio in a known encoding.")
    samples = np.frombuffer(base64.b64decode(event["audio"]), dtype="<f4").astype(np.float32)
    words = tuple(
        WordTiming(str(w[0]), float(w[1]), float(w[2]), _span(w[3] if len(w) > 3 else None))
        for w in event.get("words", ())
    )
    return AudioChunk(
        int(event["index"]),
        str(event.get("text", "")),
        str(event.get("phonemes", "")),
        samples,
        float(event["start"]),
        words,
        _span(event.get("source")),
        bool(event.get("pause", False)),
        str(event.get("voice") or ""),
        event.get("speaker") if isinstance(event.get("speaker"), str) else None,
    )


def _span(raw: object) -> tuple[int, int] | None:
    """A (start, end) span of the text as written, from its JSON pair."""
    if isinstance(raw, list) and len(raw) == 2 and all(isinstance(i, int) for i in raw):
        return raw[0], raw[1]
    return None
