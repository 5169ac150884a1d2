"""A scene longer than one service request, as ``RemoteEngine`` sends it: cut into
request-sized pieces between sentences, heard as one stream.

Each piece goes to the real engine here (``send``), as it would to a server's stream.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.client.pieces import request_pieces, synthesize_in_pieces
from studio.engine.chunks import AudioChunk
from studio.engine.request import SpeechRequest
from studio.errors import ErrorCode, StudioError
from studio.speech.text import has_words, split_sentences


def _chars(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pieces_are_whole_sentences_within_the_limit() -> None:
    sentences = [f"Sentence number {n} is here, and it is short." for n in range(400)]
    text = " ".join(sentences[:200]) + "\n\n" + " ".join(sentences[200:])
    pieces = request_pieces(text)
    assert len(pieces) == 4 and all(len(p) <= 5000 for p in pieces)
    assert [s for p in pieces for s in split_sentences(p)] == sentences  # the engine's own cut


def test_a_sentence_longer_than_a_request_is_cut_at_its_breaks() -> None:
    clause = "and the wind kept rising over the grey water"
    sentence = ", ".join([clause] * 150) + "."
    pieces = request_pieces("Before. " + sentence + " After.", limit=1000)
    assert all(len(p) <= 1000 for p in pieces) and len(pieces) >= 7
    assert _chars("".join(pieces)) == _chars("Before. " + sentence + " After.")


@given(st.text(alphabet=st.sampled_from("ab .,!?\n"), min_size=1, max_size=400))
def test_no_character_is_lost(text: str) -> None:
    if not has_words(text):  # nothing to voice: refused, as test_an_empty_scene_is_refused shows
        return
    pieces = request_pieces(text, limit=37)
    assert all(0 < len(p) <= 37 for p in pieces)
    assert _chars("".join(pieces)) == _chars(text)


def test_an_empty_scene_is_refused() -> None:
    with pytest.raises(StudioError) as caught:
        request_pieces("  \n ")
    assert caught.value.code is ErrorCode.INVALID_INPUT


class Recording:
    """The real engine, remembering the text of each request it was sent."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.requests = engine, []

    def send(self, request: SpeechRequest) -> Iterator[AudioChunk]:
        self.requests.append(request.text)
        return self.engine.synthesize(request)


@pytest.mark.model
def test_pieces_are_voiced_as_one_stream_timed_from_the_scene_start(engine: Any) -> None:
    text = "The boats came home. The gulls were loud. Night fell."
    spy = Recording(engine)
    chunks = list(synthesize_in_pieces(spy.send, SpeechRequest(text, "af_heart"), limit=25))
    assert spy.requests == ["The boats came home.", "The gulls were loud.", "Night fell."]
    assert [c.index for c in chunks] == [0, 1, 2]
    position = 0.0
    for chunk in chunks:
        assert chunk.start == pytest.approx(position)
        assert all(position <= w.start <= w.end <= position + chunk.duration for w in chunk.words)
        position += chunk.duration
    assert [w.word for c in chunks for w in c.words] == re.findall(r"\w+", text)


@pytest.mark.model
def test_dialogue_keeps_its_voices_across_pieces(engine: Any) -> None:
    from studio.direction.cast import Cast
    from studio.direction.plan import Direction

    text = "Ann: The tide is in. The boats are late.\nBob: Then we wait. We always wait."
    direction = Direction.of(cast=Cast({"Ann": "af_bella", "Bob": "am_adam"}))
    spy = Recording(engine)
    chunks = list(
        synthesize_in_pieces(spy.send, SpeechRequest(text, "af_heart", 1.0, direction), limit=30)
    )

    assert len(spy.requests) >= 3 and all(len(r) <= 30 for r in spy.requests)
    assert [(c.text, c.voice, c.speaker) for c in chunks] == [
        ("The tide is in.", "af_bella", "Ann"),
        ("The boats are late.", "af_bella", "Ann"),
        ("Then we wait.", "am_adam", "Bob"),
        ("We always wait.", "am_adam", "Bob"),
    ]
    for chunk in chunks:  # sources point into the scene as written, not into a piece
        assert chunk.source is not None and text[slice(*chunk.source)] == chunk.text
        assert all(w.source and text[slice(*w.source)] == w.word for w in chunk.words)


@pytest.mark.model
def test_a_long_scene_can_be_heard_from_any_sentence(engine: Any) -> None:
    text = "The boats came home. The gulls were loud. Night fell. Stars came out."
    spy = Recording(engine)
    start = text.index("Night")
    chunks = list(
        synthesize_in_pieces(
            spy.send, SpeechRequest(text, "af_heart", 1.0, None, start, 1), limit=25
        )
    )
    assert [c.text for c in chunks] == ["Night fell."]
    assert chunks[0].source == (start, start + len("Night fell."))
