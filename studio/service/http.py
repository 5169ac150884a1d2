"""HTTP mode: ``narration-studio serve --http``, the seed's actions over HTTP on FastAPI + uvicorn.

| endpoint | the stdio action | answer |
|---|---|---|
| ``GET /health`` | ``ping`` | the seed's health line; 503 while loading or when the model failed |
| ``GET /v1/voices?lang=`` | ``voices`` | the catalogue and profiles |
| ``POST /v1/synthesize`` | ``synthesize`` | the same JSON body and answer; with ``stream`` (or ``audio``) JSON lines: the events, then the answer |
| ``GET /metrics`` | ``metrics`` | Prometheus text |
| ``GET /v1/metrics`` | ``metrics`` | each worker's JSON metrics (extension) |
| ``GET /v1/identity?voice=`` | | what the render cache keys on (extension, for remote rendering) |
| ``GET /v1/symbols`` | | the model's phoneme symbols (extension: lexicon entries are checked against them) |
| ``POST /v1/audio/speech`` | | OpenAI's speech endpoint (``studio.service.openai_api``) |

Errors are the seed's error object with a status: 400 invalid input, voice or path; 401 without
the token; 408 a body too slow; 413 a body too large; 429 beyond the queue's bound (Retry-After); 503 model
loading or failed; 504 past the deadline; 500 otherwise. Workers are the stdio service's
processes (``studio.service.dispatch``); this process never loads the model.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException

from studio import protocol
from studio.client.client import TTSClient
from studio.errors import ErrorCode, StudioError
from studio.service.dispatch import (
    TIMEOUT_HEADER,
    Dispatcher,
    HttpError,
    deadline_for,
    decode_json_object,
    first_and_rest,
)
from studio.service.http_guard import RequestGuard, error_body
from studio.service.http_metrics import CONTENT_TYPE

log = logging.getLogger("studio.http")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 11435
NDJSON = "application/x-ndjson"


@dataclass
class HttpOptions:
    """How ``serve --http`` runs; the defaults are the safe ones (loopback, no CORS)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 1
    queue_size: int = protocol.DEFAULT_QUEUE  # requests that may wait for a worker before 429
    token: str | None = None
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = protocol.MAX_LINE_BYTES
    body_timeout: float = 30.0
    audio_root: Path = Path(".cache") / "audio"
    engine_options: dict[str, str | None] = field(default_factory=dict)
    startup_timeout: float = 600.0

    def check(self) -> None:
        """Refuse a setup that would expose the server: another address needs a token."""
        if self.workers < 1:
            raise StudioError(ErrorCode.INVALID_INPUT, "--workers must be at least 1.")
        if not is_loopback(self.host) and not self.token:
            raise StudioError(
                ErrorCode.INVALID_INPUT,
                f"Binding to {self.host} lets other machines use this server, so it needs a token.",
                "Give --token TOKEN (or $NARRATION_STUDIO_TOKEN); clients then send "
                "'Authorization: Bearer TOKEN'. Or bind to 127.0.0.1.",
            )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def worker_command(engine_options: dict[str, str | None]) -> list[str]:
    """The command that starts one stdio worker, with the server's model choices."""
    base = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "studio"]
    flags = []
    for name in ("model_dir", "backend", "onnx_model", "precision"):
        value = engine_options.get(name)
        if value:
            flags += [f"--{name.replace('_', '-')}", str(value)]
    return [*base, *flags, "serve"]


def make_client(options: HttpOptions) -> TTSClient:
    return TTSClient(
        audio_root=Path(options.audio_root).resolve(),
        cwd=Path.cwd(),
        pool_size=options.workers,
        command=worker_command(options.engine_options),
        startup_timeout=options.startup_timeout,
    )


def create_app(options: HttpOptions, client: TTSClient) -> Any:
    """The ASGI app: FastAPI routes behind the request guard (and CORS when asked for)."""
    from studio.service.openai_api import speech_router

    dispatcher = Dispatcher(client, options.workers, options.queue_size)

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        dispatcher.start_loading()
        yield
        client.close()

    app = FastAPI(
        title="Narration Studio TTS server",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.dispatcher = dispatcher

    @app.exception_handler(HttpError)
    async def on_http_error(_request: Request, exc: HttpError) -> Response:
        return Response(
            error_body(exc.error, **exc.fields),
            exc.status,
            exc.headers,
            media_type="application/json",
        )

    @app.exception_handler(HTTPException)
    async def on_starlette_error(_request: Request, exc: HTTPException) -> Response:
        message = "No such endpoint." if exc.status_code == 404 else str(exc.detail)
        error = StudioError(
            ErrorCode.INVALID_INPUT,
            message,
            "The endpoints are /health, /metrics, /v1/voices, /v1/synthesize and "
            '/v1/audio/speech (see the docs, "HTTP server").',
        )
        return Response(
            error_body(error), exc.status_code, exc.headers, media_type="application/json"
        )

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_request: Request, exc: RequestValidationError) -> Response:
        error = StudioError(ErrorCode.INVALID_INPUT, f"Invalid request: {exc.errors()[:1]}.")
        return Response(error_body(error), 400, media_type="application/json")

    @app.exception_handler(Exception)
    async def on_bug(_request: Request, _exc: Exception) -> Response:
        log.exception("A request failed unexpectedly")
        error = StudioError(
            ErrorCode.SERVICE_ERROR,
            "The server failed unexpectedly while handling this request.",
            "Try again; the details are in the server log.",
        )
        return Response(error_body(error), 500, media_type="application/json")

    @app.get("/health")
    async def health() -> Response:
        answer = dispatcher.health()
        return JSONResponse(answer, 200 if answer["status"] == "healthy" else 503)

    @app.get("/v1/voices")
    async def voices(lang: str | None = None) -> Response:
        from studio.service.shared_answers import voices_answer

        try:
            return JSONResponse(voices_answer(protocol.Voices(None, lang)))
        except StudioError as exc:
            raise HttpError(exc) from None

    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        from anyio.to_thread import run_sync

        return Response(await run_sync(dispatcher.metrics.text), media_type=CONTENT_TYPE)

    @app.get("/v1/metrics")
    async def worker_metrics() -> Response:
        from anyio.to_thread import run_sync

        dispatcher.check_ready()
        try:
            workers = await run_sync(client.metrics)
        except protocol.TTSError as exc:
            raise HttpError(exc) from None
        return JSONResponse(protocol.success(None, workers=workers))

    facts = _ModelFacts(options.engine_options)

    @app.get("/v1/identity")
    async def identity(voice: str) -> Response:
        from anyio.to_thread import run_sync

        try:
            key = await run_sync(facts.identity, voice)
        except StudioError as exc:
            raise HttpError(exc) from None
        return JSONResponse(protocol.success(None, voice=voice, identity=key))

    @app.get("/v1/symbols")
    async def symbols() -> Response:
        from anyio.to_thread import run_sync

        try:
            found = await run_sync(facts.symbols)
        except StudioError as exc:
            raise HttpError(exc) from None
        return JSONResponse(protocol.success(None, symbols=found))

    @app.post("/v1/synthesize")
    async def synthesize(request: Request) -> Response:
        body = await request.body()
        parsed = parse_synthesize(body)
        timeout = deadline_for(request, client, parsed.text)
        messages = await dispatcher.synthesize(_wire(body), timeout)
        if not parsed.stream:
            async for answer in messages:
                if "event" not in answer:
                    return JSONResponse(_with_id(answer, parsed.id))
        first, rest = await first_and_rest(messages)
        return StreamingResponse(_json_lines(first, rest, parsed.id), media_type=NDJSON)

    app.include_router(speech_router(dispatcher, client))

    guarded: Any = RequestGuard(
        app,
        token=options.token,
        max_body_bytes=options.max_body_bytes,
        body_timeout=options.body_timeout,
        on_answer=dispatcher.metrics.answered,
    )
    if options.cors_origins:
        guarded = CORSMiddleware(
            guarded,
            allow_origins=list(options.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", TIMEOUT_HEADER],
        )
    return guarded


class _ModelFacts:
    """What clients of this server's model need without loading it: the render cache's identity
    of each voice, and the model's phoneme symbols (an unloaded engine configured like the
    workers reads file fingerprints and config.json only)."""

    def __init__(self, engine_options: dict[str, Any]) -> None:
        self._options = engine_options
        self._engine: Any = None

    def _unloaded_engine(self) -> Any:
        if self._engine is None:
            from studio.engine.configure import configured_engine
            from studio.engine.sentence_cache import SERVICE_MAX_BYTES

            self._engine = configured_engine(**self._options, cache_bytes=SERVICE_MAX_BYTES)
        return self._engine

    def identity(self, voice: str) -> str:
        return str(self._unloaded_engine().identity(voice))

    def symbols(self) -> list[str]:
        return sorted(self._unloaded_engine().phoneme_symbols())


def parse_synthesize(body: bytes) -> protocol.Synthesize:
    """The body of POST /v1/synthesize: the stdio request object without (or with) its action."""
    obj = decode_json_object(body)
    action = obj.pop("action", "synthesize")
    if action != "synthesize":
        raise HttpError(
            StudioError(
                ErrorCode.INVALID_INPUT,
                f"This endpoint synthesizes; 'action' cannot be {str(action)[:50]!r}.",
                "Leave 'action' out.",
            )
        )
    try:
        request = protocol.parse_request(json.dumps({"action": "synthesize", **obj}).encode())
    except protocol.RequestError as exc:
        raise HttpError(exc) from None
    assert isinstance(request, protocol.Synthesize)
    return request


def _wire(body: bytes) -> dict[str, Any]:
    """The body as the protocol object to forward (the parse above checked it)."""
    obj = json.loads(body)
    obj["action"] = "synthesize"
    obj.pop("id", None)  # the pool numbers its own requests; the caller's id is put back
    return dict(obj)


def _with_id(message: dict[str, Any], request_id: protocol.RequestId) -> dict[str, Any]:
    message = {k: v for k, v in message.items() if k != "id"}
    return message if request_id is None else {"id": request_id, **message}


async def _json_lines(
    first: dict[str, Any], rest: AsyncIterator[dict[str, Any]], request_id: protocol.RequestId
) -> AsyncIterator[bytes]:
    """The stream's lines; a failure after the first line is the last line, as on stdio."""
    yield protocol.encode(_with_id(first, request_id))
    try:
        async for message in rest:
            yield protocol.encode(_with_id(message, request_id))
    except HttpError as exc:
        yield protocol.encode(protocol.failure(exc.error, request_id))


def serve_http(options: HttpOptions) -> int:
    """Run the server until Ctrl-C or SIGTERM; returns the exit code."""
    import uvicorn

    options.check()
    _check_port_free(options.host, options.port)
    logging.basicConfig(
        level=logging.INFO, format="[%(levelname)s] %(message)s", stream=sys.stderr, force=True
    )
    client = make_client(options)
    app = create_app(options, client)
    log.info(
        "Serving on http://%s:%d with %d worker(s); output paths must be inside %s",
        options.host,
        options.port,
        options.workers,
        Path(options.audio_root).resolve(),
    )
    config = uvicorn.Config(
        app,
        host=options.host,
        port=options.port,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        client.close()
    return 0


def _check_port_free(host: str, port: int) -> None:
    """Say so clearly (before any worker starts) when the address is taken or not ours."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise StudioError(
                ErrorCode.SERVICE_ERROR,
                f"Cannot listen on {host}:{port}: {exc.strerror or exc}.",
                "Another server may be running there; choose another --port or --host.",
            ) from None
