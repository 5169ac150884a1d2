"""The Python client of the TTS service, the counterpart of the seed's KokoroProvider.

Two transports behind one interface: ``TTSClient(url="http://host:11435", token=...)`` talks to
an HTTP server (``narration-studio serve --http``, see ``studio.client.http_client``); without a
url, ``TTSClient`` spawns ``python -m studio.service`` (one process, or ``pool_size`` of them), waits
for ``ready``, and sends requests matched to answers by id. Callers on many threads are safe:
synthesis requests queue for a free process. A crash fails the request in flight with
TTS_SERVICE_ERROR at once and the process is respawned on the next request, after a backoff of
0.5 s doubling to 30 s (reset by a success). A timed health ping restarts a process that does not
answer within 5 s. ``close()`` (also on ``with`` exit and at interpreter exit) asks each process to
shut down and kills it after a grace period; each process also exits when this one dies.

Errors are typed exceptions carrying the seed's codes (``studio.protocol.TTSError`` subclasses).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from studio.client.chunk_events import audio_chunk_from_event
from studio.client.payloads import ChunkEvent, SynthesisResult, file_payload, speech_payload
from studio.client.process import ServiceProcess
from studio.client.slots import ProcessSlot
from studio.protocol import (
    InvalidInputError,
    InvalidPathError,
    InvalidVoiceError,
    ModelNotFoundError,
    NotInstalledError,
    ServiceError,
    ServiceTimeoutError,
    TTSError,
    raise_for_answer,
)

if TYPE_CHECKING:
    from studio.client.http_client import HttpTransport
    from studio.engine.chunks import AudioChunk
    from studio.engine.request import SpeechRequest

__all__ = [
    "ChunkEvent",
    "InvalidInputError",
    "InvalidPathError",
    "InvalidVoiceError",
    "KokoroClient",
    "ModelNotFoundError",
    "NotInstalledError",
    "ServiceError",
    "ServiceTimeoutError",
    "SynthesisResult",
    "TTSClient",
    "TTSError",
]

log = logging.getLogger("studio.client")
#: studio.engine.source.MODEL_DIR_ENV, spelled out: importing the engine package loads numpy.
MODEL_DIR_ENV = "NARRATION_STUDIO_MODEL_DIR"


class TTSClient:
    """Talks to one or more TTS service processes. Thread-safe; close it (or use ``with``)."""

    def __init__(
        self,
        *,
        url: str | None = None,
        token: str | None = None,
        model_dir: str | os.PathLike[str] | None = None,
        audio_root: str | os.PathLike[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        pool_size: int = 1,
        command: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 30.0,
        health_interval: float | None = 30.0,
        health_deadline: float = 5.0,
        grace: float = 5.0,
        timeout_base: float = 60.0,
        timeout_per_char: float = 0.2,
        control_timeout: float = 10.0,
    ) -> None:
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self.url = url
        self._http: HttpTransport | None = None
        if url is not None:
            from studio.client.http_client import HttpTransport

            self._http = HttpTransport(url, token, control_timeout=control_timeout)
            pool_size, health_interval = 0, None  # the server keeps its own processes healthy
        self._command = [*(command or [sys.executable, "-m", "studio.service"])]
        if audio_root is not None:
            self._command += ["--audio-root", os.fspath(audio_root)]
        self._command += ["--parent-pid", str(os.getpid())]
        self._env = dict(os.environ if env is None else env)
        if model_dir is not None:
            self._env[MODEL_DIR_ENV] = os.fspath(model_dir)
        self._cwd = cwd
        self.startup_timeout = startup_timeout
        self.health_deadline = health_deadline
        self.grace = grace
        self.timeout_base = timeout_base
        self.timeout_per_char = timeout_per_char
        self.control_timeout = control_timeout
        self._slots = [ProcessSlot(i, self._spawn) for i in range(pool_size)]
        self._idle: queue.Queue[ProcessSlot] = queue.Queue()
        for slot in self._slots:
            self._idle.put(slot)
        self._closed = threading.Event()
        atexit.register(self.close)
        if health_interval:
            threading.Thread(
                target=self._health_loop, args=(health_interval,), name="tts-health", daemon=True
            ).start()

    # Lifecycle -----------------------------------------------------------------------------------

    def ensure_running(self) -> None:
        """Start every process that is not running and wait until each has loaded the model
        (over HTTP: wait until the server says it is healthy)."""
        self._check_open()
        if self._http is not None:
            self._http.wait_ready(self.startup_timeout)
            return
        for slot in self._slots:
            slot.start()
        for slot in self._slots:
            slot.running(self.startup_timeout)

    def close(self) -> None:
        """Ask each process to shut down; kill those still running after the grace period."""
        if self._closed.is_set():
            return
        self._closed.set()
        atexit.unregister(self.close)
        if self._http is not None:
            self._http.close()
        processes = [p for p in (slot.close() for slot in self._slots) if p is not None]
        for process in processes:
            process.send_shutdown()
        deadline = time.monotonic() + self.grace
        for process in processes:
            process.finish(max(deadline - time.monotonic(), 0.0))

    def __enter__(self) -> TTSClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def pids(self) -> list[int | None]:
        """The pid of each pool slot's live process (None where none runs); [] over HTTP."""
        return [
            slot.process.pid if slot.process is not None and slot.process.alive else None
            for slot in self._slots
        ]

    # Requests ------------------------------------------------------------------------------------

    def synthesize(
        self,
        text: str,
        voice_id: str,
        output_path: str | os.PathLike[str],
        *,
        speed: float | None = None,
        on_chunk: Callable[[ChunkEvent], None] | None = None,
        timeout: float | None = None,
    ) -> SynthesisResult:
        """Speak ``text`` into the MP3 ``output_path`` (inside the service's audio root).

        ``on_chunk`` streams: it is called (on a reader thread; keep it quick) as each sentence is
        ready. ``timeout`` defaults to ``request_timeout(text)``.
        """
        payload = file_payload(text, voice_id, output_path, speed, stream=on_chunk is not None)
        chunks: list[ChunkEvent] = []

        def on_event(event: dict[str, Any]) -> None:
            chunk = ChunkEvent(int(event["index"]), float(event["start"]), float(event["duration"]))
            chunks.append(chunk)
            if on_chunk is not None:
                on_chunk(chunk)

        answer = self.synthesis_request(
            payload, self.request_timeout(text) if timeout is None else timeout, on_event
        )
        return SynthesisResult(
            float(answer["duration"]),
            str(answer["filePath"]),
            int(answer["fileSize"]),
            tuple(chunks),
        )

    def stream(
        self, request: SpeechRequest, *, timeout: float | None = None
    ) -> Iterator[AudioChunk]:
        """Speak the request into memory: yield an engine ``AudioChunk`` (24 kHz float32
        samples, its text and word timings) per sentence as it is ready; no file is written.

        The request runs on a helper thread; stop iterating to stop listening (the service still
        finishes the sentences it has started). Errors are raised where the iteration is.
        """
        payload = speech_payload(request)
        deadline = self.request_timeout(request.text) if timeout is None else timeout
        items: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def on_event(event: dict[str, Any]) -> None:
            if not stop.is_set():
                items.put(audio_chunk_from_event(event))

        def run() -> None:
            try:
                items.put(_Done(self.synthesis_request(payload, deadline, on_event)))
            except BaseException as exc:
                items.put(_Done(None, exc))

        threading.Thread(target=run, name="tts-stream", daemon=True).start()
        try:
            while not isinstance(item := items.get(), _Done):
                yield item
            if item.error is not None:
                raise item.error
        finally:
            stop.set()

    def server_identity(self, voice_id: str) -> str:
        """What the render cache keys on for ``voice_id`` on an HTTP server's model (its render
        version, backend, weights and voice files). HTTP only (an extension)."""
        if self._http is None:
            raise ServiceError(
                "Only an HTTP server reports its model identity.", "Pass url= to TTSClient."
            )
        return self._http.identity(voice_id)

    def server_phoneme_symbols(self) -> frozenset[str]:
        """The phoneme symbols of an HTTP server's model, for checking lexicon entries. HTTP only
        (an extension)."""
        if self._http is None:
            raise ServiceError(
                "Only an HTTP server reports its phoneme symbols.", "Pass url= to TTSClient."
            )
        return self._http.phoneme_symbols()

    def request_timeout(self, text: object) -> float:
        """Seconds to wait for a synthesis: a base plus a share per character."""
        length = len(text) if isinstance(text, str) else 0
        return self.timeout_base + self.timeout_per_char * length

    def ping(self) -> list[dict[str, Any]]:
        """The seed's health answer from each process (starting any that are not running);
        over HTTP, the server's one answer."""
        if self._http is not None:
            return [self._http.health()]
        return [
            self._control(slot, {"action": "ping"}, self.health_deadline) for slot in self._slots
        ]

    def metrics(self) -> list[dict[str, Any]]:
        """Each process's metrics: uptime, requests cold and warm, mean time, errors, memory."""
        if self._http is not None:
            return self._http.worker_metrics()
        return [
            self._control(slot, {"action": "metrics"}, self.control_timeout) for slot in self._slots
        ]

    def voices(self, lang: str | None = None) -> dict[str, Any]:
        """The voice catalogue and profiles, optionally for one language."""
        payload: dict[str, Any] = {"action": "voices"}
        if lang is not None:
            payload["lang"] = lang
        if self._http is not None:
            return self._http.voices(lang)
        return self._control(self._slots[0], payload, self.control_timeout)

    def check_health(self) -> int:
        """Ping every ready process; restart those that miss the deadline. Returns how many.
        (An HTTP server restarts its own processes: nothing to do here.)"""
        restarted = 0
        for slot in self._slots:
            process = slot.process
            if process is None or process.state != "ready":
                continue
            try:
                process.request({"action": "ping"}, self.health_deadline)
            except ServiceError:
                continue  # it died meanwhile: the crash handler has it
            except ServiceTimeoutError:
                slot.restart(
                    process, f"it did not answer a health ping within {self.health_deadline:g} s"
                )
                restarted += 1
                try:
                    slot.running(self.startup_timeout)
                except TTSError as exc:
                    log.warning("The TTS service could not be restarted: %s", exc.user_text())
        return restarted

    # Internals -----------------------------------------------------------------------------------

    def _spawn(self, on_crash: Callable[[ServiceProcess], None]) -> ServiceProcess:
        return ServiceProcess(self._command, self._cwd, self._env, on_crash)

    def _check_open(self) -> None:
        if self._closed.is_set():
            raise ServiceError("The TTS client is closed.", "Create a new client.")

    def _take_slot(self, deadline: float) -> ProcessSlot:
        while True:
            self._check_open()
            left = deadline - time.monotonic()
            if left <= 0:
                raise busy_until_the_deadline()
            try:
                return self._idle.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue

    def synthesis_request(
        self, payload: dict[str, Any], timeout: float, on_event: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Send one synthesize request as the protocol's JSON object; ``on_event`` gets each
        stream event (a dict) on a reader thread. Returns the successful answer, else raises its
        typed error. ``timeout`` covers the wait for a free process and the synthesis; past it,
        a process that was working on the request is restarted."""
        if self._http is not None:
            return self._http.synthesize(payload, timeout, on_event)
        deadline = time.monotonic() + timeout
        slot = self._take_slot(deadline)
        try:
            process = slot.running(self.startup_timeout)
            try:
                answer = process.request(payload, max(deadline - time.monotonic(), 0.0), on_event)
            except ServiceTimeoutError:
                slot.restart(process, "a request timed out")
                raise
            slot.succeeded()
        finally:
            self._idle.put(slot)
        return raise_for_answer(answer)

    def _control(
        self, slot: ProcessSlot, payload: dict[str, Any], timeout: float
    ) -> dict[str, Any]:
        self._check_open()
        process = slot.running(self.startup_timeout)
        return raise_for_answer(process.request(payload, timeout))

    def _health_loop(self, interval: float) -> None:
        while not self._closed.wait(interval):
            try:
                self.check_health()
            except Exception:
                log.exception("The TTS health check failed")


def busy_until_the_deadline() -> ServiceTimeoutError:
    """The answer to a request that waited for a process until its deadline."""
    return ServiceTimeoutError(
        "Voice generation timed out: every TTS process stayed busy until the request's deadline.",
        "Try again when fewer requests are waiting, or give a longer timeout.",
    )


@dataclass(frozen=True)
class _Done:
    answer: dict[str, Any] | None
    error: BaseException | None = None


#: The seed calls its client KokoroProvider; this is the same thing in Python.
KokoroClient = TTSClient
