"""The model's output per phoneme piece, kept so that nothing is synthesized twice.

A preview and the export after it, or a re-export after one sentence of a long scene changed,
voice mostly the same pieces. The engine keys each piece on everything that decides the model's
output (the engine's identity for the voice: model weights, backend, precision, voice packs;
the piece's phonemes, which carry the text, the lexicon and any respelling; the voice; the speed)
and keeps the raw output, before any placement or trimming, so reuse is exact.

Bounded by bytes, least recently used dropped first; thread-safe, as the service may share one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

from studio.errors import ErrorCode, StudioError

#: The default bound: about 45 minutes of 24 kHz float32 audio.
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: The service's default: about 6 minutes of audio. Apps that call the service mostly send new
#: text, so a large cache would only grow its memory; the phrases they repeat still fit.
SERVICE_MAX_BYTES = 32 * 1024 * 1024
#: Sets the bound in megabytes (0 turns the cache off).
CACHE_MB_ENV = "NARRATION_STUDIO_SENTENCE_CACHE_MB"

ModelOutput = tuple[np.ndarray, np.ndarray | None]  # audio, frames per phoneme


class SentenceCache:
    """Recently made pieces' audio and durations, at most ``max_bytes`` of them (0: none)."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, ModelOutput] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> ModelOutput | None:
        """A copy of the output kept for ``key`` (callers may change their arrays), or None."""
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
        audio, durations = found
        return audio.copy(), None if durations is None else durations.copy()

    def put(self, key: Hashable, audio: np.ndarray, durations: np.ndarray | None) -> None:
        """Keep a copy of a piece's output, dropping the least recently used over the bound."""
        kept = (audio.copy(), None if durations is None else durations.copy())
        size = _size(kept)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.nbytes -= _size(old)
            self._items[key] = kept
            self.nbytes += size
            while self.nbytes > self.max_bytes:
                _key, dropped = self._items.popitem(last=False)
                self.nbytes -= _size(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.nbytes = 0

    def __len__(self) -> int:
        return len(self._items)


def max_bytes_from(megabytes: str | None, default: int = DEFAULT_MAX_BYTES) -> int:
    """The bound set by ``NARRATION_STUDIO_SENTENCE_CACHE_MB`` (``default`` when unset)."""
    if megabytes is None or not megabytes.strip():
        return default
    try:
        value = float(megabytes)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1e6:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"{CACHE_MB_ENV} is '{megabytes}', not a size in megabytes.",
            "Set it to a number such as 256, or 0 to turn the sentence cache off.",
        )
    return int(value * 1024 * 1024)


def _size(output: ModelOutput) -> int:
    audio, durations = output
    return audio.nbytes + (0 if durations is None else durations.nbytes)
