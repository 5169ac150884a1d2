"""Long scenes: cut into request-sized pieces between sentences, voiced as one stream."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.engine.chunks import AudioChunk
from studio.errors import ErrorCode, StudioError
from studio.render.longform import request_pieces, synthesize_scene
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
    """The real engine, remembering each request it was given."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.requests = engine, []

    def synthesize(
        self, text: str, voice: str, speed: float, *direction: Any
    ) -> Iterator[AudioChunk]:
        self.requests.append(text)
        return self.engine.synthesize(text, voice, speed, *direction)


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


@pytest.mark.model
def test_dialogue_keeps_its_voices_across_pieces(engine: Any) -> None:
    from studio.direction.cast import Cast
    from studio.direction.plan import Direction

    text = "Ann: The tide is in. The boats are late.\nBob: Then we wait. We always wait."
    direction = Direction.of(cast=Cast({"Ann": "af_bella", "Bob": "am_adam"}))
    spy = Recording(engine)
    chunks = list(synthesize_scene(spy, text, "af_heart", 1.0, direction, limit=30))

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
    chunks = list(synthesize_scene(spy, text, "af_heart", 1.0, None, start, 1, limit=25))
    assert [c.text for c in chunks] == ["Night fell."]
    assert chunks[0].source == (start, start + len("Night fell."))


PROBES = (
    "Please open the door and bring the books to the kitchen table.",
    "We will read them together after dinner.",
    "Please open the window and bring the letters to the kitchen.",
)


def chapter_text(min_chars: int = 50_000) -> str:
    """A chapter of distinct filler sentences, with the probes at its start, middle and end."""
    sentences = []
    number = 0
    while sum(len(s) + 1 for s in sentences) < min_chars:
        number += 1
        sentences.append(f"Filler sentence {number} keeps this long chapter going on.")
    sentences[0] = PROBES[0]
    sentences[len(sentences) // 2] = PROBES[1]
    sentences.append(PROBES[2])
    paragraphs = [" ".join(sentences[i : i + 12]) for i in range(0, len(sentences), 12)]
    return "\n\n".join(paragraphs)


class ProbeVoicing:
    """The real engine for the three probe sentences; a moment of silence for each filler one.

    Voicing 50,000 characters takes most of an hour of CPU, so the filler is not voiced: the
    test checks that the engine is asked for every sentence, in order, in request-sized pieces,
    and that the probes come out of the finished file where they belong (ASR).
    """

    def __init__(self, engine: Any) -> None:
        self.engine, self.requests = engine, []

    def identity(self, voice: str) -> str:
        return str(self.engine.identity(voice))

    def synthesize(
        self, text: str, voice: str, speed: float, *_direction: Any
    ) -> Iterator[AudioChunk]:
        self.requests.append(text)
        from studio.speech.text import validate_text

        validate_text(text)  # the engine's own limit holds for every piece
        return self._chunks(text, voice, speed)

    def _chunks(self, text: str, voice: str, speed: float) -> Iterator[AudioChunk]:
        import numpy as np

        position = 0.0
        for index, sentence in enumerate(split_sentences(text)):
            if sentence in PROBES:
                for chunk in self.engine.synthesize(sentence, voice, speed):
                    yield AudioChunk(index, chunk.text, "", chunk.audio, position, chunk.words)
                    position += chunk.duration
            else:
                silence = np.zeros(240, dtype=np.float32)  # 10 ms
                yield AudioChunk(index, sentence, "", silence, position)
                position += 0.01


@pytest.mark.model
def test_a_50000_character_chapter_renders_and_says_every_word(
    tmp_path: Path, engine: Any, transcribe: Any, word_error_rate: Any
) -> None:
    import soundfile

    from studio.project.model import Project, Scene
    from studio.render.events import SceneDone, SceneProgress
    from studio.render.export import render_project

    text = chapter_text()
    assert len(text) >= 50_000
    project = Project.create(tmp_path / "book", "Book", [Scene(text, "Chapter One")])
    voicing = ProbeVoicing(engine)
    events = list(render_project(project, voicing))  # type: ignore[arg-type]

    assert len(voicing.requests) >= 10 and all(len(r) <= 5000 for r in voicing.requests)
    asked = [s for request in voicing.requests for s in split_sentences(request)]
    assert asked == split_sentences(text)  # every sentence, once, in order

    chunks = [e.chunk for e in events if isinstance(e, SceneProgress)]
    position = 0.0
    for chunk in chunks:  # one stream, timed from the start of the scene
        assert chunk.start == pytest.approx(position, abs=1e-6)
        position += chunk.duration
    done = next(e for e in events if isinstance(e, SceneDone))
    audio, rate = soundfile.read(str(done.file), dtype="float32")
    assert len(audio) / rate == pytest.approx(position + 0.5, abs=0.01)  # speech and the pause

    for probe in PROBES:
        spoken = [c for c in chunks if c.text in probe]
        start, end = spoken[0].start, spoken[-1].start + spoken[-1].duration
        stretch = tmp_path / "stretch.wav"
        soundfile.write(str(stretch), audio[round(start * rate) : round(end * rate)], rate)
        heard = transcribe(stretch)
        assert word_error_rate(probe, heard) <= 0.34, (probe, heard)
