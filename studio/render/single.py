"""One text into one MP3, no project: ``say``, ``--self-test`` and the service's ``synthesize``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from studio.audio.encode import join_audio, write_mp3
from studio.direction.plan import Direction
from studio.engine.chunks import SAMPLE_RATE, AudioChunk
from studio.engine.speaker import SpeechEngine


def render_text_to_mp3(
    engine: SpeechEngine,
    text: str,
    voice: str,
    speed: float,
    output: Path,
    on_chunk: Callable[[AudioChunk], None] | None = None,
    direction: Direction | None = None,
) -> tuple[float, int]:
    """Synthesize ``text`` into one MP3 at ``output``; returns (duration seconds, size bytes)."""
    pieces = []
    for chunk in engine.synthesize(text, voice, speed, direction):
        pieces.append(chunk.audio)
        if on_chunk:
            on_chunk(chunk)
    encoded = write_mp3(output, join_audio(pieces), SAMPLE_RATE)
    return encoded.duration, encoded.size
