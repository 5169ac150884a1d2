import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.errors import ErrorCode, StudioError
from studio.speech.text import MAX_TEXT_CHARS, split_in_two, split_sentences, validate_text


def _letters(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_split_sentences_at_ends_and_line_breaks() -> None:
    text = 'He said "Go!" Then he left. Did she? Yes…\nNew line here'
    assert split_sentences(text) == [
        'He said "Go!"',
        "Then he left.",
        "Did she?",
        "Yes…",
        "New line here",
    ]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("今天天气很好。我们去公园吧！你呢？", ["今天天气很好。", "我们去公园吧！", "你呢？"]),
        ("今日は晴れです。本当に？はい！", ["今日は晴れです。", "本当に？", "はい！"]),
        ("他说：“好。”然后走了。", ["他说：“好。”", "然后走了。"]),
        ("えっ！？そうですか。", ["えっ！？", "そうですか。"]),
        ("नमस्ते। आप कैसे हैं? मैं ठीक हूँ॥ धन्यवाद।", ["नमस्ते।", "आप कैसे हैं?", "मैं ठीक हूँ॥", "धन्यवाद।"]),
        ("¿Cómo estás? ¡Muy bien! Gracias.", ["¿Cómo estás?", "¡Muy bien!", "Gracias."]),
    ],
)
def test_sentences_end_in_every_script_the_voices_speak(text: str, sentences: list[str]) -> None:
    """Chinese and Japanese put no space after 。！？; Hindi ends sentences with । and ॥."""
    assert split_sentences(text) == sentences


def test_abbreviations_do_not_end_sentences() -> None:
    assert split_sentences("Dr. Smith met Mr. J. Jones. They talked.") == [
        "Dr. Smith met Mr. J. Jones.",
        "They talked.",
    ]


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300))
def test_split_sentences_never_drops_a_character(text: str) -> None:
    assert _letters("".join(split_sentences(text))) == _letters(text)


@given(st.text(min_size=2, max_size=400).filter(lambda t: len(t.strip()) >= 2))
def test_split_in_two_keeps_everything_and_both_halves(text: str) -> None:
    text = text.strip()
    first, second = split_in_two(text)
    assert first and second
    assert _letters(first + second) == _letters(text)


def test_split_in_two_prefers_natural_breaks() -> None:
    assert split_in_two("one two three; four five six") == ("one two three;", "four five six")
    assert split_in_two("alpha beta, gamma delta") == ("alpha beta,", "gamma delta")


@pytest.mark.parametrize("bad", ["", "   \n ", None, 42])
def test_validate_text_refuses_empty_and_non_text(bad: object) -> None:
    with pytest.raises(StudioError) as caught:
        validate_text(bad)
    assert caught.value.code is ErrorCode.INVALID_INPUT


def test_a_service_request_is_limited_to_5000_characters_and_a_scene_is_not() -> None:
    limit = MAX_TEXT_CHARS
    assert validate_text("a" * limit, limit=limit) == "a" * limit
    with pytest.raises(StudioError, match="5001 characters; the limit is 5000"):
        validate_text("a" * (limit + 1), limit=limit)
    assert validate_text("a" * (limit + 1)) == "a" * (limit + 1)


@pytest.mark.parametrize("text", ["😀🎉", "... !!! ??? -- ;;", "—", "♪ ♫", "$ % &"])
def test_text_of_only_punctuation_symbols_or_emoji_has_nothing_to_voice(text: str) -> None:
    with pytest.raises(StudioError) as caught:
        validate_text(text, subject="this scene")
    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert caught.value.message.startswith("Nothing to voice in this scene")


@pytest.mark.parametrize("text", ["17", "Hi 😀", "¿Qué?", "こんにちは", "你好", "नमस्ते", "x"])
def test_any_word_or_number_in_any_script_is_something_to_voice(text: str) -> None:
    assert validate_text(text) == text
