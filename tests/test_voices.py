from pathlib import Path

import pytest

from studio.errors import ErrorCode, StudioError
from studio.speech.voices import CATALOG, PROFILES, list_voices, parse_voice


def test_catalog_matches_the_real_model_voices(model_dir: Path) -> None:
    on_disk = {p.stem for p in (model_dir / "voices").glob("*.pt")}
    assert set(CATALOG) == on_disk
    assert len(CATALOG) == 55


def test_catalog_entries_describe_each_voice() -> None:
    heart = CATALOG["af_heart"]
    assert (heart.lang, heart.gender, heart.name, heart.grade) == ("a", "female", "Heart", "A")
    assert CATALOG["bm_george"].language == "British English"
    assert CATALOG["zm_yunxi"].gender == "male"


def test_profiles_resolve_to_catalog_voices() -> None:
    assert set(PROFILES) == {"sarah", "james", "emma", "michael", "olivia"}
    for name, voice_id in PROFILES.items():
        assert parse_voice(name).parts == ((voice_id, 1.0),)
        assert parse_voice(name.upper()).parts == ((voice_id, 1.0),)


def test_blend_weights_are_normalised() -> None:
    spec = parse_voice("af_bella:60,af_sky:40")
    assert spec.parts == (("af_bella", 0.6), ("af_sky", 0.4))
    assert spec.canonical == "af_bella:0.6,af_sky:0.4"
    assert parse_voice("af_bella,af_sky").parts == (("af_bella", 0.5), ("af_sky", 0.5))


@pytest.mark.parametrize("spec", ["xyz", "af_hart", "af_bella:60,nope:40", "", "   "])
def test_unknown_voice_lists_valid_names(spec: str) -> None:
    with pytest.raises(StudioError) as caught:
        parse_voice(spec)
    assert caught.value.code is ErrorCode.INVALID_VOICE
    assert "Available voices:" in caught.value.message
    assert "af_heart" in caught.value.message and "olivia" in caught.value.message


def test_unknown_voice_suggests_the_closest_name() -> None:
    with pytest.raises(StudioError, match="Did you mean 'af_heart'"):
        parse_voice("af_hart")


@pytest.mark.parametrize("spec", ["af_bella:-1", "af_bella:0", "af_bella:abc", "af_bella:inf"])
def test_bad_blend_weights_are_refused(spec: str) -> None:
    with pytest.raises(StudioError) as caught:
        parse_voice(spec)
    assert caught.value.code is ErrorCode.INVALID_VOICE


def test_list_voices_filters_by_language_and_sorts_best_first() -> None:
    british = list_voices("b")
    assert {v.lang for v in british} == {"b"} and len(british) == 8
    assert british[0].id == "bf_emma"
    assert list_voices("British English") == british
    assert list_voices("a")[0].id == "af_heart"
    with pytest.raises(StudioError) as caught:
        list_voices("klingon")
    assert caught.value.code is ErrorCode.INVALID_INPUT
