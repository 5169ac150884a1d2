"""The phonemizer's own chunking and word timings against kokoro's KPipeline, which it replaces so
that phonemizing needs no torch."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from studio.engine.g2p import MAX_PHONEMES, Phonemizer, _model_sized, word_timings
from studio.errors import ErrorCode, StudioError
from tests.conftest import python_json

pytestmark = pytest.mark.model

TEXTS = [
    "The first sentence is short.",
    "Dr. Smith paid $5.50 for 3 apples (organic) — really? Yes: “quite” so, she said.",
    ", ".join(["the river ran past the old mill and the quiet houses by the bridge"] * 12) + ".",
    "; ".join(["a long list of clauses follows here without any full stop at all"] * 10),
    " ".join(["word"] * 300),
]


@pytest.fixture(scope="module")
def phonemizer(model_dir: Path) -> Phonemizer:
    return Phonemizer("a", allow_downloads=False)


@pytest.fixture(scope="module")
def pipeline(model_dir: Path) -> object:
    from kokoro import KPipeline

    return KPipeline(lang_code="a", repo_id="hexgrad/Kokoro-82M", model=False)


@pytest.mark.parametrize("text", TEXTS)
def test_chunks_match_kokoros_en_tokenize(
    phonemizer: Phonemizer, pipeline: object, text: str
) -> None:
    _, tokens = phonemizer._g2p(text)
    theirs = [(gs, ps) for gs, ps, _ in pipeline.en_tokenize(tokens)]  # type: ignore[attr-defined]
    _, tokens = phonemizer._g2p(text)
    ours = [(c.text, c.phonemes) for c in phonemizer.chunks(text)]
    assert ours == [(gs, ps) for gs, ps in theirs if ps]
    assert all(len(ps) <= MAX_PHONEMES for _, ps in ours)
    assert len(list(_model_sized(tokens))) == len(theirs)


@pytest.mark.parametrize("text", TEXTS[:3])
def test_word_timings_match_kokoros_join_timestamps(
    phonemizer: Phonemizer, pipeline: object, text: str
) -> None:
    import torch

    rng = random.Random(text)
    for chunk in phonemizer.chunks(text):
        durations = np.array([rng.randint(1, 12) for _ in range(len(chunk.phonemes) + 2)])
        ours = word_timings(chunk.tokens or [], durations)
        pipeline.join_timestamps(chunk.tokens, torch.from_numpy(durations))  # type: ignore[attr-defined]
        theirs = [
            (t.text, t.start_ts, t.end_ts)
            for t in chunk.tokens or []
            if t.start_ts is not None and t.end_ts is not None
        ]
        assert ours == theirs
        assert ours and all(end > start for _, start, end in ours)


def test_the_espeak_fallback_is_made_when_a_rare_word_first_needs_it() -> None:
    # It costs 0.3 s of imports, so a start-up does not pay for it; the rare word still speaks.
    code = """
import json, sys
from studio.engine.g2p import Phonemizer
phonemizer = Phonemizer("a", allow_downloads=False)
deferred = "phonemizer" not in sys.modules
chunks = list(phonemizer.chunks("Vrendhal smiled."))
print(json.dumps({"deferred": deferred, "phonemes": [c.phonemes for c in chunks],
                  "made": "phonemizer" in sys.modules}))
"""
    result = python_json(code)
    assert result["deferred"] and result["made"]
    [phonemes] = result["phonemes"]
    assert phonemes.endswith("smˈIld.") and len(phonemes) > len("smˈIld.") + 4


def test_a_rare_word_without_espeak_fails_by_name_instead_of_vanishing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from misaki import espeak

    def missing_library(*args: object, **kwargs: object) -> None:
        raise OSError("libespeak-ng.so.1: cannot open shared object file")

    # A fault the venv cannot produce: espeak-ng's library missing from the user's system.
    monkeypatch.setattr(espeak, "EspeakFallback", missing_library)
    phonemizer = Phonemizer("a", allow_downloads=False)
    assert [c.phonemes for c in phonemizer.chunks("She smiled.")] == ["ʃˌi smˈIld."]
    with pytest.raises(StudioError, match="Cannot pronounce: 'Vrendhal'") as caught:
        list(phonemizer.chunks("Vrendhal smiled."))
    assert caught.value.code is ErrorCode.INVALID_INPUT
