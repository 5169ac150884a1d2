"""A book chapter is simply a scene: 50,000 characters render through the same path as a short
scene, with its direction and captions, and every sentence is voiced once, in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from studio.direction.lexicon import LexiconEntry
from studio.engine.request import SpeechRequest
from studio.engine.sentence_cache import SentenceCache
from studio.project.export_settings import ExportSettings
from studio.project.model import Project, Scene
from studio.render.events import SceneDone, SceneProgress
from studio.render.export import render_project
from studio.speech.text import split_sentences

pytestmark = pytest.mark.model

PROBES = (
    "Please open the door and bring the books to the kitchen table.",
    "We will read them together after dinner on Thursday.",
    "Please open the window and bring the letters to the kitchen.",
)


def chapter_text(min_chars: int = 50_000) -> str:
    """Distinct filler sentences, the probes at the start, middle and end, and a pause tag."""
    sentences = []
    number = 0
    while sum(len(s) + 1 for s in sentences) < min_chars:
        number += 1
        sentences.append(f"Filler sentence {number} keeps this long chapter going on.")
    sentences[0] = PROBES[0]
    middle = len(sentences) // 2
    sentences[middle] = "[pause 1s] " + PROBES[1]
    sentences.append(PROBES[2])
    paragraphs = [" ".join(sentences[i : i + 12]) for i in range(0, len(sentences), 12)]
    return "\n\n".join(paragraphs)


@pytest.fixture
def probes_only(engine: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The real model for the probe sentences; 10 ms of silence for each filler piece.

    Voicing 50,000 characters takes most of an hour of CPU, so the filler is not voiced. The
    engine itself is real: it plans, phonemizes, places and times every sentence of the scene.
    Yields the phonemes of every piece the model was asked for, in order.
    """
    monkeypatch.setattr(engine, "sentence_cache", SentenceCache())
    infer = engine.backend.infer
    probe_phonemes: set[str] = set()

    def record(phonemes: str, style: np.ndarray, speed: float) -> Any:
        probe_phonemes.add(phonemes)
        return infer(phonemes, style, speed)

    monkeypatch.setattr(engine.backend, "infer", record)
    lexicon = [LexiconEntry("Thursday", "Friday")]
    from studio.direction.plan import Direction

    for probe in PROBES:
        list(engine.synthesize(SpeechRequest(probe, "af_heart", 1.0, Direction.of(lexicon))))
    asked: list[str] = []

    def probes_by_the_model(phonemes: str, style: np.ndarray, speed: float) -> Any:
        asked.append(phonemes)
        if phonemes in probe_phonemes:
            return infer(phonemes, style, speed)
        return np.zeros(240, dtype=np.float32), None

    monkeypatch.setattr(engine.backend, "infer", probes_by_the_model)
    monkeypatch.setattr(engine, "sentence_cache", SentenceCache())
    yield asked


def test_a_50000_character_chapter_renders_with_its_direction_and_captions(
    tmp_path: Path, engine: Any, probes_only: list[str], transcribe: Any, word_error_rate: Any
) -> None:
    import soundfile

    text = chapter_text()
    assert len(text) >= 50_000
    project = Project.create(tmp_path / "book", "Book", [Scene(text, "Chapter One")])
    project.lexicon.add(LexiconEntry("Thursday", "Friday"))
    settings = ExportSettings(captions=True)
    events = list(render_project(project, engine, settings=settings))

    spoken = split_sentences(text.replace("[pause 1s] ", ""))
    assert len(probes_only) >= len(spoken)  # every sentence reached the model, none dropped
    chunks = [e.chunk for e in events if isinstance(e, SceneProgress)]
    assert [c.text for c in chunks if not c.pause] == spoken  # once each, in order
    assert sum(c.pause for c in chunks) == 1
    position = 0.0
    for chunk in chunks:  # one stream, timed from the start of the scene
        assert chunk.start == pytest.approx(position, abs=1e-6)
        position += chunk.duration
    done = next(e for e in events if isinstance(e, SceneDone))
    audio, rate = soundfile.read(str(done.file), dtype="float32")
    assert len(audio) / rate == pytest.approx(position + 0.5, abs=0.01)  # speech and the tail

    for probe in PROBES:
        chunk = next(c for c in chunks if c.text == probe)
        stretch = tmp_path / "stretch.wav"
        start, end = round(chunk.start * rate), round((chunk.start + chunk.duration) * rate)
        soundfile.write(str(stretch), audio[start:end], rate)
        heard = transcribe(stretch)
        said = probe.replace("Thursday", "Friday")  # the project's lexicon, mid-chapter
        assert word_error_rate(said, heard) <= 0.34, (said, heard)

    captions = done.file.with_suffix(".srt").read_text(encoding="utf-8")
    assert "kitchen table" in captions and "letters to the kitchen" in captions
