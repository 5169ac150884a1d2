"""The inline grammar: pauses, one-off pronunciations, speaker lines, escapes and their errors."""

from __future__ import annotations

import pytest

from studio.direction.grammar import DirectionError, Pause, Speech, escape, parse
from studio.errors import ErrorCode


def speech(segment: object) -> Speech:
    assert isinstance(segment, Speech), segment
    return segment


def test_plain_text_is_one_speech_that_maps_back_to_itself() -> None:
    (only,) = parse("Hello there, world.")
    only = speech(only)
    assert only.text == "Hello there, world." and only.speaker is None
    assert only.offsets == tuple(range(len(only.text)))


def test_a_pause_splits_the_speech_and_keeps_its_place() -> None:
    text = "One. [pause 1.5s] Two [pause 250ms] three [PAUSE:2s] four"
    first, pause, second, short, third, colon, fourth = parse(text)
    assert speech(first).text.strip() == "One."
    assert pause == Pause(1.5, 5, 17) and text[pause.start : pause.end] == "[pause 1.5s]"
    assert isinstance(short, Pause) and short.seconds == 0.25
    assert isinstance(colon, Pause) and colon.seconds == 2.0
    assert [speech(s).text.strip() for s in (second, third, fourth)] == ["Two", "three", "four"]


def test_a_one_off_pronunciation_keeps_the_word_and_gives_its_phonemes() -> None:
    text = "Visit [Worcester](/wˈʊstəɹ/) today."
    (only,) = parse(text)
    only = speech(only)
    assert only.text == "Visit Worcester today."
    (said,) = only.said
    assert only.text[said.start : said.end] == "Worcester" and said.phonemes == "wˈʊstəɹ"
    assert text[only.offsets[said.start]] == "W" and said.source == text.index("[")


def test_escaped_brackets_and_backslashes_are_literal_text() -> None:
    (only,) = parse(r"A \[note\] and a \\ and a \n.")
    assert speech(only).text == r"A [note] and a \ and a \n."


def test_escape_makes_any_text_parse_back_to_itself() -> None:
    for text in ["[x](y) \\[ \\ ] [pause 2s]", "no markup", "\\\\[", "a]b[c"]:
        (only,) = parse(escape(text))
        assert speech(only).text == text


def test_speaker_lines_of_the_cast_switch_voices_and_the_name_is_not_spoken() -> None:
    text = "Intro line.\nALICE: Hello.\nStill Alice.\n\nbob:  Hi.\nNote: a colon is just text."
    intro, alice, bob = parse(text, ["Alice", "Bob"])
    assert speech(intro).speaker is None and speech(intro).text.strip() == "Intro line."
    assert speech(alice).speaker == "Alice"
    assert speech(alice).text.split() == ["Hello.", "Still", "Alice."]
    assert speech(bob).speaker == "Bob"
    assert "Note: a colon is just text." in speech(bob).text
    assert "ALICE" not in "".join(speech(s).text for s in (intro, alice, bob))


def test_a_blank_line_ends_a_speakers_turn() -> None:
    alice, narration = parse("ALICE: Hello.\nStill Alice.\n\nThe door closed.", ["Alice"])
    assert speech(alice).speaker == "Alice"
    assert speech(alice).text.split() == ["Hello.", "Still", "Alice."]
    assert speech(narration).speaker is None
    assert speech(narration).text.strip() == "The door closed."


def test_without_a_cast_a_name_and_colon_are_plain_text() -> None:
    (only,) = parse("ALICE: Hello.")
    assert speech(only).text == "ALICE: Hello." and speech(only).speaker is None


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("Hello [laughs] there.", 1, 7, "is not a tag"),
        ("One.\nTwo [ three", 2, 5, "never closed"),
        ("One.\n\n  x ] y", 3, 5, "closes no"),
        ("Wait [pause 12s] now", 1, 6, "out of range"),
        ("Wait [pause 0.05s] now", 1, 6, "out of range"),
        ("Wait [pause soon] now", 1, 6, "is not a pause"),
        ("Say [it](ɪt) now", 1, 5, "is not a pronunciation"),
        ("Say [it](//) now", 1, 5, "is empty"),
        ("Say [a [b](/x/)", 1, 5, "never closed"),
    ],
)
def test_malformed_tags_name_their_line_and_column(
    text: str, line: int, column: int, words: str
) -> None:
    with pytest.raises(DirectionError) as caught:
        parse(text)
    error = caught.value
    assert error.code is ErrorCode.INVALID_INPUT
    assert (error.line, error.column) == (line, column)
    assert error.message.startswith(f"Line {line}, column {column}: ")
    assert words in error.message
    assert "\\[" in error.hint or "pause" in error.hint.lower() or "[" in error.hint
