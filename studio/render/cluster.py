"""Render on a Ray cluster: workers voice scenes in parallel, this machine writes the files.

Each worker is a Ray actor that loads the model once and voices whole scenes; the render loop
(``studio.render.export.render_project``) stays here and makes the keys, files and manifest
exactly as a local render does, taking each scene's chunks from ``ClusterVoicer`` instead of the
local engine.
Scenes go to workers as they free up; a worker that dies mid-scene has its scene voiced again on
another (a replacement is started), and leaving the ``cluster_voicer`` block, on Ctrl-C too, ends
the workers and the connection (and a ``local:N`` cluster with it).

Ray is an optional extra (``pip install 'narration-studio[cluster]'``): nothing else imports it.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import warnings
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from studio.engine.chunks import AudioChunk
from studio.engine.speaker import SpeechEngine
from studio.errors import ErrorCode, StudioError
from studio.render.voicer import SceneJob

log = logging.getLogger(__name__)

INSTALL_HINT = "Install it with: pip install 'narration-studio[cluster]'"
#: Tries per scene before it fails: a scene that kills every worker it lands on is the scene's.
MAX_ATTEMPTS = 3
LOCAL_PREFIX = "local:"


def import_ray() -> Any:
    """The ``ray`` module, or TTS_NOT_INSTALLED saying how to install it."""
    try:
        import ray
    except ImportError as exc:
        bundled = getattr(sys, "frozen", False)  # the desktop installer leaves the extra out
        raise StudioError(
            ErrorCode.NOT_INSTALLED,
            f"Rendering on a cluster needs Ray, which is not installed ({exc}).",
            (
                "The desktop installer has no Ray: install Narration Studio from PyPI instead. "
                if bundled
                else ""
            )
            + INSTALL_HINT,
        ) from exc
    return ray


def local_workers(address: str) -> int | None:
    """N for ``local:N`` (a cluster started here), None for a Ray address; bad N is an error."""
    if not address.startswith(LOCAL_PREFIX):
        return None
    count = address[len(LOCAL_PREFIX) :]
    if not count.isdigit() or int(count) < 1:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"'{address}' is not a local cluster size.",
            "Write local:N with N workers, e.g. local:4.",
        )
    return int(count)


@contextmanager
def connected(address: str) -> Iterator[int]:
    """Connected to the Ray cluster at ``address`` for the block (``local:N`` starts one here
    and stops it after); yields how many CPUs the cluster has."""
    if not address.strip():
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            "The cluster address is empty.",
            "Give ray://host:10001, auto or local:N.",
        )
    workers = local_workers(address)
    ray = import_ray()
    # Ray's own notices (token authentication…) only with --verbose; workers' logs stay theirs.
    quiet = logging.WARNING if log.isEnabledFor(logging.INFO) else logging.ERROR
    options: dict[str, Any] = {"log_to_driver": False, "logging_level": quiet}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Ray Client's timeout: said below
            if workers is not None:
                # a modest object store: scenes' audio passes through it, a few MB each
                ray.init(
                    num_cpus=workers,
                    include_dashboard=False,
                    object_store_memory=512 * 1024 * 1024,
                    **options,
                )
            else:
                ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        raise StudioError(
            ErrorCode.SERVICE_ERROR,
            f"Could not connect to the Ray cluster at {address} ({exc}).",
            "Start it with 'ray start --head' (docs: http.md, Ray cluster), check the address, or use local:N.",
        ) from exc
    try:
        yield int(ray.cluster_resources().get("CPU", 1))
    finally:
        ray.shutdown()


@contextmanager
def cluster_voicer(
    address: str, engine: SpeechEngine, engine_options: dict[str, Any], workers: int | None = None
) -> Iterator[ClusterVoicer]:
    """A ``ClusterVoicer`` on the cluster at ``address`` with ``workers`` workers (default: one
    per CPU, ``N`` for ``local:N``); its workers and the connection end with the block."""
    with connected(address) as cpus:
        voicer = ClusterVoicer(engine, engine_options, workers or cpus)
        try:
            yield voicer
        finally:
            voicer.close()


@dataclass(frozen=True)
class Voiced:
    """What a worker sends back for a scene: its chunks, or the StudioError as data."""

    chunks: tuple[AudioChunk, ...]
    identity: str  # the worker's engine.identity(voice): its model files, for the cache key
    worker: str  # host:pid
    error: tuple[str, str, str] | None = None  # code, message, hint


class SceneWorker:
    """A Ray actor (``ray.remote`` wraps it): loads the engine once, then voices whole scenes."""

    def __init__(self, engine_options: dict[str, Any], threads: int) -> None:
        self._engine: Any = None
        self._error: StudioError | None = None
        _limit_threads(threads)
        try:
            from studio.engine.configure import configured_engine

            engine = configured_engine(**engine_options)
            engine.load()
            self._engine = engine
        except StudioError as exc:
            self._error = exc  # said with each scene, as a local render would

    def name(self) -> str:
        """host:pid; answers once the model is loaded."""
        return f"{socket.gethostname()}:{os.getpid()}"

    def voice(self, job: SceneJob) -> Voiced:
        try:
            if self._error is not None:
                raise self._error
            chunks = self._engine.synthesize(job.request)
            return Voiced(tuple(chunks), self._engine.identity(job.request.voice), self.name())
        except StudioError as exc:
            return Voiced((), "", self.name(), (exc.code.value, exc.message, exc.hint))


def _limit_threads(threads: int) -> None:
    """Torch uses every core by default: workers sharing a machine each get their share."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(threads)


class ClusterVoicer:
    """A ``studio.render.voicer.SceneVoicer`` whose scenes are voiced by workers on a Ray cluster.

    ``start`` queues the render's scenes and starts up to ``size`` workers (never more than
    scenes); ``chunks`` waits for a scene's result, giving queued scenes to workers as they free
    up. A worker gets scenes only once it has loaded the model, so a worker that waits for a CPU
    (or cannot start) holds no scene back. Use it inside ``connected`` (or an existing
    ``ray.init``).
    """

    def __init__(
        self,
        engine: SpeechEngine,
        engine_options: dict[str, Any],
        size: int,
        threads: int = 1,
    ) -> None:
        self._ray = import_ray()
        self._engine = engine
        self._options = dict(engine_options)
        self._threads = threads
        self.size = max(1, size)
        self._worker_class = self._ray.remote(num_cpus=threads, max_restarts=0)(SceneWorker)
        self._workers: list[Any] = []  # alive: starting, idle or voicing
        self._starting: dict[Any, Any] = {}  # its name() ref -> worker loading the model
        self._idle: list[Any] = []
        self._pending: deque[SceneJob] = deque()
        self._running: dict[Any, tuple[Any, SceneJob]] = {}  # result ref -> (worker, job)
        self._results: dict[str, Voiced] = {}
        self._attempts: Counter[str] = Counter()
        self._failed_starts = 0
        self.deaths = 0  # workers lost mid-scene
        self.voiced_by: dict[str, str] = {}  # scene id -> worker (host:pid)

    def start(self, jobs: Iterable[SceneJob]) -> None:
        self._pending.extend(jobs)
        self._grow()
        self._dispatch()

    def ready(self) -> list[str]:
        """Start all ``size`` workers now and wait until each has loaded the model; their names."""
        while len(self._workers) < self.size:
            self._add_worker()
        while self._starting:
            self._collect()
        return list(self._ray.get([worker.name.remote() for worker in self._workers]))

    def in_flight(self) -> dict[str, Any]:
        """Scene id -> the worker (actor handle) voicing it now."""
        return {job.scene_id: worker for worker, job in self._running.values()}

    def chunks(self, job: SceneJob) -> Iterator[AudioChunk]:
        queued = {j.scene_id for j in self._pending} | set(self.in_flight())
        if job.scene_id not in self._results and job.scene_id not in queued:
            self.start([job])  # not announced to start: voice it now
        while job.scene_id not in self._results:
            self._collect()
        voiced = self._results.pop(job.scene_id)
        if voiced.error is not None:
            code, message, hint = voiced.error
            raise StudioError(ErrorCode(code), message, hint)
        if voiced.identity != self._engine.identity(job.request.voice):
            raise StudioError(
                ErrorCode.SERVICE_ERROR,
                f"The worker {voiced.worker} has other model files than this machine, so its "
                "audio would not match the render cache.",
                "Give every node of the cluster the same model folder and Narration Studio "
                "version as this one.",
            )
        self.voiced_by[job.scene_id] = voiced.worker
        yield from voiced.chunks

    def close(self) -> None:
        """End every worker (scenes in progress are dropped)."""
        for worker in self._workers:
            self._ray.kill(worker)
        self._workers.clear()
        self._starting.clear()
        self._idle.clear()
        self._running.clear()
        self._pending.clear()

    def _grow(self) -> None:
        """Workers for the scenes waiting or being voiced, up to ``size``; none once workers
        have failed to start ``MAX_ATTEMPTS`` times (the cluster cannot run them)."""
        wanted = min(self.size, len(self._pending) + len(self._running))
        while len(self._workers) < wanted and self._failed_starts < MAX_ATTEMPTS:
            self._add_worker()

    def _add_worker(self) -> None:
        worker = self._worker_class.remote(self._options, self._threads)
        self._workers.append(worker)
        self._starting[worker.name.remote()] = worker

    def _dispatch(self) -> None:
        while self._idle and self._pending:
            worker, job = self._idle.pop(0), self._pending.popleft()
            self._running[worker.voice.remote(job)] = (worker, job)

    def _collect(self) -> None:
        """Wait for the next worker to be ready or the next scene to finish, and keep the
        workers busy."""
        if not self._running and not self._starting:
            self._grow()  # every worker died
        waiting = [*self._running, *self._starting]
        if not waiting:  # no worker could start: the scenes waiting fail
            for job in self._pending:
                self._results[job.scene_id] = _failed("No worker could start on the cluster.")
            self._pending.clear()
            return
        ready, _ = self._ray.wait(waiting, num_returns=1)
        if ready[0] in self._starting:
            self._started(ready[0])
        else:
            self._finished(ready[0])
        self._dispatch()

    def _started(self, ref: Any) -> None:
        worker = self._starting.pop(ref)
        try:
            self._ray.get(ref)
        except self._ray.exceptions.RayError as exc:
            log.warning("A worker could not start on the cluster: %s", exc)
            self._workers.remove(worker)
            self._failed_starts += 1
            self._grow()
        else:
            self._idle.append(worker)

    def _finished(self, ref: Any) -> None:
        worker, job = self._running.pop(ref)
        try:
            self._results[job.scene_id] = self._ray.get(ref)
            self._idle.append(worker)
        except self._ray.exceptions.RayActorError as exc:
            self._lost(worker, job, exc)
        except self._ray.exceptions.RayError as exc:  # not the scene's error: a fault in the worker
            self._idle.append(worker)
            self._results[job.scene_id] = _failed(f"The worker failed on this scene ({exc}).")

    def _lost(self, worker: Any, job: SceneJob, exc: Exception) -> None:
        """A worker died: its scene goes back to the front of the queue, on a new worker."""
        self.deaths += 1
        self._workers.remove(worker)
        self._attempts[job.scene_id] += 1
        if self._attempts[job.scene_id] >= MAX_ATTEMPTS:
            self._results[job.scene_id] = _failed(
                f"{MAX_ATTEMPTS} workers died voicing this scene (last: {exc})."
            )
        else:
            log.warning("A worker died voicing scene %s; voicing it again", job.scene_id)
            self._pending.appendleft(job)
        self._grow()


def _failed(message: str) -> Voiced:
    hint = "See 'ray status' and the workers' logs (memory, crashes) on the cluster."
    return Voiced((), "", "", (ErrorCode.SERVICE_ERROR.value, message, hint))
