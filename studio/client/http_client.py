"""The client's HTTP transport: the service's actions against ``narration-studio serve --http``.

``TTSClient(url=..., token=...)`` uses this in place of its child processes, with the same typed
errors: the server answers with the seed's error object, which becomes the same exception the
stdio transport raises. Streamed syntheses come back as JSON lines (the stdio events, then the
answer). Retries: a request that could not connect, or that the server refused while busy (429)
or still loading the model (503 "loading"), is tried again after a backoff (or the server's
Retry-After) while its deadline allows; a request the server has started is never sent twice.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from studio.protocol import (
    ServiceError,
    ServiceTimeoutError,
    TTSError,
    error_from_wire,
    raise_for_answer,
)

log = logging.getLogger("studio.client")

EventHandler = Callable[[dict[str, Any]], None]
#: Statuses that mean "not now, try again": busy, or the model is still loading.
_RETRY_STATUSES = frozenset({429, 503})
_FIRST_RETRY_SECONDS = 0.5
_MAX_RETRY_SECONDS = 5.0
#: How long a refused connection is tried again: a server that restarts listens within a few
#: seconds (it answers 503 while its model loads); one that is gone is said so, not waited for.
_CONNECT_RETRY_SECONDS = 8.0


class HttpTransport:
    """One HTTP server, seen from the client. Thread-safe (httpx's pool)."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        control_timeout: float = 10.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.control_timeout = control_timeout
        self._connect_timeout = connect_timeout
        self._http = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(control_timeout, connect=connect_timeout),
        )

    def close(self) -> None:
        self._http.close()

    # Actions --------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """The server's ``/health`` answer (the seed's ping shape), whatever its status."""
        with self._exchange("GET", "/health", self.control_timeout, any_status=True) as response:
            response.read()
            return _json_object(response)

    def wait_ready(self, timeout: float) -> None:
        """Wait until the server is healthy; raise its load error, or a timeout."""
        deadline = time.monotonic() + timeout
        delay = _FIRST_RETRY_SECONDS
        while True:
            try:
                answer = self.health()
            except ServiceError:
                if time.monotonic() + delay > deadline:
                    raise
                answer = {}
            if answer.get("status") == "healthy":
                return
            if answer.get("status") == "unavailable":
                raise error_from_wire(answer.get("error"))
            if time.monotonic() + delay > deadline:
                raise ServiceTimeoutError(
                    f"The TTS server at {self.url} did not become ready within {timeout:g} s.",
                    "It may still be loading the model; try again.",
                )
            time.sleep(delay)
            delay = min(delay * 2, _MAX_RETRY_SECONDS)

    def voices(self, lang: str | None) -> dict[str, Any]:
        params = {"lang": lang} if lang is not None else None
        return self._get("/v1/voices", params)

    def worker_metrics(self) -> list[dict[str, Any]]:
        """Each server worker's metrics answer (the stdio service's ``metrics``)."""
        workers = self._get("/v1/metrics").get("workers")
        if not isinstance(workers, list):
            raise ServiceError(f"The TTS server at {self.url} sent metrics without workers.")
        return workers

    def identity(self, voice_id: str) -> str:
        return str(self._get("/v1/identity", {"voice": voice_id})["identity"])

    def phoneme_symbols(self) -> frozenset[str]:
        symbols = self._get("/v1/symbols").get("symbols")
        if not isinstance(symbols, list):
            raise ServiceError(f"The TTS server at {self.url} sent no phoneme symbols.")
        return frozenset(str(symbol) for symbol in symbols)

    def synthesize(
        self, payload: dict[str, Any], timeout: float, on_event: EventHandler
    ) -> dict[str, Any]:
        """POST /v1/synthesize; a streamed request's events go to ``on_event`` as they come."""
        body = {k: v for k, v in payload.items() if k != "action"}
        deadline = time.monotonic() + timeout
        headers = {"X-Request-Timeout": f"{timeout:.3f}"}  # the server gives up when we do
        with self._exchange(
            "POST", "/v1/synthesize", timeout, json=body, headers=headers, deadline=deadline
        ) as response:
            if not body.get("stream") and not body.get("audio"):
                response.read()
                return raise_for_answer(_json_object(response))
            for message in _json_lines(response, self.url):
                if "event" in message:
                    on_event(message)
                else:
                    return raise_for_answer(message)
                if time.monotonic() > deadline:
                    raise _timed_out(timeout)
        raise ServiceError(
            f"The TTS server at {self.url} ended the stream without an answer.",
            "It may have stopped mid-request; try again.",
        )

    # Internals ------------------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        with self._exchange("GET", path, self.control_timeout, params=params) as response:
            response.read()
            return raise_for_answer(_json_object(response))

    @contextmanager
    def _exchange(
        self,
        method: str,
        path: str,
        timeout: float,
        *,
        deadline: float | None = None,
        any_status: bool = False,
        **request: Any,
    ) -> Iterator[httpx.Response]:
        """A response with a 2xx status (open for streaming; any status with ``any_status``);
        errors raised as TTSError. Refusals worth retrying are retried until ``deadline``
        (none: no retry)."""
        delay = _FIRST_RETRY_SECONDS
        refused_since: float | None = None
        while True:
            left = timeout if deadline is None else deadline - time.monotonic()
            if left <= 0:
                raise _timed_out(timeout)
            retry_after: float | None = None
            try:
                with self._http.stream(
                    method,
                    path,
                    timeout=httpx.Timeout(left, connect=min(self._connect_timeout, left)),
                    **request,
                ) as response:
                    if response.status_code < 300 or any_status:
                        yield response
                        return
                    response.read()
                    error = _error_of(response, self.url)
                    if response.status_code in _RETRY_STATUSES and _retryable(response):
                        retry_after = _retry_after(response, delay)
                    if retry_after is None or deadline is None:
                        raise error
            except httpx.ConnectError as exc:
                now = time.monotonic()
                refused_since = now if refused_since is None else refused_since
                if (
                    deadline is None
                    or deadline - now < delay
                    or now - refused_since + delay > _CONNECT_RETRY_SECONDS
                ):
                    raise ServiceError(
                        f"The TTS server at {self.url} is not reachable ({_reason(exc)}).",
                        "Check that it runs (narration-studio serve --http) and the address.",
                    ) from None
                retry_after = delay
            except httpx.TimeoutException:
                raise _timed_out(timeout) from None
            except (httpx.TransportError, httpx.StreamError) as exc:
                raise ServiceError(
                    f"The TTS server at {self.url} closed the connection mid-request "
                    f"({_reason(exc)}).",
                    "It may have stopped or restarted; try again.",
                ) from None
            wait = min(retry_after, max(deadline - time.monotonic(), 0.0))
            why = "not listening" if refused_since is not None else "busy or loading"
            log.info("The TTS server is %s; trying again in %.1f s", why, wait)
            time.sleep(wait)
            delay = min(delay * 2, _MAX_RETRY_SECONDS)


def _retryable(response: httpx.Response) -> bool:
    """429 always; 503 only while the model loads (a failed load is final)."""
    if response.status_code == 429:
        return True
    try:
        return bool(json.loads(response.content).get("status") == "loading")
    except (ValueError, AttributeError):
        return False


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", default)), 0.1), 30.0)
    except ValueError:
        return default


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        message = json.loads(response.content)
    except ValueError:
        message = None
    if not isinstance(message, dict):
        raise ServiceError(
            f"The TTS server sent an answer that is not a JSON object (HTTP "
            f"{response.status_code}).",
            "Check that the address is a Narration Studio server.",
        )
    return message


def _json_lines(response: httpx.Response, url: str) -> Iterator[dict[str, Any]]:
    for line in response.iter_lines():
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except ValueError:
            raise ServiceError(
                f"The TTS server at {url} sent a line that is not JSON.",
                "Check that the address is a Narration Studio server.",
            ) from None
        if isinstance(message, dict):
            yield message


def _error_of(response: httpx.Response, url: str) -> TTSError:
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return error_from_wire(body["error"])
    return ServiceError(
        f"The TTS server at {url} answered HTTP {response.status_code} without an error object.",
        "Check that the address is a Narration Studio server.",
    )


def _timed_out(timeout: float) -> ServiceTimeoutError:
    return ServiceTimeoutError(
        f"Voice generation timed out: no answer within {timeout:.1f} s.",
        "Try again, or use shorter text.",
    )


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
