"""The engine: one loaded model, one phonemizer per language, text in and audio chunks out.

Synthesis is a generator of chunks, one per sentence (or natural piece of a long sentence), so
callers get streaming, progress and cancel points for free: stop iterating to cancel.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from studio import __version__
from studio.engine.g2p import PhonemeChunk, Phonemizer, word_timings
from studio.engine.source import HubModelSource, ModelSource, file_fingerprint
from studio.errors import ErrorCode, StudioError
from studio.text import nothing_to_voice, split_sentences, validate_text
from studio.voices import DEFAULT_VOICE, VoiceSpec, parse_voice

log = logging.getLogger(__name__)

SAMPLE_RATE = 24_000  # Kokoro's output rate
MIN_SPEED, MAX_SPEED = 0.5, 2.0
#: Bump when a change to splitting, synthesis or encoding changes the audio, to refresh caches.
RENDER_VERSION = 1
#: Harmless deprecation notices torch prints while building Kokoro's layers.
_KNOWN_LOAD_WARNINGS = (
    "dropout option adds dropout after all but last recurrent layer",
    r"`torch.nn.utils.weight_norm` is deprecated",
)


class Backend(Protocol):
    """A way to run Kokoro: phonemes and a style vector in, 24 kHz audio out."""

    name: str
    device: str
    gives_durations: bool

    def weights_file(self) -> Path:
        """The model file it runs; found without loading it (the render cache keys on it)."""
        ...

    def load(self) -> None: ...

    def load_voice(self, path: Any) -> np.ndarray: ...

    def infer(
        self, phonemes: str, style: np.ndarray, speed: float
    ) -> tuple[np.ndarray, np.ndarray | None]: ...


@dataclass(frozen=True)
class WordTiming:
    """A word and when it is spoken, in seconds from the start of the request."""

    word: str
    start: float
    end: float


@dataclass(frozen=True)
class AudioChunk:
    """One synthesized piece: float32 mono audio at 24 kHz, its text, and where it starts."""

    index: int
    text: str
    phonemes: str
    audio: np.ndarray
    start: float
    words: tuple[WordTiming, ...] = ()

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def validate_speed(speed: object) -> float:
    """The speed as a float in 0.5–2.0, or TTS_INVALID_INPUT."""
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not math.isfinite(speed):
        raise StudioError(ErrorCode.INVALID_INPUT, "Speed must be a number from 0.5 to 2.0.")
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"Speed {speed:g} is out of range.",
            f"Use a speed from {MIN_SPEED} to {MAX_SPEED} (1.0 is normal).",
        )
    return float(speed)


class Engine:
    """Loads Kokoro once and turns text into audio chunks. Use it from one thread at a time."""

    def __init__(self, source: ModelSource, backend: Backend | None = None) -> None:
        self.source = source
        self._backend = backend
        self._phonemizers: dict[str, Phonemizer] = {}
        self._voice_packs: dict[str, np.ndarray] = {}
        self._fingerprints: dict[Path, str] = {}
        self._load_lock = threading.Lock()
        self._loaded = False
        self.load_seconds: float | None = None

    @property
    def loaded(self) -> bool:
        return self._loaded

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            from studio.engine.torch_backend import TorchBackend

            self._backend = TorchBackend(self.source)
        return self._backend

    @property
    def device(self) -> str:
        return self.backend.device

    def load(self) -> float:
        """Import the libraries and load the model and the English phonemizer. Idempotent.

        Returns the seconds it took (0 when already loaded).
        """
        with self._load_lock:
            if self._loaded:
                return 0.0
            started = time.perf_counter()
            _quiet_third_party_logs()
            with warnings.catch_warnings():
                for message in _KNOWN_LOAD_WARNINGS:
                    warnings.filterwarnings("ignore", message=message)
                self.backend.load()
            self._phonemizer(parse_voice(DEFAULT_VOICE).lang)
            self._loaded = True
            self.load_seconds = time.perf_counter() - started
            log.info(
                "Model loaded from %s on %s in %.2f s",
                self.source.description,
                self.device,
                self.load_seconds,
            )
            return self.load_seconds

    def synthesize(
        self, text: str, voice: str = DEFAULT_VOICE, speed: float = 1.0
    ) -> Iterator[AudioChunk]:
        """Check the request now, then yield audio chunks as each sentence is ready.

        Raises TTS_INVALID_INPUT or TTS_INVALID_VOICE at once, before any model work, and
        TTS_INVALID_INPUT (nothing to voice) when the phonemizer finds no sound to make.
        """
        clean_text = validate_text(text)
        spec = parse_voice(voice)
        clean_speed = validate_speed(speed)
        self.load()
        style_pack = self._style_pack(spec)
        phonemizer = self._phonemizer(spec.lang)
        return self._generate(clean_text, style_pack, phonemizer, clean_speed)

    def check(self, text: str, voice: str = DEFAULT_VOICE, speed: float = 1.0) -> None:
        """Raise what ``synthesize`` would, without running the model: the request's checks, the
        voice file, the language's phonemizer, and every word's pronunciation. Costs the G2P only
        (milliseconds per scene), so a long export can say up front which scenes will fail."""
        clean_text = validate_text(text)
        spec = parse_voice(voice)
        validate_speed(speed)
        self._style_pack(spec)
        phonemizer = self._phonemizer(spec.lang)
        pieces = [p for s in split_sentences(clean_text) for p in phonemizer.chunks(s)]
        if not pieces:
            raise nothing_to_voice()

    def _generate(
        self, text: str, style_pack: np.ndarray, phonemizer: Phonemizer, speed: float
    ) -> Iterator[AudioChunk]:
        offset = 0.0
        index = 0
        for sentence in split_sentences(text):
            for piece in phonemizer.chunks(sentence):
                style = style_pack[len(piece.phonemes) - 1]
                audio, durations = self.backend.infer(piece.phonemes, style, speed)
                words = _word_timings(piece, durations, offset)
                yield AudioChunk(index, piece.text, piece.phonemes, audio, offset, words)
                offset += len(audio) / SAMPLE_RATE
                index += 1
        if index == 0:  # every piece was silent for the phonemizer: never an empty success
            raise nothing_to_voice()

    def identity(self, voice: str) -> str:
        """A key that changes whenever the audio for a given text could change: the studio's
        render version, the backend, the model weights and the voice packs. No model load needed."""
        spec = parse_voice(voice)
        files = [self.backend.weights_file(), self.source.config_path()]
        files += [self.source.voice_path(vid) for vid, _ in spec.parts]
        parts = [f"render-{RENDER_VERSION}", self.backend.name, *map(self._fingerprint, files)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def _fingerprint(self, path: Path) -> str:
        """File fingerprints, remembered: the model's files don't change under a running engine."""
        if path not in self._fingerprints:
            self._fingerprints[path] = file_fingerprint(path)
        return self._fingerprints[path]

    def model_version(self) -> str:
        return f"kokoro-82m/{self.backend.name}/studio-{__version__}"

    def _phonemizer(self, lang: str) -> Phonemizer:
        if lang not in self._phonemizers:
            self._phonemizers[lang] = Phonemizer(
                lang, allow_downloads=isinstance(self.source, HubModelSource)
            )
        return self._phonemizers[lang]

    def _style_pack(self, spec: VoiceSpec) -> np.ndarray:
        """The voice pack for a spec; a blend is the weighted mean of its voices' packs."""
        if spec.canonical not in self._voice_packs:
            packs = [self._voice(vid) * weight for vid, weight in spec.parts]
            self._voice_packs[spec.canonical] = np.sum(packs, axis=0).astype(np.float32)
        return self._voice_packs[spec.canonical]

    def _voice(self, voice_id: str) -> np.ndarray:
        if voice_id not in self._voice_packs:
            self._voice_packs[voice_id] = self.backend.load_voice(self.source.voice_path(voice_id))
        return self._voice_packs[voice_id]


def _word_timings(
    piece: PhonemeChunk, durations: np.ndarray | None, offset: float
) -> tuple[WordTiming, ...]:
    """Word start and end times from the model's per-phoneme durations (English only)."""
    if durations is None or not piece.tokens:
        return ()
    return tuple(
        WordTiming(word, round(offset + start, 3), round(offset + end, 3))
        for word, start, end in word_timings(piece.tokens, durations)
        if any(c.isalnum() for c in word)
    )


def _quiet_third_party_logs() -> None:
    """kokoro logs through loguru at DEBUG to stderr; route its warnings into logging instead."""
    try:
        from loguru import logger as loguru_logger
    except ImportError:
        return
    loguru_logger.remove()
    loguru_logger.add(
        lambda message: logging.getLogger("kokoro").warning(message.record["message"]),
        level="WARNING",
    )
