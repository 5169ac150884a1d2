"""The read plan: voices per speaker, entries per language, what a scene uses, where to start;
and the importer that keeps dialogue together. No model needed."""

from __future__ import annotations

import pytest

from studio.direction.cast import Cast
from studio.direction.grammar import DirectionError
from studio.direction.lexicon import LexiconEntry
from studio.direction.plan import Direction, Passage, Silence, plan_read
from studio.engine.g2p import Phonemizer
from studio.project.script_import import scenes_from_script

CAST = Cast({"Anna": "af_bella", "Jean": "ff_siwis"})
ENTRIES = (
    LexiconEntry("Nguyen", say="win"),
    LexiconEntry("Paris", ipa="paʁi", language="fr"),
    LexiconEntry("Unused", say="never"),
)
TEXT = (
    "Nguyen at 10:30 in Paris.\nANNA: Nguyen went to Paris.\nJEAN: Paris, Nguyen. [pause 1s] Fin."
)


def passages(plan: object) -> list[Passage]:
    return [p for p in plan.parts if isinstance(p, Passage)]  # type: ignore[attr-defined]


def test_speakers_get_their_voices_and_entries_of_their_language() -> None:
    plan = plan_read(TEXT, "af_heart", Direction.of(ENTRIES, CAST))
    narrator, anna, jean, fin = passages(plan)
    assert [p.voice for p in (narrator, anna, jean, fin)] == [
        "af_heart",
        "af_bella",
        "ff_siwis",
        "ff_siwis",
    ]
    said = lambda p: [(p.text[r.start : r.end], r.say or r.phonemes) for r in p.respellings]  # noqa: E731
    assert said(narrator) == [("Nguyen", "win"), ("10:30", "10 30")]
    assert said(anna) == [("Nguyen", "win")]
    assert said(jean) == [("Paris", "paʁi")]  # French: the English entry and fixes do not apply
    assert [p.seconds for p in plan.parts if isinstance(p, Silence)] == [1.0]
    assert [e.word for e in plan.entries_used] == ["Nguyen", "Paris"]
    assert dict(plan.cast_used) == {"Anna": "af_bella", "Jean": "ff_siwis"}
    assert plan.uses_reading_fixes


def test_a_scene_that_uses_no_direction_says_so() -> None:
    plan = plan_read("The sea was calm.", "af_heart", Direction.of(ENTRIES, CAST))
    assert plan.entries_used == () and plan.cast_used == () and not plan.uses_reading_fixes


def test_starting_at_a_sentence_and_limiting_to_one() -> None:
    text = "One here. Two there. [pause 1s] Three now."
    plan = plan_read(text, "af_heart")
    later = plan.starting_at(text.index("there"))
    firsts = [p.text[s:e] for p in passages(later) for s, e in p.sentences]
    assert firsts == ["Two there.", "Three now."]
    assert any(isinstance(p, Silence) for p in later.parts)
    one = plan.starting_at(text.index("Two"), 1)
    assert [p.text[s:e] for p in passages(one) for s, e in p.sentences] == ["Two there."]
    assert not any(isinstance(p, Silence) for p in one.parts)


def test_bad_phonemes_inline_are_refused_at_their_tag() -> None:
    with pytest.raises(DirectionError) as caught:
        plan_read("Fine.\nSay [it](/ɪg/).", "af_heart", None, frozenset("ɪt"))
    assert (caught.value.line, caught.value.column) == (2, 5)
    assert "'g' (U+0067)" in caught.value.message


def test_direction_fingerprint_follows_changes() -> None:
    one = Direction.of(ENTRIES, CAST)
    assert one.fingerprint() == Direction.of(ENTRIES, Cast(dict(CAST.members))).fingerprint()
    assert one.fingerprint() != Direction.of(ENTRIES[:1], CAST).fingerprint()


def test_other_languages_take_phoneme_overrides_between_their_own() -> None:
    phonemizer = Phonemizer("f", allow_downloads=False)
    sentence = "Bonjour Paris, ici."
    start = sentence.index("Paris")
    (chunk,) = phonemizer.chunks(sentence, [(start, start + 5, "pAʁI")])
    assert "pAʁI" in chunk.phonemes and chunk.text == sentence
    assert chunk.phonemes.index("pAʁI") > 0  # after bonjour's phonemes, before ici's


def test_the_importer_keeps_speaker_lines_and_consecutive_dialogue_together() -> None:
    script = (
        "# Act One\n\nThe room was dark.\nIt was late.\n\n"
        "ANNA: Who is there?\nTOM: Only me.\n\nANNA: Oh, Tom.\nCome in.\n\n# Act Two\n\nMorning.\n"
    )
    scenes = scenes_from_script(script)
    assert [s.title for s in scenes] == ["Act One", "Act Two"]
    assert scenes[0].text == (
        "The room was dark. It was late.\n\n"
        "ANNA: Who is there?\nTOM: Only me.\n\nANNA: Oh, Tom.\nCome in."
    )
