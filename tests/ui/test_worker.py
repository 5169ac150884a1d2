"""The engine worker on its own QThread, with the real engine: order, cancel, replace, errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from studio.engine.request import SpeechRequest
from studio.engine.sentence_cache import SentenceCache
from studio.errors import ErrorCode
from studio.project.model import Project, Scene
from studio.render.events import SceneProgress, ScenesChecked
from studio.ui.engine_jobs import BackendChosen, Export, LoadModel, Speak, default_engine_factory
from studio.ui.worker import EngineThread, EngineWorker

FIVE_SENTENCES = (
    "The first sentence is short. The second one follows it. Then comes a third. "
    "A fourth is here. And the fifth ends it."
)


class Events:
    """Everything a worker reported, in order, and on which thread it was emitted."""

    def __init__(self, worker: EngineWorker) -> None:
        self.log: list[tuple[str, int, Any]] = []
        self.threads: set[bool] = set()  # True where an emission came from the GUI thread
        worker.chunk_ready.connect(lambda job, chunk: self._add("chunk", job, chunk))
        worker.finished.connect(lambda job, result: self._add("finished", job, result))
        worker.failed.connect(lambda job, code, message: self._add("failed", job, (code, message)))
        worker.progress.connect(lambda job, event: self._add("progress", job, event))
        worker.chunk_ready.connect(self._note_thread, Qt.ConnectionType.DirectConnection)

    def _add(self, kind: str, job: int, payload: Any) -> None:
        self.log.append((kind, job, payload))

    def _note_thread(self, *_args: Any) -> None:
        self.threads.add(threading.current_thread() is threading.main_thread())

    def of(self, job: int, kind: str | None = None) -> list[Any]:
        return [p for k, j, p in self.log if j == job and (kind is None or k == kind)]

    def ended(self, job: int) -> bool:
        return any(k in ("finished", "failed") and j == job for k, j, _ in self.log)


@pytest.fixture
def worker(qtbot: Any, engine: Any) -> Iterator[EngineWorker]:
    worker = EngineWorker(lambda _folder: engine)
    thread = EngineThread(worker)
    thread.start()
    worker.submit(LoadModel(None))
    yield worker
    if not thread.stop():  # a sentence was under way: the next test shares the engine
        assert thread.wait(120_000)


def test_jobs_run_in_order_off_the_gui_thread(qtbot: Any, worker: EngineWorker) -> None:
    events = Events(worker)
    load = worker.submit(LoadModel(None))  # again: loading an engine twice is a no-op
    speak = worker.submit(Speak(SpeechRequest("Hello there. This is the worker.", "af_heart")))
    qtbot.waitUntil(lambda: events.ended(speak), timeout=120_000)

    assert [k for k, j, _ in events.log if j == load] == ["progress", "finished"]
    assert events.of(load, "progress") == [BackendChosen("torch")]  # said before loading
    order = [(k, j) for k, j, _ in events.log]
    assert order.index(("finished", load)) < order.index(("chunk", speak))
    chunks = events.of(speak, "chunk")
    assert [c.text for c in chunks] == ["Hello there.", "This is the worker."]
    assert events.of(speak, "finished") == [pytest.approx(sum(c.duration for c in chunks))]
    assert events.threads == {False}, "synthesis must never run on the GUI thread"


def test_cancel_takes_effect_at_the_next_sentence(qtbot: Any, worker: EngineWorker) -> None:
    events = Events(worker)
    worker.chunk_ready.connect(lambda job, _chunk: worker.cancel(job))
    job = worker.submit(Speak(SpeechRequest(FIVE_SENTENCES, "af_heart")))
    qtbot.waitUntil(lambda: events.ended(job), timeout=120_000)

    assert events.of(job, "failed") == [(ErrorCode.CANCELLED.value, "Cancelled.")]
    assert events.of(job, "finished") == []
    assert 1 <= len(events.of(job, "chunk")) <= 2  # the sentence under way may still arrive


def test_a_new_preview_replaces_an_older_one(qtbot: Any, worker: EngineWorker) -> None:
    events = Events(worker)
    running = worker.submit(Speak(SpeechRequest(FIVE_SENTENCES, "af_heart")))
    qtbot.waitUntil(lambda: bool(events.of(running, "chunk")), timeout=120_000)
    pending = worker.submit(Speak(SpeechRequest("This one never plays.", "af_heart")))
    latest = worker.submit(Speak(SpeechRequest("The latest request wins.", "am_michael")))
    # The replaced job's ``failed`` is emitted on this thread, but a plain function connected to
    # a worker living on the engine thread is queued there: it may arrive after ``latest`` ends.
    qtbot.waitUntil(lambda: events.ended(latest) and events.ended(pending), timeout=120_000)

    assert events.of(pending) == [(ErrorCode.CANCELLED.value, "Replaced by a newer preview.")]
    assert events.of(running, "failed") == [(ErrorCode.CANCELLED.value, "Cancelled.")]
    assert len(events.of(running, "chunk")) < 5
    assert [c.text for c in events.of(latest, "chunk")] == ["The latest request wins."]


def test_errors_arrive_as_the_user_message_not_a_traceback(
    qtbot: Any, worker: EngineWorker, tmp_path: Path
) -> None:
    events = Events(worker)
    bad_voice = worker.submit(Speak(SpeechRequest("Hello.", "nobody")))
    project = Project.create(tmp_path / "p", "P", [Scene(text="  ", title="Blank")])
    bad_scene = worker.submit(Export(project))
    qtbot.waitUntil(lambda: events.ended(bad_scene), timeout=60_000)

    [(code, message)] = events.of(bad_voice)
    assert code == ErrorCode.INVALID_VOICE.value
    assert "Voice 'nobody' not found" in message and "Traceback" not in message
    # A scene that cannot be voiced fails alone, and is named before anything is rendered.
    assert events.of(bad_scene, "finished") == [[]]
    [checked] = [e for e in events.of(bad_scene, "progress") if isinstance(e, ScenesChecked)]
    [failure] = checked.failing
    assert failure.error.code is ErrorCode.INVALID_INPUT
    assert failure.error.user_text().startswith("Scene 1 'Blank': Text is empty.")


def test_a_failed_model_load_explains_every_later_request(qtbot: Any, tmp_path: Path) -> None:
    worker = EngineWorker(default_engine_factory)
    thread = EngineThread(worker)
    thread.start()
    events = Events(worker)
    load = worker.submit(LoadModel(str(tmp_path / "no-model")))
    speak = worker.submit(Speak(SpeechRequest("Hello.", "af_heart")))
    qtbot.waitUntil(lambda: events.ended(speak), timeout=60_000)
    thread.stop()

    [(code, message)] = events.of(load, "failed")
    assert code == ErrorCode.MODEL_NOT_FOUND.value and "does not exist" in message
    assert events.of(speak) == events.of(load, "failed")


def test_a_preview_preempts_an_export_between_two_sentences(
    qtbot: Any, worker: EngineWorker, tmp_path: Path
) -> None:
    events = Events(worker)
    scenes = [Scene(text=FIVE_SENTENCES, title=f"Part {n}") for n in range(1, 4)]
    project = Project.create(tmp_path / "p", "P", scenes)
    export = worker.submit(Export(project))
    qtbot.waitUntil(
        lambda: any(isinstance(e, SceneProgress) for e in events.of(export, "progress")),
        timeout=120_000,
    )
    asked_at = len(events.log)
    speak = worker.submit(Speak(SpeechRequest("Hear this now.", "am_michael")))
    qtbot.waitUntil(lambda: events.ended(export), timeout=300_000)

    order = [(kind, job) for kind, job, _ in events.log]
    heard_at = order.index(("finished", speak))
    meanwhile = [o for o in order[asked_at:heard_at] if o[1] == export]
    # The export paused after the sentence under way (and what was already on its way to the
    # GUI): nowhere near its remaining thirteen sentences.
    assert len(meanwhile) <= 3, meanwhile
    assert [c.text for c in events.of(speak, "chunk")] == ["Hear this now."]
    # Then it resumed and finished every scene.
    [done] = events.of(export, "finished")
    assert [d.scene.title for d in done] == ["Part 1", "Part 2", "Part 3"]
    assert any(j == export for _, j in order[heard_at:])


def test_a_preview_again_or_after_an_edit_makes_only_the_new_sentence(
    qtbot: Any, worker: EngineWorker, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Previews share the engine's sentence cache: each chunk's progress says whether the model
    made it, so the Listener learns the machine's pace from made sentences only."""
    monkeypatch.setattr(engine, "sentence_cache", SentenceCache())
    events = Events(worker)
    made = []
    for text in (
        "The lamp was lit at dusk. A dog barked twice.",
        "The lamp was lit at dusk. A dog barked twice.",
        "The lamp was lit at dusk. A cat slept on the wall.",
    ):
        job = worker.submit(Speak(SpeechRequest(text, "af_heart")))
        qtbot.waitUntil(lambda job=job: events.ended(job), timeout=120_000)
        assert events.of(job, "finished")
        made.append([p.made_by_model for p in events.of(job, "progress")])
    assert made == [[True, True], [False, False], [False, True]]
