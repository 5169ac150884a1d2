"""What the render and the studio need of an engine, whether the model runs here (``Engine``) or
on an HTTP server (``studio.client.remote.RemoteEngine``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from studio.engine.chunks import AudioChunk
    from studio.engine.request import SpeechRequest


class SpeechEngine(Protocol):
    """Text in, audio chunks out (one per sentence), plus the render cache's identity."""

    load_seconds: float | None

    @property
    def loaded(self) -> bool: ...

    @property
    def device(self) -> str:
        """Where the model runs, for the status bar: "cpu", "cuda", "server host:port"."""
        ...

    def load(self) -> float:
        """Get ready to speak (idempotent); returns the seconds it took."""
        ...

    def synthesize(self, request: SpeechRequest) -> Iterator[AudioChunk]:
        """Check the request at once (TTS_INVALID_*), then yield chunks as they are ready:
        its lexicon and cast apply, and the read may start at a sentence."""
        ...

    def check(self, request: SpeechRequest) -> None:
        """Raise what ``synthesize`` would, as far as it can be known without the model."""
        ...

    def phoneme_symbols(self) -> frozenset[str]:
        """The model's phoneme symbols, which lexicon entries are checked against."""
        ...

    def identity(self, voice: str) -> str:
        """A key that changes whenever the audio for a given text could change."""
        ...

    def model_version(self) -> str: ...
