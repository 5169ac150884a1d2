"""The HTTP server's front door, as plain ASGI in front of the app: the bearer token, the body
limit, a deadline for the body to arrive, and the count of answers by endpoint and status.

The body is read whole here (requests are small: text is at most 5000 characters) before the app
sees the request, so a client that sends its body slowly, or never finishes it, holds only its
own connection, never a synthesis worker; past the deadline it gets 408. A body over the limit is
refused with 413 as soon as its Content-Length (or the bytes received) says so, unread.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from studio import protocol
from studio.errors import ErrorCode, StudioError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Paths anyone may read without the token: the health check.
OPEN_PATHS = frozenset({"/health"})


def error_body(error: StudioError, **extra: Any) -> bytes:
    """The seed's error answer as a response body."""
    return json.dumps({**protocol.failure(error), **extra}).encode("utf-8")


async def send_json(
    send: Send, status: int, body: bytes, headers: dict[str, str] | None = None
) -> None:
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """Wraps the app: auth, body limit and deadline; ``on_answer(path, status)`` per response."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        max_body_bytes: int,
        body_timeout: float,
        on_answer: Callable[[str, int], None] | None = None,
    ) -> None:
        self.app = app
        self._token = token.encode() if token else None
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self._on_answer = on_answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        status: list[int] = []

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            await self._guarded(scope, receive, counting_send, path)
        finally:
            if self._on_answer is not None and status:
                self._on_answer(path, status[0])

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        headers = {k.decode("latin-1").lower(): v for k, v in scope.get("headers", [])}
        if scope.get("method") != "OPTIONS" and not self._authorized(path, headers):
            await send_json(
                send,
                401,
                error_body(_unauthorized()),
                {"WWW-Authenticate": 'Bearer realm="narration-studio"'},
            )
            return
        declared = headers.get("content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_body_bytes:
            await send_json(send, 413, error_body(self._too_large()), {"Connection": "close"})
            return
        body = await self._read_body(receive, send)
        if body is None:
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only the disconnect is left to wait for

        await self.app(scope, replay, send)

    def _authorized(self, path: str, headers: dict[str, bytes]) -> bool:
        if self._token is None or path in OPEN_PATHS:
            return True
        scheme, _, credentials = headers.get("authorization", b"").partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(credentials.strip(), self._token)

    async def _read_body(self, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None once an error was answered (or the client left)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        body = bytearray()
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.001))
            except asyncio.TimeoutError:
                await send_json(send, 408, error_body(self._too_slow()), {"Connection": "close"})
                return None
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            if len(body) > self.max_body_bytes:
                await send_json(send, 413, error_body(self._too_large()), {"Connection": "close"})
                return None
            if not message.get("more_body", False):
                return bytes(body)

    def _too_large(self) -> StudioError:
        return StudioError(
            ErrorCode.INVALID_INPUT,
            f"The request body is larger than {self.max_body_bytes} bytes.",
            "Text is limited to 5000 characters; send one request per scene.",
        )

    def _too_slow(self) -> StudioError:
        return StudioError(
            ErrorCode.INVALID_INPUT,
            f"The request body did not arrive within {self.body_timeout:g} s.",
            "Send the whole request at once.",
        )


def _unauthorized() -> StudioError:
    return StudioError(
        ErrorCode.SERVICE_ERROR,
        "Missing or wrong access token.",
        "Send the server's token as 'Authorization: Bearer TOKEN' (the --token it was started with).",
    )
