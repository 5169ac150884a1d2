"""The engine's own thread: an EngineWorker QObject that owns the Engine, moved to a QThread.

The GUI thread never imports torch, loads the model or synthesizes: it submits jobs and gets
signals back, which Qt queues onto the GUI thread. Jobs run one at a time, in order, except that a
``Speak`` (a preview) preempts an export: the export pauses after its current sentence, the
preview runs, and the export resumes. Cancelling sets a flag that is checked between the chunks
(sentences) of the engine's generator, and a new ``Speak`` replaces any older one that has not
finished. This is superqt's ``_qthreading`` idiom:
the worker is moved to its thread, driven by ``started`` and queued signals, deleted with
``deleteLater`` when the thread finishes, and exceptions are caught in the thread and sent back
as ``failed`` with the StudioError's code and message. This is the only module that touches QThread.
"""

from __future__ import annotations

import itertools
import logging
import sysconfig
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from studio.errors import ErrorCode, StudioError
from studio.memory import RELEASE_AFTER_IDLE_S, MemoryKeeper
from studio.ui.engine_jobs import (
    BackendChosen,
    EngineFactory,
    Export,
    LoadModel,
    ModelInfo,
    Request,
    Speak,
    SpeakProgress,
)

if TYPE_CHECKING:
    from studio.engine.speaker import SpeechEngine

log = logging.getLogger(__name__)

#: How long quitting waits for the engine's sentence under way before it leaves it behind.
QUIT_WAIT_MS = 500


@dataclass
class _Job:
    id: int
    request: Request
    cancelled: threading.Event = field(default_factory=threading.Event)


class EngineWorker(QObject):
    """Owns the engine on the engine thread and runs submitted jobs one at a time, in order.

    ``submit`` and ``cancel`` are called from the GUI thread; everything else runs on the
    worker's thread. Each job ends with exactly one ``finished`` or ``failed`` (code CANCELLED
    when cancelled or replaced).
    """

    chunk_ready = Signal(int, object)  # job id, AudioChunk (Speak)
    progress = Signal(int, object)  # job id, SpeakProgress (Speak) or a render event (Export)
    finished = Signal(int, object)  # job id, result: ModelInfo, audio seconds, or SceneDone list
    failed = Signal(int, str, str)  # job id, ErrorCode value, message for the user
    _wake = Signal()

    def __init__(self, engine_factory: EngineFactory) -> None:
        super().__init__()
        self._factory = engine_factory
        self._engine: SpeechEngine | None = None
        self._load_error: StudioError | None = None
        self._lock = threading.Lock()
        self._pending: deque[_Job] = deque()
        self._running: list[_Job] = []  # the job under way; above it, a preview pausing an export
        self._ids = itertools.count(1)
        self._memory = MemoryKeeper()
        # a studio open all afternoon keeps its size: freed memory goes back once it is idle
        self._release_timer = QTimer(
            self, singleShot=True, interval=int(RELEASE_AFTER_IDLE_S * 1000)
        )
        self._release_timer.timeout.connect(self._memory.idle)
        self._wake.connect(self._run_next)

    # --- GUI thread -------------------------------------------------------------------------

    def submit(self, request: Request) -> int:
        """Queue a request and return its job id. A Speak replaces unfinished Speaks."""
        job = _Job(next(self._ids), request)
        replaced: list[_Job] = []
        with self._lock:
            if isinstance(request, Speak):
                replaced = [j for j in self._pending if isinstance(j.request, Speak)]
                for old in replaced:
                    self._pending.remove(old)
                for running in self._running:
                    if isinstance(running.request, Speak):
                        running.cancelled.set()
            self._pending.append(job)
        for old in replaced:
            self.failed.emit(old.id, ErrorCode.CANCELLED.value, "Replaced by a newer preview.")
        self._wake.emit()
        return job.id

    def phoneme_symbols(self) -> frozenset[str] | None:
        """The loaded model's phoneme symbols (None until a model is loaded)."""
        engine = self._engine
        return engine.phoneme_symbols() if engine is not None else None

    def cancel(self, job_id: int | None = None) -> None:
        """Cancel one job, or all when ``job_id`` is None: a pending job at once, the running
        one when its current sentence is done."""
        with self._lock:
            dropped = [j for j in self._pending if job_id is None or j.id == job_id]
            for job in dropped:
                self._pending.remove(job)
            for running in self._running:
                if job_id in (None, running.id):
                    running.cancelled.set()
        for job in dropped:
            self.failed.emit(job.id, ErrorCode.CANCELLED.value, "Cancelled.")

    # --- worker thread ----------------------------------------------------------------------

    @Slot()
    def _run_next(self) -> None:
        with self._lock:
            if not self._pending:
                return
            job = self._pending.popleft()
        self._release_timer.stop()
        self._run_reporting(job)

    def _run_previews_waiting(self) -> None:
        """Between two sentences of an export: run the previews that were asked for meanwhile."""
        while True:
            with self._lock:
                job = next((j for j in self._pending if isinstance(j.request, Speak)), None)
                if job is None:
                    return
                self._pending.remove(job)
            self._run_reporting(job)

    def _run_reporting(self, job: _Job) -> None:
        """Run one job and report how it ended: exactly one ``finished`` or ``failed``."""
        with self._lock:
            self._running.append(job)
        try:
            result = self._run(job)
        except StudioError as exc:
            if exc.code is not ErrorCode.CANCELLED:  # what the user is shown is in the log too
                log.warning("%s failed: %s", type(job.request).__name__, exc.user_text())
            self.failed.emit(job.id, exc.code.value, exc.user_text())
        except Exception as exc:  # a bug: log it in full, show the user a message, not a traceback
            log.exception("Job %s (%s) failed", job.id, type(job.request).__name__)
            self.failed.emit(
                job.id,
                ErrorCode.SERVICE_ERROR.value,
                f"Something went wrong in the speech engine ({type(exc).__name__}: {exc}). "
                "Try again; if it keeps happening, restart Narration Studio.",
            )
        else:
            self.finished.emit(job.id, result)
        finally:
            with self._lock:
                self._running.remove(job)
                idle = not self._pending and not self._running
            self._memory.worked()
            if idle:
                self._release_timer.start()

    def _run(self, job: _Job) -> Any:
        request = job.request
        if isinstance(request, LoadModel):
            return self._load(job, request)
        engine = self._require_engine()
        if isinstance(request, Speak):
            return self._speak(job, engine, request)
        return self._export(job, engine, request)

    def _load(self, job: _Job, request: LoadModel) -> ModelInfo:
        self._engine, self._load_error = None, None
        started = time.perf_counter()
        try:
            engine = self._make_engine(request)
            backend = getattr(engine, "backend", None)  # a remote engine runs none here
            if backend is not None:
                self.progress.emit(job.id, BackendChosen(backend.name))
            engine.load()
            if request.warm_up and request.server is None:  # a server warms up its own model
                from studio.render.single import warm_up

                warm_up(engine)
        except StudioError as exc:
            self._load_error = exc
            raise
        self._engine = engine
        from studio.audio.meter import import_meter_in_background  # numpy: loaded by now

        import_meter_in_background()  # the first export's loudness meter, while the user reads
        if backend is None:
            return ModelInfo(time.perf_counter() - started, engine.device)
        precision = getattr(backend, "precision", "")  # torch's, decided at load
        return ModelInfo(
            time.perf_counter() - started,
            engine.device,
            f"{backend.name} {precision}".strip(),
            backend.chosen_because,
        )

    def _make_engine(self, request: LoadModel) -> SpeechEngine:
        if request.server is None:
            return self._factory(request.model_dir)
        from studio.client.remote import RemoteEngine

        return RemoteEngine(request.server, request.token)

    def _require_engine(self) -> SpeechEngine:
        if self._engine is not None:
            return self._engine
        if self._load_error is not None:
            raise self._load_error
        raise StudioError(
            ErrorCode.MODEL_NOT_FOUND,
            "The speech model is not loaded.",
            "Choose a model folder (File ▸ Choose Model Folder…).",
        )

    def _speak(self, job: _Job, engine: SpeechEngine, speak: Speak) -> float:
        total = len(speak.request.text.strip())
        done = 0
        seconds = 0.0
        chunks = engine.synthesize(speak.request)
        cache = getattr(engine, "sentence_cache", None)  # a remote engine has none
        made = cache.misses if cache is not None else 0
        made_since = time.perf_counter()
        for chunk in _until_cancelled(job, chunks):
            spent = time.perf_counter() - made_since
            done = min(total, done + len(chunk.text) + 1)
            seconds += chunk.duration
            by_model = cache is None or cache.misses > made
            made = cache.misses if cache is not None else 0
            self.chunk_ready.emit(job.id, chunk)
            progress = SpeakProgress(done, total, len(chunk.text), spent, by_model)
            self.progress.emit(job.id, progress)
            made_since = time.perf_counter()
        return seconds

    def _export(self, job: _Job, engine: SpeechEngine, request: Export) -> list[Any]:
        from studio.render.events import SceneDone
        from studio.render.export import render_project

        done = []
        render = render_project(
            request.project,
            engine,
            request.scene_ids,
            keep_going=True,
            personal=request.personal,
            settings=request.settings,
        )
        for event in _until_cancelled(job, render):
            self.progress.emit(job.id, event)
            if isinstance(event, SceneDone):
                done.append(event)
            self._run_previews_waiting()
        return done


def _until_cancelled(job: _Job, items: Iterator[Any]) -> Iterator[Any]:
    """Yield from a generator until the job is cancelled, then close it (abandoning its work)."""
    with closing(items):  # type: ignore[type-var]
        for item in items:
            if job.cancelled.is_set():
                break
            yield item
            if job.cancelled.is_set():
                break
    if job.cancelled.is_set():
        raise StudioError(ErrorCode.CANCELLED, "Cancelled.")


class EngineThread:
    """Runs an EngineWorker on its own QThread: starts it, and stops it cleanly on quit."""

    def __init__(self, worker: EngineWorker) -> None:
        # Python 3.11 fills sysconfig's variables on first use without a lock: a thread that asks
        # while another fills them can miss one ('userbase' made loguru's import, inside the
        # model load, fail). Made before any of the studio's threads runs, they are filled here.
        sysconfig.get_config_vars()
        self.worker = worker
        self._thread = QThread()
        self._thread.setObjectName("narration-studio-engine")
        self._left_running = False
        worker.moveToThread(self._thread)
        self._thread.started.connect(worker._run_next)
        self._thread.finished.connect(worker.deleteLater)
        app = QCoreApplication.instance()
        if app is not None:  # never leave the thread running at exit, however the app quits
            app.aboutToQuit.connect(self.stop)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait_ms: int = QUIT_WAIT_MS) -> bool:
        """Cancel everything and end the thread, waiting at most ``wait_ms`` for the sentence or
        model load under way. False when the thread is still busy after that: quitting must not
        hang on a download or a long sentence. The QThread then belongs to the application, so
        that it outlives this object: Qt aborts when a running QThread is destroyed."""
        if not self._thread.isRunning():
            return True
        if self._left_running:  # asked again (the app's aboutToQuit): it was waited for once
            return False
        self.worker.cancel()
        self._thread.quit()
        if self._thread.wait(wait_ms):
            return True
        self._left_running = True
        self._thread.setParent(QCoreApplication.instance())
        log.info("The engine is still busy (loading the model or a sentence); not waiting for it")
        return False

    def running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, ms: int) -> bool:
        """Wait up to ``ms`` for the thread to end after ``stop``; True once it has."""
        return self._thread.wait(ms)
