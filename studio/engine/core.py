"""The engine: one loaded model, one phonemizer per language, text in and audio chunks out.

Synthesis is a generator of chunks, one per sentence (or natural piece of a long sentence), so
callers get streaming, progress and cancel points for free: stop iterating to cancel.

Text is directed (studio.direction): a ``[pause 2s]`` tag is yielded in order as a silent chunk
of its own (``pause=True``, zeros, no text or words); every chunk's ``start`` and every word
timing count from the start of the request's audio, the pauses' silence included, and cast
members' lines are chunks in their own voices. Captions and follow-along rely on this.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from studio import __version__
from studio.direction.plan import Direction, Passage, ReadPlan, Respelling, Silence, plan_read
from studio.engine.chunks import (
    SAMPLE_RATE,
    AudioChunk,
    Locator,
    chunk_word_timings,
    placed_at,
    with_last,
)
from studio.engine.g2p import Phonemizer
from studio.engine.request import SpeechRequest
from studio.engine.sentence_cache import DEFAULT_MAX_BYTES, SentenceCache
from studio.engine.source import (
    HubModelSource,
    ModelSource,
    file_fingerprint,
    read_phoneme_vocab,
)
from studio.errors import StudioError
from studio.speech.speed import validate_speed
from studio.speech.text import nothing_to_voice, validate_text
from studio.speech.voices import DEFAULT_VOICE, VoiceSpec, parse_voice

log = logging.getLogger(__name__)

#: Bump when a change to splitting, synthesis or encoding changes the audio, to refresh caches.
RENDER_VERSION = 5  # 5: torch bf16 keeps the duration predictor and the last convolution fp32
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
    chosen_because: str  # why this backend runs: the setting, or auto's reason
    #: Whether ``load`` imports torch. One that does not loads beside the English phonemizer,
    #: which keeps torch out of spaCy meanwhile (studio.engine.g2p), so the two cannot overlap.
    needs_torch: bool
    #: Changes when the backend changes how it runs the same weights audibly (the render
    #: cache keys on it, beside RENDER_VERSION, so only that backend's audio is made again).
    audio_revision: str

    def weights_file(self) -> Path:
        """The model file it runs; found without loading it (the render cache keys on it)."""
        ...

    def load(self) -> None: ...

    def load_voice(self, path: Any) -> np.ndarray: ...

    def infer(
        self, phonemes: str, style: np.ndarray, speed: float
    ) -> tuple[np.ndarray, np.ndarray | None]: ...


class Engine:
    """Loads Kokoro once and turns text into audio chunks. Use it from one thread at a time.

    Each piece the model makes is kept in ``sentence_cache`` (at most ``cache_bytes``; 0 keeps
    none), so a preview's sentences are not made again by the export after it, nor a long
    scene's unchanged sentences after an edit.
    """

    def __init__(
        self,
        source: ModelSource,
        backend: Backend | None = None,
        cache_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.source = source
        self._backend = backend
        self.sentence_cache = SentenceCache(cache_bytes)
        self._phonemizers: dict[str, Phonemizer] = {}
        self._voice_packs: dict[str, np.ndarray] = {}
        self._fingerprints: dict[Path, str] = {}
        self._respellings: dict[tuple[str, str], str] = {}
        self._symbols: frozenset[str] | None = None
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
            lang = parse_voice(DEFAULT_VOICE).lang
            with warnings.catch_warnings():
                for message in _KNOWN_LOAD_WARNINGS:
                    warnings.filterwarnings("ignore", message=message)
                if self.backend.needs_torch:
                    self.backend.load()
                    self._phonemizer(lang)
                else:
                    self._load_beside_phonemizer(lang)
            self._phonemizer(lang).prepare_in_background()
            self._loaded = True
            self.load_seconds = time.perf_counter() - started
            log.info(
                "Model loaded from %s with the %s backend on %s in %.2f s (%s)",
                self.source.description,
                self.backend.name,
                self.device,
                self.load_seconds,
                self.backend.chosen_because,
            )
            return self.load_seconds

    def _load_beside_phonemizer(self, lang: str) -> None:
        """Load the model on a second thread while this one builds the phonemizer.

        onnxruntime builds its session (0.4–0.7 s) outside Python's lock, beside spaCy and
        misaki's lexicons (about 2 s of Python): bench/ measured 0.4–0.6 s off a cold start.
        The thread is a daemon so that Ctrl+C or quitting during a first-run download does not
        wait for it. The model's error comes first, as when the two load one after the other.
        """
        failures: list[BaseException] = []

        def load_model() -> None:
            try:
                self.backend.load()
            except BaseException as exc:  # re-raised on the caller's thread below
                failures.append(exc)

        loader = threading.Thread(target=load_model, name="studio-model-load", daemon=True)
        loader.start()
        try:
            self._phonemizer(lang)
        except Exception:
            loader.join()
            if failures:
                raise failures[0] from None
            raise
        loader.join()
        if failures:
            raise failures[0]

    def synthesize(self, request: SpeechRequest) -> Iterator[AudioChunk]:
        """Check the request now, then yield audio chunks as each sentence is ready.

        The text may be of any length and use the direction grammar (studio.direction.grammar):
        pauses, one-off pronunciations, and speaker lines of the request's cast; its lexicon
        applies too. Raises TTS_INVALID_INPUT (with line and column for a bad tag) or
        TTS_INVALID_VOICE at once, before any model work, and TTS_INVALID_INPUT (nothing to
        voice) when the phonemizer finds no sound to make.
        """
        plan = self._plan(request)
        if request.start_at or request.sentences is not None:
            plan = plan.starting_at(request.start_at, request.sentences)
        return self.speak(plan, request.speed)

    def _plan(self, request: SpeechRequest) -> ReadPlan:
        """The request checked (text, voice, speed, tags) and planned into passages and pauses."""
        validate_text(request.text)
        parse_voice(request.voice)
        validate_speed(request.speed)
        direction = request.direction or Direction()
        needs_symbols = "](/" in request.text or any(e.ipa for e in direction.lexicon)
        symbols = self.phoneme_symbols() if needs_symbols else None
        return plan_read(request.text, request.voice, request.direction, symbols)

    def speak(self, plan: ReadPlan, speed: float = 1.0) -> Iterator[AudioChunk]:
        """Voice a read plan (studio.direction.plan_read), yielding chunks in order.

        No length limit: requests are checked where they enter (``synthesize``, the service).
        Voices are loaded now, so a missing voice file fails before any audio.
        """
        clean_speed = validate_speed(speed)
        self.load()
        for voice in plan.voices:
            spec = parse_voice(voice)
            self._style_pack(spec)
            self._phonemizer(spec.lang)
        return self._generate(plan, clean_speed)

    def check(self, request: SpeechRequest) -> None:
        """Raise what ``synthesize`` would, without running the model: the request's checks, its
        tags, every voice file and phonemizer, and every word's pronunciation. Costs the G2P only
        (milliseconds per scene), so a long export can say up front which scenes will fail."""
        plan = self._plan(request)
        spoken = False
        for part in plan.parts:
            if isinstance(part, Silence):
                continue
            spec = parse_voice(part.voice)
            self._style_pack(spec)
            phonemizer = self._phonemizer(spec.lang)
            for first, last in part.sentences:
                overrides = self._overrides(part, first, last, phonemizer)
                spoken = spoken or any(
                    True for _ in phonemizer.chunks(part.text[first:last], overrides)
                )
        if not spoken:
            raise nothing_to_voice()

    def _generate(self, plan: ReadPlan, speed: float) -> Iterator[AudioChunk]:
        """Chunks in order, stamped with their index and start. Next to a pause, the speech's own
        silence is trimmed to a breath, so that a [pause 2s] measures as 2 s of silence."""
        offset = 0.0
        index = 0
        spoke = False
        parts = plan.parts
        for number, part in enumerate(parts):
            if isinstance(part, Silence):
                audio = np.zeros(round(part.seconds * SAMPLE_RATE), dtype=np.float32)
                yield AudioChunk(index, "", "", audio, offset, (), (part.start, part.end), True)
                offset += len(audio) / SAMPLE_RATE
                index += 1
                continue
            pause_before = number > 0 and isinstance(parts[number - 1], Silence)
            pause_after = number + 1 < len(parts) and isinstance(parts[number + 1], Silence)
            # Only a passage before a pause holds each chunk back until the next is made (to know
            # its last, whose tail is trimmed); others stream each chunk as soon as it is ready.
            chunks = self._passage(part, speed)
            marked = with_last(chunks) if pause_after else ((c, False) for c in chunks)
            for chunk, last in marked:
                placed = placed_at(chunk, index, offset, pause_before, last)
                yield placed
                offset += placed.duration
                index += 1
                pause_before = False
                spoke = True
        if not spoke and any(isinstance(p, Passage) for p in parts):
            raise nothing_to_voice()  # every piece was silent for the phonemizer

    def _passage(self, passage: Passage, speed: float) -> Iterator[AudioChunk]:
        """The passage's chunks, each timed from its own start (``_generate`` places them)."""
        spec = parse_voice(passage.voice)
        style_pack = self._style_pack(spec)
        phonemizer = self._phonemizer(spec.lang)
        made_by = self._made_by(passage.voice, speed)
        text = passage.text
        for first, last in passage.sentences:
            sentence = text[first:last]
            overrides = self._overrides(passage, first, last, phonemizer)
            locate = Locator(passage.speech, first)
            for piece in phonemizer.chunks(sentence, overrides):
                style = style_pack[len(piece.phonemes) - 1]
                audio, durations = self._infer(made_by, piece.phonemes, style, speed)
                piece_start = locate.cursor
                found = locate.find(piece.text)
                source = passage.speech.source_span(*found) if found else None
                in_piece = Locator(passage.speech, found[0] if found else piece_start)
                words = chunk_word_timings(piece, durations, 0.0, in_piece)
                yield AudioChunk(
                    0,
                    piece.text,
                    piece.phonemes,
                    audio,
                    0.0,
                    words,
                    source,
                    voice=passage.voice,
                    speaker=passage.speaker,
                )

    def _made_by(self, voice: str, speed: float) -> tuple[str, ...]:
        """Everything but the phonemes that decides a piece's audio (the sentence cache's key)."""
        precision = str(getattr(self.backend, "precision", ""))
        return (self.identity(voice), precision, voice, repr(speed))

    def _infer(
        self, made_by: tuple[str, ...], phonemes: str, style: np.ndarray, speed: float
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The model's raw output for one piece, from the sentence cache when it was made."""
        key = (*made_by, phonemes)
        found = self.sentence_cache.get(key)
        if found is None:
            found = self.backend.infer(phonemes, style, speed)
            self.sentence_cache.put(key, *found)
        return found

    def _overrides(
        self, passage: Passage, first: int, last: int, phonemizer: Phonemizer
    ) -> list[tuple[int, int, str]]:
        """The respellings inside the sentence ``first``–``last``, placed in it, as phonemes."""
        return [
            (r.start - first, r.end - first, self._phonemes_of(r, phonemizer))
            for r in passage.respellings
            if first <= r.start < last
        ]

    def _phonemes_of(self, respelling: Respelling, phonemizer: Phonemizer) -> str:
        """A respelling's phonemes (remembered per language), or a clear error naming it."""
        if respelling.phonemes is not None:
            return respelling.phonemes
        key = (phonemizer.lang, str(respelling.say))
        if key not in self._respellings:
            try:
                self._respellings[key] = phonemizer.phonemize(str(respelling.say))
            except StudioError as exc:
                raise StudioError(
                    exc.code,
                    f"Cannot pronounce the respelling '{respelling.say}' of {respelling.what}.",
                    "Respell it with common words, or give phonemes instead.",
                ) from exc
        return self._respellings[key]

    def phoneme_symbols(self) -> frozenset[str]:
        """The model's phoneme symbols (its config.json's vocab); read once, without loading."""
        if self._symbols is None:
            self._symbols = frozenset(read_phoneme_vocab(self.source.config_path()))
        return self._symbols

    def identity(self, voice: str) -> str:
        """A key that changes whenever the audio for a given text could change: the studio's
        render version, the backend, the model weights and the voice packs. No model load needed."""
        spec = parse_voice(voice)
        files = [self.backend.weights_file(), self.source.config_path()]
        files += [self.source.voice_path(vid) for vid, _ in spec.parts]
        backend = self.backend.name + (f"/{rev}" if (rev := self.backend.audio_revision) else "")
        parts = [f"render-{RENDER_VERSION}", backend, *map(self._fingerprint, files)]
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
        """The voice pack for a spec; a blend is the weighted mean of its voices' packs, made
        per request (well under a millisecond), so that a service fed ever-new blends keeps
        only the voices' own packs (at most 55 of 0.5 MB), not one per blend it ever saw."""
        if len(spec.parts) == 1:
            return self._voice(spec.parts[0][0])
        packs = [self._voice(vid) * weight for vid, weight in spec.parts]
        return np.sum(packs, axis=0).astype(np.float32)

    def _voice(self, voice_id: str) -> np.ndarray:
        if voice_id not in self._voice_packs:
            self._voice_packs[voice_id] = self.backend.load_voice(self.source.voice_path(voice_id))
        return self._voice_packs[voice_id]


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
