"""Scenes longer than one request: a book chapter is voiced in request-sized pieces, seamlessly.

The 5000-character limit belongs to a service request, not to a scene. A long scene is cut only
where the engine would start a new chunk anyway (between sentences), the pieces are joined with
line breaks so each is split into exactly the sentences it had in the scene, and the chunks of all
pieces come out as one stream with indexes and times counted from the start of the scene. So the
audio is the same as if the engine had taken the whole text at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Protocol

from studio.engine.core import AudioChunk, WordTiming
from studio.errors import ErrorCode, StudioError
from studio.text import MAX_TEXT_CHARS, split_in_two, split_sentences
from studio.voices import parse_voice


class Synthesizer(Protocol):
    """What a long scene needs of the engine (studio.engine.Engine has it)."""

    def synthesize(self, text: str, voice: str, speed: float) -> Iterator[AudioChunk]: ...


def validate_scene_text(text: object) -> str:
    """The scene's text, stripped; TTS_INVALID_INPUT when empty. There is no upper limit."""
    if not isinstance(text, str) or not text.strip():
        raise StudioError(ErrorCode.INVALID_INPUT, "Text is empty.", "Type something to narrate.")
    return text.strip()


def request_pieces(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """``text`` cut between sentences into pieces of at most ``limit`` characters, in order.

    Every character but the whitespace between sentences is kept; a single sentence over the
    limit is cut at its most natural breaks (see studio.text.split_in_two).
    """
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in _sentences_within(split_sentences(validate_scene_text(text)), limit):
        added = len(sentence) + (1 if current else 0)
        if current and size + added > limit:
            pieces.append("\n".join(current))
            current, size = [], 0
            added = len(sentence)
        current.append(sentence)
        size += added
    if current:
        pieces.append("\n".join(current))
    return pieces


def _sentences_within(sentences: list[str], limit: int) -> Iterator[str]:
    for sentence in sentences:
        if len(sentence) <= limit:
            yield sentence
        else:
            first, second = split_in_two(sentence)
            yield from _sentences_within([first, second], limit)


def synthesize_scene(
    engine: Synthesizer, text: str, voice: str, speed: float, limit: int = MAX_TEXT_CHARS
) -> Iterator[AudioChunk]:
    """Chunks for a scene of any length, indexed and timed from the start of the scene.

    The text and voice are checked before any audio is made; each piece is a request of its own.
    """
    pieces = request_pieces(text, limit)
    parse_voice(voice)
    return _chain(engine, pieces, voice, speed)


def _chain(
    engine: Synthesizer, pieces: list[str], voice: str, speed: float
) -> Iterator[AudioChunk]:
    index = 0
    offset = 0.0
    for piece in pieces:
        piece_end = 0.0
        for chunk in engine.synthesize(piece, voice, speed):
            yield _moved(chunk, index, offset)
            index += 1
            piece_end = max(piece_end, chunk.start + chunk.duration)
        offset += piece_end


def _moved(chunk: AudioChunk, index: int, offset: float) -> AudioChunk:
    if offset == 0.0 and index == chunk.index:
        return chunk
    words = tuple(
        WordTiming(w.word, round(w.start + offset, 3), round(w.end + offset, 3))
        for w in chunk.words
    )
    return dataclasses.replace(chunk, index=index, start=chunk.start + offset, words=words)
