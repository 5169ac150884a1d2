"""What synthesis yields: audio chunks with their word timings, and how a passage's chunks are
placed on the request's timeline (start times, trimmed edges, words found in the text as written).

Light on purpose (numpy only): the client, captions and the render import these types without
loading the engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from studio.direction.grammar import Speech
from studio.engine.g2p import PhonemeChunk, word_timings

SAMPLE_RATE = 24_000  # Kokoro's output rate


@dataclass(frozen=True)
class WordTiming:
    """A word and when it is spoken, in seconds from the start of the request.

    ``source`` is the word's (start, end) in the request's text as written, when known.
    """

    word: str
    start: float
    end: float
    source: tuple[int, int] | None = None


@dataclass(frozen=True)
class AudioChunk:
    """One synthesized piece: float32 mono audio at 24 kHz, its text, and where it starts.

    ``start`` and word timings count from the start of the request's audio, pauses included.
    A ``[pause]`` tag is a chunk of its own, in order: ``pause`` True, ``audio`` that many
    seconds of zeros, no text, phonemes or words. ``source`` is the (start, end) of the text as
    written that the chunk voices (for a pause, the tag); ``voice`` is the voice that spoke it
    (a cast member's in dialogue) and ``speaker`` that member's name.
    """

    index: int
    text: str
    phonemes: str
    audio: np.ndarray
    start: float
    words: tuple[WordTiming, ...] = ()
    source: tuple[int, int] | None = None
    pause: bool = False
    voice: str = ""
    speaker: str | None = None

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


#: Speech's own silence kept next to a pause tag (the tail of a breath, so no sound is cut).
_EDGE_SECONDS = 0.02
#: Kokoro's output below this amplitude is silence.
_SILENT = 0.002


def with_last(chunks: Iterator[AudioChunk]) -> Iterator[tuple[AudioChunk, bool]]:
    """Each chunk with whether it is the last: one chunk of look-ahead."""
    pending: AudioChunk | None = None
    for chunk in chunks:
        if pending is not None:
            yield pending, False
        pending = chunk
    if pending is not None:
        yield pending, True


def placed_at(
    chunk: AudioChunk, index: int, offset: float, trim_start: bool, trim_end: bool
) -> AudioChunk:
    """The chunk placed at ``offset``; its leading or trailing silence trimmed when asked."""
    audio = chunk.audio
    cut = 0
    if trim_start or trim_end:
        loud = np.flatnonzero(np.abs(audio) > _SILENT)
        if len(loud):
            edge = int(_EDGE_SECONDS * SAMPLE_RATE)
            first = max(0, int(loud[0]) - edge) if trim_start else 0
            last = min(len(audio), int(loud[-1]) + 1 + edge) if trim_end else len(audio)
            audio, cut = audio[first:last], first
    shift = offset - cut / SAMPLE_RATE
    words = tuple(
        replace(w, start=round(max(offset, w.start + shift), 3), end=round(w.end + shift, 3))
        for w in chunk.words
    )
    return replace(chunk, index=index, start=offset, audio=audio, words=words)


class Locator:
    """Finds pieces and words of a passage, in order, in the text as written."""

    def __init__(self, speech: Speech, cursor: int) -> None:
        self.speech = speech
        self.cursor = cursor

    def find(self, fragment: str) -> tuple[int, int] | None:
        """Where ``fragment`` is next in the passage's plain text; moves past it."""
        at = self.speech.text.find(fragment, self.cursor) if fragment else -1
        if at < 0:
            return None
        self.cursor = at + len(fragment)
        return at, self.cursor

    def span(self, fragment: str) -> tuple[int, int] | None:
        """Where ``fragment`` is next, in the text as written."""
        found = self.find(fragment)
        return self.speech.source_span(*found) if found else None


def chunk_word_timings(
    piece: PhonemeChunk,
    durations: np.ndarray | None,
    offset: float,
    locate: Locator | None = None,
) -> tuple[WordTiming, ...]:
    """Word start and end times from the model's per-phoneme durations (English only)."""
    if durations is None or not piece.tokens:
        return ()
    words = []
    for word, start, end in word_timings(piece.tokens, durations):
        if any(c.isalnum() for c in word):
            source = locate.span(word) if locate is not None else None
            words.append(WordTiming(word, round(offset + start, 3), round(offset + end, 3), source))
    return tuple(words)
