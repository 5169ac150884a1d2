"""Captions from timed words: the house style, alignment with the text, and the files read back
by other libraries (pysubs2 for SRT, webvtt-py for WebVTT)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pysubs2
import pytest
import webvtt

from studio.audio.captions import (
    MAX_CUE_S,
    MAX_LINE,
    Word,
    build_cues,
    load_words,
    save_words,
    words_from_chunks,
    write_captions,
)
from studio.engine.chunks import SAMPLE_RATE, AudioChunk, WordTiming

TEXT = (
    "The harbour was quiet before dawn. Gulls circled over the empty boats, and a bell rang twice "
    "from the old church on the hill. Then, one by one, the fishermen arrived with their nets, "
    "their lanterns and their stories of the sea. Nobody spoke."
)


def _words(text: str, start: float = 0.3, per_char: float = 0.06) -> list[Word]:
    """Words timed as speech would be: by length, with a short gap after punctuation."""
    words, t = [], start
    for token in text.split():
        end = t + per_char * len(token)
        words.append(Word(token, round(t, 3), round(end, 3)))
        t = end + (0.35 if token[-1] in ".,!?" else 0.05)
    return words


def _letters(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def test_cues_keep_the_house_style_and_every_word_in_order() -> None:
    words = _words(TEXT)
    duration = words[-1].end + 0.5
    cues = build_cues(words, duration)
    assert _letters(" ".join(c.text for c in cues)) == _letters(TEXT)
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2 and all(len(line) <= MAX_LINE for line in cue.lines)
        assert 1.0 - 1e-9 <= cue.end - cue.start <= MAX_CUE_S
    for before, after in itertools.pairwise(cues):
        assert before.end <= after.start
    assert cues[-1].end <= duration
    # sentences end cues: no cue runs on past a full stop into the next sentence's first words
    assert cues[0].text.replace("\n", " ") == "The harbour was quiet before dawn."
    assert any(c.lines[-1].endswith("Nobody spoke.") or c.text == "Nobody spoke." for c in cues)


def test_a_short_last_cue_is_held_for_a_second_within_the_audio() -> None:
    cues = build_cues([Word("Yes.", 0.2, 0.45)], duration=0.9)
    assert (cues[0].start, cues[0].end) == (0.2, 0.9)
    cues = build_cues([Word("Yes.", 0.2, 0.45)], duration=3.0)
    assert (cues[0].start, cues[0].end) == (0.2, 1.2)


def _chunk(text: str, start: float, seconds: float, words: tuple[WordTiming, ...]) -> AudioChunk:
    audio = np.zeros(round(seconds * SAMPLE_RATE), dtype=np.float32)
    audio[round(0.25 * SAMPLE_RATE) : round((seconds - 0.2) * SAMPLE_RATE)] = 0.3
    return AudioChunk(0, text, "", audio, start, words)


def test_text_tokens_take_the_times_of_the_engines_words() -> None:
    # the engine splits "don't" in two and gives punctuation no time; the caption keeps the text
    timings = (
        WordTiming("I", 2.3, 2.4),
        WordTiming("do", 2.4, 2.5),
        WordTiming("n't", 2.5, 2.6),
        WordTiming("know", 2.6, 2.9),
        WordTiming("well", 3.0, 3.2),
        WordTiming("known", 3.2, 3.5),
    )
    chunk = _chunk("I don't — know well-known.", 2.0, 2.0, timings)
    words = words_from_chunks([chunk], shift=0.75)
    assert [(w.text, w.start, w.end) for w in words] == [
        ("I", 3.05, 3.15),
        ("don't", 3.15, 3.35),
        ("—", 3.35, 3.35),
        ("know", 3.35, 3.65),
        ("well-known.", 3.75, 4.25),
    ]


def test_without_word_timings_a_sentence_is_timed_by_its_audio() -> None:
    first = _chunk("A sentence without timings.", 0.0, 2.0, ())
    second = _chunk("And another one.", 2.0, 1.5, ())
    pause = AudioChunk(1, "", "", np.zeros(SAMPLE_RATE, dtype=np.float32), 3.5)
    words = words_from_chunks([first, second, pause])
    assert words[0].start == pytest.approx(0.25, abs=0.011)
    assert words[4].text == "And" and words[4].start == pytest.approx(2.25, abs=0.011)
    assert words[-1].end == pytest.approx(3.3, abs=0.011)
    assert [w.text for w in words] == [
        "A",
        "sentence",
        "without",
        "timings.",
        "And",
        "another",
        "one.",
    ]


def test_files_read_back_with_other_libraries(tmp_path: Path) -> None:
    text = "Fish & chips <cheap> {today}, said Dr. O'Brien \\ twice. " + TEXT
    words = _words(text)
    cues = build_cues(words, words[-1].end + 1)
    srt, vtt = tmp_path / "s.srt", tmp_path / "s.vtt"
    assert write_captions(cues, srt, vtt) == [srt, vtt]

    parsed_srt = pysubs2.load(str(srt))
    parsed_vtt = list(webvtt.read(str(vtt)))
    assert len(parsed_srt) == len(parsed_vtt) == len(cues)
    for cue, from_srt, from_vtt in zip(cues, parsed_srt, parsed_vtt, strict=True):
        assert from_srt.start == round(cue.start * 1000) and from_srt.end == round(cue.end * 1000)
        assert _seconds(from_vtt.start) == pytest.approx(cue.start, abs=0.001)
        assert _seconds(from_vtt.end) == pytest.approx(cue.end, abs=0.001)
    heard = " ".join(e.plaintext for e in parsed_srt)
    assert _letters(heard) == _letters(text.replace("{", "(").replace("}", ")"))
    assert "Fish &amp; chips &lt;cheap&gt;" in vtt.read_text()
    # an unchanged caption file is not written again
    before = srt.stat().st_mtime_ns
    assert write_captions(cues, srt, vtt) == []
    assert srt.stat().st_mtime_ns == before


def _seconds(clock: str) -> float:
    hours, minutes, seconds = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_saved_words_belong_to_one_render(tmp_path: Path) -> None:
    words = _words("Two words.")
    save_words(tmp_path / "t.json", "key-1", words)
    assert load_words(tmp_path / "t.json", "key-1") == words
    assert load_words(tmp_path / "t.json", "key-2") is None
    assert load_words(tmp_path / "missing.json", "key-1") is None
