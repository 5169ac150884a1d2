"""Speak through an HTTP TTS server instead of the local model.

``RemoteEngine`` has the engine's interface (``studio.engine.speaker.SpeechEngine``), so the
render (``render_project``: cache, manifest, atomic MP3s, all written here) and the studio's
previews use it unchanged: each sentence's audio and word timings stream back from the server as
they are ready. A server that cannot be reached, or that stops answering, is a TTS_SERVICE_ERROR
whose message names it (``is_server_failure`` tells the studio to offer the local model).
Which server: ``--server URL``, else ``$NARRATION_STUDIO_SERVER``, else the setting ``server``;
``local`` (or nothing) means the local model.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from studio import __version__
from studio.client.client import TTSClient
from studio.client.pieces import synthesize_in_pieces
from studio.errors import ErrorCode, StudioError
from studio.speech.voices import parse_voice

if TYPE_CHECKING:
    from studio.engine.chunks import AudioChunk
    from studio.engine.request import SpeechRequest
    from studio.settings import Settings

SERVER_ENV = "NARRATION_STUDIO_SERVER"
TOKEN_ENV = "NARRATION_STUDIO_TOKEN"
LOCAL = "local"


def resolve_server(option: str | None, settings: Settings) -> str | None:
    """The server to use: the option, else the environment, else the setting; None for local."""
    value = option if option is not None else os.environ.get(SERVER_ENV) or settings.server
    if not value or value.strip().lower() == LOCAL:
        return None
    return check_url(value.strip())


def resolve_token(option: str | None, settings: Settings) -> str | None:
    return option or os.environ.get(TOKEN_ENV) or settings.server_token or None


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"The server address '{url[:200]}' is not an http:// or https:// URL.",
            "Give it like http://gpu-box:11435 (or 'local' for the model on this computer).",
        )
    return url.rstrip("/")


def is_server_failure(code: str) -> bool:
    """Whether an error code from a remote engine means the server failed (not the request)."""
    return code in (ErrorCode.SERVICE_ERROR.value, ErrorCode.TIMEOUT.value)


class RemoteEngine:
    """The engine interface over an HTTP server (``narration-studio serve --http``)."""

    def __init__(self, url: str, token: str | None = None, *, startup_timeout: float = 120.0):
        self.url = check_url(url)
        self._client = TTSClient(url=self.url, token=token, startup_timeout=startup_timeout)
        self._identities: dict[str, str] = {}
        self._symbols: frozenset[str] | None = None
        self._loaded = False
        self.load_seconds: float | None = None

    @property
    def loaded(self) -> bool:
        return self._loaded

    @property
    def device(self) -> str:
        return f"server {urlsplit(self.url).netloc}"

    def load(self) -> float:
        """Reach the server (a clear error at once when it cannot be reached) and wait while it
        loads its model."""
        if self._loaded:
            return 0.0
        started = time.perf_counter()
        self._client.ping()  # raises now when nothing answers at that address
        self._client.ensure_running()
        self.phoneme_symbols()  # now, not later on a caller's (the GUI's) thread
        self._loaded = True
        self.load_seconds = time.perf_counter() - started
        return self.load_seconds

    def check(self, request: SpeechRequest) -> None:
        """The checks that need no model (the same errors as the local engine: a bad tag by its
        line and column, a cast member without a voice); the server judges the words."""
        from studio.direction.plan import plan_read
        from studio.speech.speed import validate_speed
        from studio.speech.text import validate_text

        validate_text(request.text)
        validate_speed(request.speed)
        plan_read(request.text, request.voice, request.direction)

    def synthesize(self, request: SpeechRequest) -> Iterator[AudioChunk]:
        """Check the request here first (``check``), then stream: the server voices the lexicon
        entries, cast and starting sentence it is sent. A scene longer than one service request
        goes in pieces (studio.client.pieces)."""
        self.check(request)
        return synthesize_in_pieces(self._client.stream, request)

    def phoneme_symbols(self) -> frozenset[str]:
        """The server's model's phoneme symbols, asked once."""
        if self._symbols is None:
            self._symbols = self._client.server_phoneme_symbols()
        return self._symbols

    def identity(self, voice: str) -> str:
        """The server's identity of its model for ``voice`` (the same key a local render of the
        same model and backend has, so caches carry over), asked once per voice."""
        canonical = parse_voice(voice).canonical
        if canonical not in self._identities:
            self._identities[canonical] = self._client.server_identity(voice)
        return self._identities[canonical]

    def model_version(self) -> str:
        return f"kokoro-82m/remote/studio-{__version__}"

    def close(self) -> None:
        self._client.close()
