"""Nothing is synthesized twice: the engine's sentence cache, on the real model.

Model calls are counted with a thin wrapper around the real backend's ``infer``; each test gets
an empty cache of its own on the session's engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from studio.engine import Engine, SpeechRequest
from studio.engine.sentence_cache import SentenceCache, max_bytes_from
from studio.errors import StudioError
from studio.project.model import Project, Scene
from studio.render.events import SceneDone
from studio.render.export import render_project

TEXT = "The harbor was quiet at dawn. Gulls circled over the boats. A bell rang twice."
EDITED = "The harbor was quiet at dawn. A heron stood in the reeds. A bell rang twice."
VOICE = "af_heart"


@pytest.fixture
def model_calls(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The phonemes of every piece the model is asked to voice, with a fresh sentence cache."""
    monkeypatch.setattr(engine, "sentence_cache", SentenceCache())
    calls: list[str] = []
    infer = engine.backend.infer

    def counted(phonemes: str, style: np.ndarray, speed: float) -> Any:
        calls.append(phonemes)
        return infer(phonemes, style, speed)

    monkeypatch.setattr(engine.backend, "infer", counted)
    yield calls


def _project(folder: Path, text: str) -> Project:
    scene = Scene(text, "Harbor")
    scene.voice = VOICE
    return Project.create(folder, "Harbor", [scene])


def _export(project: Project, engine: Engine) -> SceneDone:
    done = [e for e in render_project(project, engine) if isinstance(e, SceneDone)]
    assert [e.status for e in done] == ["rendered"]
    return done[0]


def test_an_export_after_a_preview_makes_nothing_again(
    tmp_path: Path, engine: Engine, model_calls: list[str]
) -> None:
    project = _project(tmp_path / "harbor", TEXT)
    heard = list(engine.synthesize(SpeechRequest(TEXT, VOICE)))  # what the studio's preview runs
    assert len(model_calls) == len(heard) == 3

    model_calls.clear()
    again = list(engine.synthesize(SpeechRequest(TEXT, VOICE)))
    _export(project, engine)
    assert model_calls == []
    for first, second in zip(heard, again, strict=True):  # reused exactly, word timings too
        assert np.array_equal(first.audio, second.audio)
        assert first.words == second.words and first.words


def test_editing_one_sentence_remakes_that_sentence_only(
    tmp_path: Path, engine: Engine, model_calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path / "harbor", TEXT)
    _export(project, engine)
    assert len(model_calls) == 3
    before = list(model_calls)

    model_calls.clear()
    project.scenes[0].text = EDITED
    project.save()
    edited = _export(project, engine)
    assert len(model_calls) == 1
    assert model_calls[0] not in before  # the new sentence

    # The same scene rendered by an engine that keeps nothing is the same file, sample for sample.
    monkeypatch.setattr(engine, "sentence_cache", SentenceCache(0))
    model_calls.clear()
    fresh = _export(_project(tmp_path / "fresh", EDITED), engine)
    assert len(model_calls) == 3
    cached_audio, _ = soundfile.read(edited.file, dtype="float32")
    fresh_audio, _ = soundfile.read(fresh.file, dtype="float32")
    assert np.array_equal(cached_audio, fresh_audio)


def test_the_cache_keeps_to_its_size_dropping_the_least_recently_used() -> None:
    cache = SentenceCache(max_bytes=3 * 4000)
    second = np.ones(1000, dtype=np.float32)
    for name in ("a", "b", "c"):
        cache.put(name, second * len(name), None)
    assert cache.get("a") is not None  # now the most recently used
    cache.put("d", second, np.arange(4))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("d") is not None
    assert cache.nbytes <= cache.max_bytes
    found = cache.get("a")
    assert found is not None
    found[0][:] = 0  # a caller changing its copy changes nothing kept
    kept = cache.get("a")
    assert kept is not None and kept[0].max() == 1.0
    off = SentenceCache(0)
    off.put("a", second, None)
    assert len(off) == 0


def test_its_size_is_set_in_megabytes_or_refused_clearly() -> None:
    assert max_bytes_from("64") == 64 * 1024 * 1024
    assert max_bytes_from("0") == 0
    assert max_bytes_from(None, default=32) == 32, "unset: the face's own default"
    assert max_bytes_from("8", default=32) == 8 * 1024 * 1024, "set: the user's choice wins"
    with pytest.raises(StudioError, match="not a size in megabytes"):
        max_bytes_from("lots")
