"""Long scenes: cut into request-sized pieces between sentences, voiced as one stream."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.engine.core import AudioChunk
from studio.errors import ErrorCode, StudioError
from studio.longform import request_pieces, synthesize_scene
from studio.text import split_sentences


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
    if not text.strip():
        return
    pieces = request_pieces(text, limit=37)
    assert all(0 < len(p) <= 37 for p in pieces)
    assert _chars("".join(pieces)) == _chars(text)


def test_an_empty_scene_is_refused() -> None:
    with pytest.raises(StudioError) as caught:
        request_pieces("  \n ")
    assert caught.value.code is ErrorCode.INVALID_INPUT


class Recording:
    """The real engine, remembering each request it was given."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.requests = engine, []

    def synthesize(self, text: str, voice: str, speed: float) -> Iterator[AudioChunk]:
        self.requests.append(text)
        return self.engine.synthesize(text, voice, speed)


@pytest.mark.model
def test_pieces_are_voiced_as_one_stream_timed_from_the_scene_start(engine: Any) -> None:
    text = "The boats came home. The gulls were loud. Night fell."
    spy = Recording(engine)
    chunks = list(synthesize_scene(spy, text, "af_heart", 1.0, limit=25))
    assert spy.requests == ["The boats came home.", "The gulls were loud.", "Night fell."]
    assert [c.index for c in chunks] == [0, 1, 2]
    position = 0.0
    for chunk in chunks:
        assert chunk.start == pytest.approx(position)
        assert all(position <= w.start <= w.end <= position + chunk.duration for w in chunk.words)
        position += chunk.duration
    assert [w.word for c in chunks for w in c.words] == re.findall(r"\w+", text)
