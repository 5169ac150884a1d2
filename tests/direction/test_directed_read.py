"""Directed reads on the real model: respellings heard (ASR), pauses measured in the MP3, cast
voices heard by their pitch, and the render cache re-rendering exactly the scenes a new entry
touches."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile

from studio.direction import Cast, Direction, LexiconEntry
from studio.engine import SAMPLE_RATE, AudioChunk, Engine
from studio.engine.request import SpeechRequest
from studio.errors import ErrorCode, StudioError
from studio.project.model import Project, Scene
from studio.render.events import SceneDone
from studio.render.export import render_project
from studio.render.single import render_text_to_mp3

pytestmark = pytest.mark.model


def silent_runs(path: Path, threshold: float = 0.003) -> list[tuple[float, float]]:
    """(start, seconds) of each stretch of at least 0.2 s quieter than ``threshold`` RMS."""
    audio, rate = soundfile.read(path, dtype="float32")
    window = rate // 100
    frames = len(audio) // window
    rms = np.sqrt((audio[: frames * window].reshape(frames, window) ** 2).mean(axis=1))
    runs, start = [], None
    for i, quiet in enumerate([*(rms < threshold), False]):
        if quiet and start is None:
            start = i
        elif not quiet and start is not None:
            if i - start >= 20:
                runs.append((start / 100, (i - start) / 100))
            start = None
    return runs


def pitch(audio: np.ndarray) -> float:
    """Median fundamental frequency (Hz) of the voiced 40 ms frames, by autocorrelation."""
    size = int(0.04 * SAMPLE_RATE)
    lags = np.arange(SAMPLE_RATE // 400, SAMPLE_RATE // 70)
    found = []
    for begin in range(0, len(audio) - size, size):
        frame = audio[begin : begin + size] - audio[begin : begin + size].mean()
        if np.sqrt(np.mean(frame**2)) < 0.02:
            continue
        corr = np.correlate(frame, frame, "full")[size - 1 :]
        best = lags[np.argmax(corr[lags])]
        if corr[best] > 0.5 * corr[0]:
            found.append(SAMPLE_RATE / best)
    assert found, "no voiced frames"
    return float(np.median(found))


def test_a_made_up_word_is_heard_as_its_respelling_and_not_without_it(
    tmp_path: Path, engine: Engine, transcribe: Callable[[Path], str]
) -> None:
    text = "I will call you glimbus."
    direction = Direction.of([LexiconEntry("Glimbus", say="tomorrow")])
    render_text_to_mp3(
        engine, SpeechRequest(text, "af_heart", 1.0, direction), tmp_path / "with.mp3"
    )
    render_text_to_mp3(engine, SpeechRequest(text, "af_heart"), tmp_path / "without.mp3")
    heard_with, heard_without = (
        transcribe(tmp_path / "with.mp3"),
        transcribe(tmp_path / "without.mp3"),
    )
    assert "tomorrow" in heard_with.split(), heard_with
    assert "tomorrow" not in heard_without.split(), heard_without


def test_phonemes_inline_and_in_the_lexicon_are_heard(
    tmp_path: Path, engine: Engine, transcribe: Callable[[Path], str]
) -> None:
    telephone = "tˈɛləfˌOn"
    inline = f"Pick up the [vexnor](/{telephone}/)."
    render_text_to_mp3(engine, SpeechRequest(inline, "am_adam"), tmp_path / "inline.mp3")
    assert "telephone" in transcribe(tmp_path / "inline.mp3").split()


def test_a_pause_tag_is_that_much_silence_where_the_tag_is(tmp_path: Path, engine: Engine) -> None:
    text = "The first sentence is here. [pause 2s] And the second one follows."
    chunks: list[AudioChunk] = []
    path = tmp_path / "pause.mp3"
    render_text_to_mp3(engine, SpeechRequest(text, "af_heart"), path, chunks.append)
    (pause,) = [c for c in chunks if c.pause]
    assert pause.duration == pytest.approx(2.0) and pause.text == "" and pause.words == ()
    assert text[pause.source[0] : pause.source[1]] == "[pause 2s]"  # type: ignore[index]
    # Chunks are in order and their times absolute, the pause's silence included.
    assert [c.index for c in chunks] == list(range(len(chunks)))
    for before, after in itertools.pairwise(chunks):
        assert after.start == pytest.approx(before.start + before.duration, abs=1e-6)
    after = chunks[chunks.index(pause) + 1]
    assert after.words and after.words[0].start >= round(pause.start + pause.duration, 3) - 0.001
    # The MP3 has one long silence: 2 s ± 0.1 s, where the pause is.
    long_runs = [run for run in silent_runs(path) if run[1] > 1.0]
    assert len(long_runs) == 1, silent_runs(path)
    start, seconds = long_runs[0]
    assert seconds == pytest.approx(2.0, abs=0.1)
    assert start == pytest.approx(pause.start, abs=0.15)


def test_each_cast_member_speaks_their_lines_in_their_voice(engine: Engine) -> None:
    cast = Cast()
    cast.set("Anna", "af_bella")
    cast.set("Tom", "am_michael")
    text = (
        "ANNA: Good morning. Did you sleep well last night?\n"
        "TOM: Not really, the storm kept me awake for hours.\n"
        "ANNA: Then let us have some coffee before we go."
    )
    chunks = list(engine.synthesize(SpeechRequest(text, "af_heart", 1.0, Direction.of([], cast))))
    spoken = " ".join(c.text for c in chunks)
    assert "ANNA" not in spoken and "TOM" not in spoken
    by_speaker: dict[str, list[np.ndarray]] = {}
    for chunk in chunks:
        by_speaker.setdefault(str(chunk.speaker), []).append(chunk.audio)
        assert chunk.voice == {"Anna": "af_bella", "Tom": "am_michael"}[str(chunk.speaker)]
    anna = pitch(np.concatenate(by_speaker["Anna"]))
    tom = pitch(np.concatenate(by_speaker["Tom"]))
    assert anna > 1.4 * tom, (anna, tom)


def test_a_cast_member_without_a_voice_fails_the_scene_by_line(engine: Engine) -> None:
    cast = Cast({"Anna": "af_bella", "Ghost": ""})
    with pytest.raises(StudioError) as caught:
        engine.synthesize(
            SpeechRequest("ANNA: Hi.\nGHOST: Boo.", "af_heart", 1.0, Direction.of([], cast))
        )
    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert caught.value.message.startswith("Line 2, column 1: Cast member 'Ghost' has no voice")


def test_adding_an_entry_re_renders_only_the_scenes_that_say_the_word(
    tmp_path: Path, engine: Engine
) -> None:
    scenes = [
        Scene("We drove to Glimbus at dawn.", "Drive"),
        Scene("The sea was calm.", "Sea"),
        Scene("Glimbus was asleep.", "Town"),
    ]
    project = Project.create(tmp_path / "film", "Film", scenes)
    first = list(render_project(project, engine))
    assert [e.status for e in first if isinstance(e, SceneDone)] == ["rendered"] * 3
    mtimes = {p.name: p.stat().st_mtime_ns for p in project.audio_dir.glob("*.mp3")}

    project.lexicon.add(LexiconEntry("glimbus", say="glim bus"))
    project.cast.set("Nobody", "am_adam")  # in no scene: changes nothing
    project.save()
    second = list(render_project(Project.load(project.folder), engine))
    statuses = {e.scene.title: e.status for e in second if isinstance(e, SceneDone)}
    assert statuses == {"Drive": "rendered", "Sea": "cached", "Town": "rendered"}
    now = {p.name: p.stat().st_mtime_ns for p in project.audio_dir.glob("*.mp3")}
    assert now["02-sea.mp3"] == mtimes["02-sea.mp3"]
    assert now["01-drive.mp3"] != mtimes["01-drive.mp3"]
    assert now["03-town.mp3"] != mtimes["03-town.mp3"]


def test_a_bad_tag_in_a_scene_names_the_scene_line_and_column(
    tmp_path: Path, engine: Engine
) -> None:
    project = Project.create(
        tmp_path / "film", "Film", [Scene("Fine."), Scene("One.\nTwo [laughs] three.", "Bad")]
    )
    with pytest.raises(StudioError) as caught:
        list(render_project(project, engine))
    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert caught.value.message.startswith(
        "Scene 2 'Bad': Line 2, column 5: '[laughs]' is not a tag"
    )


def test_chunks_still_stream_one_model_call_at_a_time(engine: Engine) -> None:
    """Only speech right before a pause waits for its next chunk (to trim its tail)."""
    calls: list[str] = []
    infer = engine.backend.infer

    def counted(phonemes: str, *args: object) -> object:
        calls.append(phonemes)
        return infer(phonemes, *args)  # type: ignore[arg-type]

    engine.backend.infer = counted  # type: ignore[method-assign]
    try:
        engine.sentence_cache.clear()  # every piece made by the model, none remembered
        stream = engine.synthesize(SpeechRequest("One. Two. Three.", "af_heart"))
        assert next(stream).text == "One." and len(calls) == 1
        stream.close()
        calls.clear()
        engine.sentence_cache.clear()
        stream = engine.synthesize(SpeechRequest("One. Two. [pause 1s] Three.", "af_heart"))
        assert next(stream).text == "One." and len(calls) == 2
        stream.close()
    finally:
        del engine.backend.infer


def test_quoted_speech_is_read_in_the_dialogue_voice_and_every_word_is_heard(
    tmp_path: Path,
    engine: Engine,
    transcribe: Callable[[Path], str],
    word_error_rate: Callable[[str, str], float],
) -> None:
    text = (
        "The old keeper looked at the sea for a long time. "
        "“The storm will reach the harbor before midnight,” he said quietly. "
        "She nodded and closed the shutters."
    )
    direction = Direction.of(dialogue_voice="am_michael")
    chunks = [
        c for c in engine.synthesize(SpeechRequest(text, "af_heart", 1.0, direction)) if not c.pause
    ]
    by_voice: dict[str, list[np.ndarray]] = {}
    for chunk in chunks:
        by_voice.setdefault(chunk.voice, []).append(chunk.audio)
    quoted = " ".join(c.text for c in chunks if c.voice == "am_michael")
    assert "storm will reach the harbor before midnight" in quoted
    assert "keeper" not in quoted and "nodded" not in quoted
    narration, dialogue = (pitch(np.concatenate(by_voice[v])) for v in ("af_heart", "am_michael"))
    assert narration > 1.4 * dialogue, (narration, dialogue)

    path = tmp_path / "quoted.wav"
    soundfile.write(path, np.concatenate([c.audio for c in chunks]), SAMPLE_RATE)
    heard = transcribe(path)
    assert word_error_rate(text, heard) <= 0.1, heard


def test_a_stray_quote_mark_never_carries_past_its_paragraph() -> None:
    from studio.direction.plan import Passage, plan_read

    text = "He stopped. “Wait here\nThe road went on for miles.\nDon’t say ‘never’ to me."
    plan = plan_read(text, "af_heart", Direction.of(dialogue_voice="am_michael"))
    read = [(p.voice, p.text.strip()) for p in plan.parts if isinstance(p, Passage)]
    assert read == [
        ("af_heart", "He stopped."),
        ("am_michael", "“Wait here"),
        ("af_heart", "The road went on for miles.\nDon’t say"),
        ("am_michael", "‘never’"),
        ("af_heart", "to me."),
    ]
    assert plan.dialogue_used == "am_michael"
    assert plan_read(text, "af_heart").dialogue_used is None  # no dialogue voice: narration
