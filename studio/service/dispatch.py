"""Between the HTTP server's async handlers and its pool of service processes.

The workers are the stdio service's processes in a ``TTSClient`` pool (one model each, crash
isolation, respawn with backoff, health pings). This module adds what HTTP needs on top: the
model's loading state, a queue in front of the workers, each request's deadline (kept while it
waits: past it, 504), and stream events handed from the client's reader threads to the event
loop in order. Both routers (``http``'s and ``openai_api``'s) read a request's JSON body and its
deadline (``X-Request-Timeout``) with the helpers at the end.

The queue is sized by what a waiting request costs, not by the number of workers: it waits on
the event loop, not on a thread, holding only its body (at most about 20 KB of text) and its
connection. So a room of clients (apps on one desktop, a reader prefetching paragraphs) simply
waits its turn; only beyond ``protocol.DEFAULT_QUEUE`` waiting requests does admission fail
fast, with 429 and a Retry-After estimate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread

from studio.client.client import TTSClient, busy_until_the_deadline
from studio.errors import ErrorCode, StudioError
from studio.protocol import DEFAULT_QUEUE, ServiceError, TTSError
from studio.service.http_metrics import HttpMetrics

log = logging.getLogger("studio.http")

TIMEOUT_HEADER = "X-Request-Timeout"

#: HTTP status for each error code the service answers with.
STATUS_OF_CODE = {
    ErrorCode.INVALID_INPUT: 400,
    ErrorCode.INVALID_VOICE: 400,
    ErrorCode.INVALID_PATH: 400,
    ErrorCode.MODEL_NOT_FOUND: 503,
    ErrorCode.NOT_INSTALLED: 503,
    ErrorCode.TIMEOUT: 504,
    ErrorCode.SERVICE_ERROR: 500,
}


class HttpError(Exception):
    """An error answer: the seed's error object, an HTTP status and extra headers/fields."""

    def __init__(
        self,
        error: StudioError,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.status = status or STATUS_OF_CODE.get(error.code, 500)
        self.headers = headers or {}
        self.fields = fields or {}


@dataclass(frozen=True)
class _Final:
    answer: dict[str, Any] | None
    error: StudioError | None = None


class Dispatcher:
    """Admits syntheses to the worker pool and hands their events to the event loop."""

    def __init__(self, client: TTSClient, workers: int, queue_size: int = DEFAULT_QUEUE) -> None:
        self.client = client
        self.workers = workers
        self.capacity = workers + queue_size
        self.metrics = HttpMetrics(workers, self.capacity)
        self.metrics.watch_workers(self._worker_metrics)
        self.status = "loading"
        self.load_error: TTSError | None = None
        self._active = 0  # admitted: being voiced or waiting for a worker
        self._free_workers = asyncio.Semaphore(workers)
        self._limiter = anyio.CapacityLimiter(workers)  # threads: one per worker at work
        self._tasks: set[asyncio.Task[None]] = set()

    # Model state ----------------------------------------------------------------------------

    def start_loading(self) -> threading.Thread:
        """Start the workers and wait for their models on a thread; the server answers meanwhile."""
        thread = threading.Thread(target=self._load, name="http-load", daemon=True)
        thread.start()
        return thread

    def _load(self) -> None:
        try:
            self.client.ensure_running()
        except TTSError as exc:
            self.load_error = exc
            self.status = "failed"
            log.error("The workers could not load the model: %s", exc.user_text())
            return
        self.status = "ready"
        self.metrics.ready.set(1)
        log.info("All %d worker(s) have loaded the model", self.workers)

    def check_ready(self) -> None:
        """Raise the 503 answer while the model loads, or the load error once it failed."""
        if self.status == "ready":
            return
        if self.status == "loading":
            raise HttpError(
                StudioError(
                    ErrorCode.SERVICE_ERROR,
                    "The voice model is still loading.",
                    "Try again in a few seconds.",
                ),
                503,
                {"Retry-After": "2"},
                {"status": "loading"},
            )
        assert self.load_error is not None
        raise HttpError(self.load_error, 503, fields={"status": "unavailable"})

    def health(self) -> dict[str, Any]:
        """The seed's ping answer; "loading" until the workers are ready."""
        uptime = round(time.monotonic() - self.metrics.started, 3)
        answer: dict[str, Any] = {"status": "healthy", "model": "kokoro-82m", "uptime": uptime}
        if self.status == "loading":
            answer["status"] = "loading"
        elif self.status == "failed" and self.load_error is not None:
            answer.update(status="unavailable", error=self.load_error.to_dict())
        return answer

    def _worker_metrics(self) -> list[dict[str, Any]]:
        if self.status != "ready":
            return []
        try:
            return self.client.metrics()
        except TTSError as exc:
            log.warning("Could not read the workers' metrics: %s", exc.user_text())
            return []

    # Syntheses ------------------------------------------------------------------------------

    async def synthesize(self, payload: dict[str, Any], timeout: float) -> AsyncIterator[Any]:
        """Admit one synthesize request (the protocol's JSON object): an async iterator of its
        stream events (dicts), then its answer (a dict). A failure is raised as HttpError, the
        first one before anything is yielded when it comes before the first event."""
        self.check_ready()
        if self._active >= self.capacity:
            self.metrics.rejected.inc()
            retry = math.ceil(self.metrics.mean_synthesis_seconds() * (self._active / self.workers))
            raise HttpError(
                StudioError(
                    ErrorCode.SERVICE_ERROR,
                    f"The server is busy: {self._active} requests are already being voiced "
                    "or waiting.",
                    f"Try again in {max(retry, 1)} s.",
                ),
                429,
                {"Retry-After": str(max(retry, 1))},
            )
        self._active += 1
        self.metrics.active.set(self._active)
        items: asyncio.Queue[Any] = asyncio.Queue()
        task = asyncio.create_task(self._run(payload, timeout, items))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return self._messages(items)

    async def _run(
        self, payload: dict[str, Any], timeout: float, items: asyncio.Queue[Any]
    ) -> None:
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        audio = 0.0

        def on_event(event: dict[str, Any]) -> None:  # on a reader thread
            loop.call_soon_threadsafe(items.put_nowait, event)

        try:
            answer = await self._when_a_worker_is_free(payload, timeout, on_event)
            audio = float(answer.get("duration") or 0.0)
            items.put_nowait(_Final(answer))
        except TTSError as exc:
            self.metrics.errors.labels(exc.code.value).inc()
            items.put_nowait(_Final(None, exc))
        except Exception:
            log.exception("A synthesis failed unexpectedly")
            self.metrics.errors.labels(ErrorCode.SERVICE_ERROR.value).inc()
            items.put_nowait(
                _Final(None, ServiceError("The server failed unexpectedly.", "Try again."))
            )
        finally:
            self._active -= 1
            self.metrics.active.set(self._active)
        self.metrics.synthesized(time.monotonic() - started, audio)

    async def _when_a_worker_is_free(
        self, payload: dict[str, Any], timeout: float, on_event: Any
    ) -> dict[str, Any]:
        """Wait on the event loop for a free worker, within the request's deadline, then voice
        the request on a thread with what is left of it."""
        deadline = time.monotonic() + timeout
        if not await _acquire_within(self._free_workers, timeout):
            raise busy_until_the_deadline()
        try:
            left = max(deadline - time.monotonic(), 0.0)
            return await anyio.to_thread.run_sync(
                self.client.synthesis_request, payload, left, on_event, limiter=self._limiter
            )
        finally:
            self._free_workers.release()

    @staticmethod
    async def _messages(items: asyncio.Queue[Any]) -> AsyncIterator[Any]:
        while True:
            item = await items.get()
            if not isinstance(item, _Final):
                yield item
                continue
            if item.error is not None:
                raise HttpError(item.error)
            yield item.answer
            return


async def _acquire_within(semaphore: asyncio.Semaphore, timeout: float) -> bool:
    """Acquire ``semaphore`` within ``timeout`` seconds; False if it stayed taken. A permit that
    arrives as the wait is cancelled is given back."""
    acquiring = asyncio.ensure_future(semaphore.acquire())
    try:
        await asyncio.wait({acquiring}, timeout=timeout)
    except asyncio.CancelledError:
        acquiring.cancel()
        acquiring.add_done_callback(lambda done: None if done.cancelled() else semaphore.release())
        raise
    if acquiring.done():
        return True
    acquiring.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        return await acquiring  # acquired as the deadline came
    return False


async def first_and_rest(messages: AsyncIterator[Any]) -> tuple[Any, AsyncIterator[Any]]:
    """The first message now (so an early failure is still an HTTP status), and the rest."""
    first = await messages.__anext__()

    async def rest() -> AsyncIterator[Any]:
        async for message in messages:
            yield message

    return first, rest()


def decode_json_object(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object, or the 400 answer that says what is wrong with it."""
    try:
        obj = json.loads(body.decode("utf-8").lstrip("\ufeff") or "null")
    except UnicodeDecodeError:
        raise _bad_body("The request body is not valid UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise _bad_body(
            f"The request body is not valid JSON ({exc.msg} at column {exc.colno})."
        ) from None
    except (RecursionError, ValueError):
        raise _bad_body("The request body is not valid JSON.") from None
    if not isinstance(obj, dict):
        raise _bad_body("The request body must be a JSON object.")
    return obj


def _bad_body(message: str) -> HttpError:
    return HttpError(
        StudioError(
            ErrorCode.INVALID_INPUT,
            message,
            'Send a JSON object, e.g. {"text": "Hello.", "voiceId": "sarah", '
            '"outputPath": ".cache/audio/hello.mp3"}.',
        )
    )


def deadline_for(request: Any, client: TTSClient, text: str) -> float:
    """The request's deadline: the client's rule for the text, shortened by X-Request-Timeout."""
    timeout = client.request_timeout(text)
    asked = request.headers.get(TIMEOUT_HEADER)
    if asked is not None:
        try:
            value = float(asked)
        except ValueError:
            value = -1.0
        if not 0 < value < float("inf"):
            raise HttpError(
                StudioError(
                    ErrorCode.INVALID_INPUT,
                    f"{TIMEOUT_HEADER} must be a positive number of seconds, not {asked[:30]!r}.",
                )
            )
        timeout = min(timeout, value)
    return timeout
