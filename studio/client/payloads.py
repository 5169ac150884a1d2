"""What the client sends to synthesize and what it gets back, as the protocol words them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.direction.grammar import quoted_spans, unknown_labels

if TYPE_CHECKING:
    from studio.engine.request import SpeechRequest


@dataclass(frozen=True)
class ChunkEvent:
    """One sentence of a streamed synthesis is ready: its index, start and length in seconds."""

    index: int
    start: float
    duration: float


@dataclass(frozen=True)
class SynthesisResult:
    """The seed's AudioResult: the MP3's length, its path as requested, its size in bytes."""

    duration: float
    file_path: str
    file_size: int
    chunks: tuple[ChunkEvent, ...] = ()


def file_payload(
    text: str,
    voice_id: str,
    output_path: str | os.PathLike[str],
    speed: float | None,
    stream: bool,
) -> dict[str, Any]:
    """The seed's synthesize request: ``text`` into the MP3 at ``output_path``."""
    payload: dict[str, Any] = {
        "action": "synthesize",
        "text": text,
        "voiceId": voice_id,
        "outputPath": os.fspath(output_path),
    }
    if speed is not None:
        payload["speed"] = speed
    if stream:
        payload["stream"] = True
    return payload


def speech_payload(request: SpeechRequest) -> dict[str, Any]:
    """A synthesize request whose audio comes back in the events, directed as ``request`` is.

    The extensions go only where they change the read, so a server of an earlier version still
    takes the rest."""
    text, direction = request.text, request.direction
    payload: dict[str, Any] = {
        "action": "synthesize",
        "text": text,
        "voiceId": request.voice,
        "audio": True,
        "speed": request.speed,
    }
    if direction is not None:
        if direction.lexicon:
            payload["lexicon"] = [entry.to_json(camel=True) for entry in direction.lexicon]
        if direction.cast:
            payload["cast"] = dict(direction.cast)
        names = [name for name, _voice in direction.cast]
        if direction.silent_labels and unknown_labels(text, names):
            payload["silentLabels"] = True
        if direction.dialogue_voice and quoted_spans(text):
            payload["dialogueVoice"] = direction.dialogue_voice
    if request.start_at:
        payload["startAt"] = request.start_at
    if request.sentences is not None:
        payload["sentences"] = request.sentences
    return payload
