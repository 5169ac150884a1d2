"""Numbers and symbols, checked through misaki itself: each example of the issue is phonemized as
the studio reads it, and must contain the phonemes of the words a person would say."""

from __future__ import annotations

from typing import Any

import pytest

from studio.direction.plan import Passage, plan_read
from studio.direction.reading import reading_fixes
from studio.engine.g2p import Phonemizer


@pytest.fixture(scope="module")
def phonemizer() -> Phonemizer:
    return Phonemizer("a", allow_downloads=False)


def read(phonemizer: Phonemizer, text: str) -> str:
    """The phonemes the engine voices for ``text`` (the engine's own steps, without the model)."""
    out = []
    for part in plan_read(text, "af_heart").parts:
        assert isinstance(part, Passage)
        for first, last in part.sentences:
            overrides = [
                (r.start - first, r.end - first, r.phonemes or phonemizer.phonemize(str(r.say)))
                for r in part.respellings
                if first <= r.start < last
            ]
            out += [c.phonemes for c in phonemizer.chunks(part.text[first:last], overrides)]
    return " ".join(out)


def bare(phonemes: str) -> str:
    return "".join(c for c in phonemes if c not in "ˈˌ")


def says(phonemizer: Phonemizer, text: str, words: str) -> bool:
    """Whether reading ``text`` gives the phonemes of ``words``, in order (stress aside)."""
    heard = bare(read(phonemizer, text))
    position = 0
    for word in words.split():
        wanted = bare(phonemizer.phonemize(word))
        found = heard.find(wanted, position)
        if found < 0:
            return False
        position = found + len(wanted)
    return True


@pytest.mark.parametrize(
    ("text", "words"),
    [
        # what misaki already reads right (kept right)
        ("It cost 3,497 dollars.", "three thousand four hundred ninety seven dollars"),
        ("It costs $12.50 today.", "twelve dollars and fifty cents today"),
        ("Music of the 1990s.", "nineteen nineties"),
        ("Dr. Smith is here.", "doctor Smith"),
        ("About 50% of them.", "fifty percent"),
        ("The 1st, 2nd, 3rd and 21st place.", "first second third twenty first"),
        ("Meet at 10:30 a.m. sharp.", "ten thirty sharp"),
        # what the studio fixes
        ("It is 10:05 now.", "ten oh five now"),
        ("Leave at 9:00 tonight.", "nine o'clock tonight"),
        ("St. Mary's St. is closed.", "saint Mary's street is closed"),
        ("Add 1/2 cup and 3/4 spoon.", "one half cup and three quarters spoon"),
        ("Call 555-1234 now.", "five five five one two three four now"),
        ("Version 2.0 is out.", "two point zero is out"),
    ],
)
def test_numbers_and_symbols_read_as_a_person_says_them(
    phonemizer: Phonemizer, text: str, words: str
) -> None:
    assert says(phonemizer, text, words), (text, read(phonemizer, text))


def test_the_fixes_were_needed(phonemizer: Phonemizer) -> None:
    """Plain misaki gets these wrong: the rules are not dead code."""
    plain: dict[str, Any] = {
        "It is 10:05 now.": "ten oh five",
        "Add 1/2 cup.": "one half",
        "Version 2.0 is out.": "point zero",
    }
    for text, words in plain.items():
        misaki = bare(" ".join(c.phonemes for c in phonemizer.chunks(text)))
        wanted = bare(" ".join(phonemizer.phonemize(w) for w in words.split()))
        assert wanted not in misaki, text
    assert ":" in " ".join(c.phonemes for c in phonemizer.chunks("Meet at 10:30 today."))


def test_no_fix_touches_dates_scores_or_money() -> None:
    for text in ["On 12/25 we rest.", "It ended 5/3.", "Pay $2.50 now.", "At 25:99 nothing."]:
        assert not [f for f in reading_fixes(text) if "/" in text[f[0] : f[1]] or "$" in text], text
    assert reading_fixes("Pay $2.50 now.") == []
