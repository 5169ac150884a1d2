"""A scene longer than a server takes in one request, sent in request-sized pieces, seamlessly.

The seed's 5,000-character limit belongs to a service request. The local engine reads text of
any length; a studio or render speaking through a server (``RemoteEngine``) sends a long scene
in pieces, cut only where the engine would start a new chunk anyway (between sentences, or at a
long sentence's most natural break). The chunks of all pieces come out as one stream: indexes,
times and source spans count from the start of the scene as written. Direction carries across
the cuts: a piece that starts inside a speaker's lines is given that speaker's name again, so
dialogue keeps its voices, and a read that starts at a sentence (``start_at``) skips the pieces
before it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from studio.direction.grammar import parse, quoted_spans, speaker_at
from studio.direction.plan import Direction
from studio.engine.chunks import AudioChunk, WordTiming
from studio.engine.request import SpeechRequest
from studio.speech.text import MAX_TEXT_CHARS, split_in_two, split_sentences, validate_text
from studio.speech.voices import parse_voice

#: Voices one request that fits the limit (a server's stream).
Send = Callable[[SpeechRequest], Iterator[AudioChunk]]


@dataclass(frozen=True)
class Piece:
    """One request of a long scene: ``text[start:end]`` of the scene, after ``prefix`` (the
    speaker line it continues, as ``NAME: ``, or nothing)."""

    start: int
    end: int
    prefix: str = ""


def request_pieces(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """``text`` cut between sentences into pieces of at most ``limit`` characters, in order.

    Every character but the whitespace between sentences is kept; a single sentence over the
    limit is cut at its most natural breaks (see studio.speech.text.split_in_two).
    """
    return [text[start:end] for start, end in _piece_spans(text, limit)]


def _piece_spans(text: str, limit: int) -> list[tuple[int, int]]:
    validate_text(text)
    spans: list[tuple[int, int]] = []
    for start, end in _sentences_within(_sentence_spans(text), text, limit):
        if spans and end - spans[-1][0] <= limit:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where each sentence of ``split_sentences`` lies in ``text`` (it keeps every character)."""
    spans, position = [], 0
    for sentence in split_sentences(text):
        start = text.index(sentence, position)
        position = start + len(sentence)
        spans.append((start, position))
    return spans


def _sentences_within(
    spans: list[tuple[int, int]], text: str, limit: int
) -> Iterator[tuple[int, int]]:
    for start, end in spans:
        if end - start <= limit:
            yield start, end
            continue
        first, second = split_in_two(text[start:end])
        first_start = text.index(first, start)
        second_start = text.index(second, first_start + len(first))
        yield from _sentences_within(
            [(first_start, first_start + len(first)), (second_start, second_start + len(second))],
            text,
            limit,
        )


def synthesize_in_pieces(
    send: Send, request: SpeechRequest, limit: int = MAX_TEXT_CHARS
) -> Iterator[AudioChunk]:
    """Chunks for a scene of any length, indexed, timed and located from the start of the scene.

    A scene within one request is sent as it is (the receiver checks it). A longer one has its
    text, voice and tags checked before anything is sent (errors name the line and column in the
    scene); then each piece is a request of its own.
    """
    if len(request.text) <= limit:
        return send(request)
    pieces = _pieces(request.text, request.voice, request.direction, limit)
    return _chain(send, request, pieces)


def _pieces(text: str, voice: str, direction: Direction | None, limit: int) -> list[Piece]:
    """A long scene's pieces, its voice and tags checked first (errors located in the scene)."""
    parse_voice(voice)
    direction = direction or Direction()
    names = direction.cast_object().names()
    parse(text, names)  # a malformed tag fails now, located in the scene rather than a piece
    longest_prefix = max((len(name) + 2 for name in names), default=1)
    quotes = quoted_spans(text) if direction.dialogue_voice else []
    return [
        Piece(start, end, _speaker_prefix(text, start, names) or _quote_prefix(quotes, text, start))
        for start, end in _piece_spans(text, limit - longest_prefix)
    ]


def _quote_prefix(quotes: list[tuple[int, int]], text: str, start: int) -> str:
    """The opening mark of the quote ``start`` lies inside, so that the piece reads on in the
    dialogue voice."""
    return next((text[a] for a, b in quotes if a < start < b), "")


def _speaker_prefix(text: str, start: int, names: tuple[str, ...]) -> str:
    """``NAME: `` when ``start`` lies inside a speaker's lines but not at the line naming them
    (a blank line ends a speaker's turn)."""
    if not names:
        return ""
    line_start = text.rfind("\n", 0, start) + 1
    while True:
        line_end = text.find("\n", line_start)
        line = text[line_start : len(text) if line_end < 0 else line_end + 1]
        if not line.strip():
            return ""
        found = speaker_at(line, names)
        if found:
            return "" if line_start + found[1] > start else f"{found[0]}: "
        if line_start == 0:
            return ""
        line_start = text.rfind("\n", 0, line_start - 1) + 1


def _chain(send: Send, request: SpeechRequest, pieces: list[Piece]) -> Iterator[AudioChunk]:
    index = 0
    offset = 0.0
    left = request.sentences
    start_at = request.start_at
    for piece in pieces:
        if piece.end <= start_at:
            continue
        if left is not None and left <= 0:
            return
        local_start = len(piece.prefix) + start_at - piece.start if start_at > piece.start else 0
        text = piece.prefix + request.text[piece.start : piece.end]
        part = dataclasses.replace(request, text=text, start_at=local_start, sentences=left)
        piece_end = 0.0
        for chunk in send(part):
            yield _moved(chunk, index, offset, piece.start - len(piece.prefix))
            index += 1
            piece_end = max(piece_end, chunk.start + chunk.duration)
            if left is not None and not chunk.pause:
                left -= 1
        offset += piece_end


def _moved(chunk: AudioChunk, index: int, offset: float, shift: int) -> AudioChunk:
    """The chunk placed in the scene: ``offset`` seconds later, its sources ``shift`` further."""
    if offset == 0.0 and index == chunk.index and shift == 0:
        return chunk
    words = tuple(
        WordTiming(
            w.word, round(w.start + offset, 3), round(w.end + offset, 3), _shifted(w.source, shift)
        )
        for w in chunk.words
    )
    return dataclasses.replace(
        chunk,
        index=index,
        start=chunk.start + offset,
        words=words,
        source=_shifted(chunk.source, shift),
    )


def _shifted(span: tuple[int, int] | None, shift: int) -> tuple[int, int] | None:
    if span is None:
        return None
    return max(0, span[0] + shift), max(0, span[1] + shift)
