"""Lexicon entries: validation, matching (whole words, case), precedence, phoneme checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.direction.lexicon import (
    Lexicon,
    LexiconEntry,
    check_phonemes,
    find_matches,
    load_personal,
    merged,
    save_personal,
)
from studio.errors import ErrorCode, StudioError

SYMBOLS = frozenset("wˈʊstəɹ ɡnAIkæ")


def test_an_entry_has_exactly_one_of_a_respelling_and_phonemes() -> None:
    with pytest.raises(StudioError, match="either a respelling or phonemes"):
        LexiconEntry("Worcester")
    with pytest.raises(StudioError, match="either a respelling or phonemes"):
        LexiconEntry("Worcester", say="wuster", ipa="wˈʊstəɹ")
    with pytest.raises(StudioError, match="cannot be a lexicon word"):
        LexiconEntry("a [b]", say="x")
    assert LexiconEntry("  New   York ", say=" noo  york ").word == "New York"


def test_matches_are_whole_words_and_ignore_case_unless_asked() -> None:
    text = "Nguyen met NGUYEN and Nguyenson; nguyen's cat."
    loose = LexiconEntry("Nguyen", say="win")
    spans = [text[m.start : m.end] for m in find_matches(text, [loose])]
    assert spans == ["Nguyen", "NGUYEN", "nguyen"]
    strict = LexiconEntry("Nguyen", say="win", case_sensitive=True)
    assert [text[m.start : m.end] for m in find_matches(text, [strict])] == ["Nguyen"]


def test_longer_phrases_win_and_one_off_spans_are_left_alone() -> None:
    text = "New York City and York."
    entries = [LexiconEntry("York", say="yolk"), LexiconEntry("New York City", say="gotham")]
    found = [(text[m.start : m.end], m.entry.say) for m in find_matches(text, entries)]
    assert found == [("New York City", "gotham"), ("York", "yolk")]
    assert find_matches(text, entries, taken=[(0, 13)])[0].entry.word == "York"


def test_the_project_lexicon_wins_over_the_personal_one() -> None:
    project = Lexicon([LexiconEntry("Worcester", say="wuster")])
    personal = Lexicon(
        [LexiconEntry("worcester", say="wor-chester"), LexiconEntry("Leicester", say="lester")]
    )
    in_force = merged(project, personal)
    assert [(e.word, e.say) for e in in_force] == [("Worcester", "wuster"), ("Leicester", "lester")]


def test_adding_the_same_word_replaces_the_entry() -> None:
    lexicon = Lexicon()
    assert lexicon.add(LexiconEntry("Sean", say="shawn")) is None
    old = lexicon.add(LexiconEntry("SEAN", say="shaun"))
    assert old is not None and old.say == "shawn"
    assert [e.say for e in lexicon] == ["shaun"]
    assert lexicon.remove("sean") and len(lexicon) == 0


def test_unknown_phoneme_symbols_are_refused_by_name() -> None:
    check_phonemes("wˈʊstəɹ", SYMBOLS, "'Worcester'")
    with pytest.raises(StudioError) as caught:
        check_phonemes("ɡˈAg", SYMBOLS, "'Gag'")
    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert "'g' (U+0067) at position 4" in caught.value.message
    assert "ɡ (U+0261)" in caught.value.hint


def test_json_round_trip_and_the_service_spelling() -> None:
    lexicon = Lexicon([LexiconEntry("Nguyen", say="win", case_sensitive=True, language="en")])
    assert Lexicon.from_json(lexicon.to_json()) == lexicon
    camel = Lexicon.from_json([{"word": "Nguyen", "say": "win", "caseSensitive": True}], camel=True)
    assert camel == lexicon
    with pytest.raises(StudioError, match="Lexicon entry 2: Unknown field 'sound'"):
        Lexicon.from_json([{"word": "a", "say": "b"}, {"word": "c", "sound": "d"}])


def test_the_personal_lexicon_file_round_trips_and_a_damaged_one_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    assert len(load_personal(path)) == 0
    lexicon = Lexicon([LexiconEntry("Worcester", ipa="wˈʊstəɹ")])
    save_personal(lexicon, path)
    assert load_personal(path) == lexicon
    path.write_text(json.dumps({"entries": [{"word": "x"}]}))
    with pytest.raises(StudioError, match="damaged"):
        load_personal(path)
    assert json.loads(path.read_text()) == {"entries": [{"word": "x"}]}
