"""Listening: play a scene or a voice sample now, from the cache or streamed from the engine.

A streamed sound starts when what is synthesized, plus what is expected to arrive while it plays
(studio.ui.pacing, from this machine's measured pace), covers the rest without a stall; until then
``preparing`` says how long it expects to wait. The whole sound is kept in a small in-memory
cache, so a second click on the same text, voice, speed and direction plays at once. Every chunk
fed to the speakers is announced (``chunk_heard``), with its times counted from the start of the
sound, so that the editor can follow along.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from studio.errors import ErrorCode
from studio.speech.text import split_sentences
from studio.ui.engine_jobs import Speak, SpeakProgress
from studio.ui.pacing import SynthesisPace, remaining_pieces
from studio.ui.playback import SOURCE_RATE, PlaybackUnavailable, Player
from studio.ui.worker import EngineWorker

if TYPE_CHECKING:
    from studio.engine.request import SpeechRequest

CacheKey = tuple[Any, ...]  # text, voice, speed, and what directs the read
#: How often a waiting sound checks again whether it can start.
PACING_CHECK_MS = 100
_NO_PLAYBACK = "NO_PLAYBACK"  # the error code the Listener reports when no device can play


class AudioCache:
    """Recently heard sounds by (text, voice, speed), least recently used dropped first."""

    def __init__(self, max_seconds: float = 900.0) -> None:
        self._items: OrderedDict[CacheKey, list[Any]] = OrderedDict()
        self._max_frames = int(max_seconds * SOURCE_RATE)

    def get(self, key: CacheKey) -> list[Any] | None:
        """The AudioChunks heard for ``key``, or None."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        return None

    def put(self, key: CacheKey, chunks: list[Any]) -> None:
        self._items[key] = chunks
        self._items.move_to_end(key)
        while len(self._items) > 1 and self._frames() > self._max_frames:
            self._items.popitem(last=False)

    def _frames(self) -> int:
        return sum(len(c.audio) for chunks in self._items.values() for c in chunks)


@dataclass(frozen=True)
class Listening:
    """What is being heard: a scene (target = scene id) or a voice sample (target = voice)."""

    kind: str  # "scene" or "voice"
    target: str
    label: str


class Listener(QObject):
    """Plays one thing at a time and tells the UI what is playing, or why nothing can."""

    state_changed = Signal(object)  # Listening, or None when silent
    first_audio = Signal(float)  # seconds from the request to its first audio
    chunk_heard = Signal(object)  # an AudioChunk sent to the speakers, timed from the sound's start
    #: Synthesized audio is held back so the sound will not stall: the seconds still expected.
    preparing = Signal(float)
    #: Something could not be heard: what (None before anything started), error code, message.
    error = Signal(object, str, str)

    def __init__(
        self, worker: EngineWorker, player: Player, cache: AudioCache | None = None
    ) -> None:
        super().__init__()
        self._worker = worker
        self._player = player
        self._cache = cache if cache is not None else AudioCache()
        self._current: Listening | None = None
        self._job: int | None = None
        self._key: CacheKey | None = None
        self._chunks: list[Any] = []
        self._held: list[Any] = []  # synthesized, not yet sent to the speakers
        self._started = False
        self._asked_at = 0.0
        self.pace = SynthesisPace()
        self._speed = 1.0
        self._sentences: list[int] = []  # the characters of each sentence of the request
        self._done_chars = 0
        self._made_at = 0.0  # when the latest chunk arrived
        self._pacing = QTimer(self, interval=PACING_CHECK_MS)
        self._pacing.timeout.connect(self._start_when_safe)
        worker.chunk_ready.connect(self._on_chunk)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        player.stopped.connect(self._on_player_stopped)

    @property
    def current(self) -> Listening | None:
        return self._current

    @property
    def synthesizing(self) -> bool:
        return self._job is not None

    def position(self) -> tuple[float, float]:
        return self._player.position()

    def play(self, what: Listening, request: SpeechRequest) -> None:
        """Start hearing the request (from its ``start_at`` sentence, ``sentences`` of them);
        replaces whatever was playing or being synthesized."""
        self._silence()
        try:
            self._player.check_device()
        except PlaybackUnavailable as exc:
            self._set_state(None)
            self.error.emit(what, _NO_PLAYBACK, str(exc))
            return
        self._asked_at = time.perf_counter()
        text, start_at, sentences = request.text, request.start_at, request.sentences
        direction = request.direction
        fingerprint = direction.fingerprint() if direction is not None else ""
        heard = (text.strip(), request.voice, float(request.speed), fingerprint)
        self._key = (*heard, start_at, sentences)
        self._current = what
        cached = self._cache.get(self._key)
        if cached is None and start_at and sentences is None:  # heard whole: play from there
            whole = self._cache.get((*heard, 0, None))
            cached = _from_source(whole, start_at) if whole else None
        if cached is not None:
            if self._start_player():
                for chunk in cached:
                    self._player.feed(chunk.audio)
                    self.chunk_heard.emit(chunk)
                self._player.end_of_input()
                self.first_audio.emit(time.perf_counter() - self._asked_at)
            return
        self._chunks, self._held, self._started = [], [], False
        self._speed, self._done_chars, self._made_at = float(request.speed), 0, self._asked_at
        self._sentences = [len(s) for s in split_sentences(text[start_at:])][:sentences]
        self._job = self._worker.submit(Speak(request))
        self._set_state(what)

    def stop(self) -> None:
        self._silence()
        self._set_state(None)

    def _silence(self) -> None:
        job, self._job = self._job, None  # cleared first: cancelling reports back synchronously
        self._pacing.stop()
        self._held = []
        if job is not None:
            self._worker.cancel(job)
        self._player.stop()

    def _start_player(self) -> bool:
        try:
            self._player.start()
        except PlaybackUnavailable as exc:
            what = self._current
            self._silence()
            self._set_state(None)
            self.error.emit(what, _NO_PLAYBACK, str(exc))
            return False
        self._set_state(self._current)
        return True

    @Slot(int, object)
    def _on_chunk(self, job: int, chunk: object) -> None:
        if job != self._job:
            return
        self._chunks.append(chunk)
        if self._started:
            self._hear(chunk)
        else:
            self._held.append(chunk)

    @Slot(int, object)
    def _on_progress(self, job: int, progress: object) -> None:
        """Learn this machine's pace from the chunk just made, then start if that is now safe."""
        if job != self._job or not isinstance(progress, SpeakProgress) or not self._chunks:
            return
        self._made_at = time.perf_counter()
        self._done_chars = progress.done_chars
        chunk = self._chunks[-1]
        if progress.made_by_model:  # a sentence from the engine's cache says nothing of the pace
            self.pace.observe(
                progress.chunk_chars, progress.chunk_seconds, chunk.duration, self._speed
            )
        if not self._started:
            self._start_when_safe()

    @Slot()
    def _start_when_safe(self) -> None:
        """Start the sound once the pace says it will not stall; else say how long it expects."""
        if self._started or self._job is None or not self._held:
            return
        wait = self.pace.wait_before_start(
            sum(c.duration for c in self._held),
            time.perf_counter() - self._made_at,
            remaining_pieces(self._sentences, self._done_chars),
            self._speed,
        )
        if wait > 0:
            self.preparing.emit(wait)
            if not self._pacing.isActive():
                self._pacing.start()
            return
        self._start_held()

    def _start_held(self) -> bool:
        """Send what was held back to the speakers; later chunks follow as they come."""
        self._pacing.stop()
        if not self._start_player():
            return False
        self._started = True
        self.first_audio.emit(time.perf_counter() - self._asked_at)
        held, self._held = self._held, []
        for chunk in held:
            self._hear(chunk)
        return True

    def _hear(self, chunk: Any) -> None:
        self._player.feed(chunk.audio)
        self.chunk_heard.emit(chunk)

    @Slot(int, object)
    def _on_finished(self, job: int, _result: object) -> None:
        if job != self._job:
            return
        self._job = None
        if self._key is not None:
            self._cache.put(self._key, self._chunks)
        if not self._started and not self._start_held():
            return
        self._player.end_of_input()

    @Slot(int, str, str)
    def _on_failed(self, job: int, code: str, message: str) -> None:
        if job != self._job:
            return
        self._job = None
        self._pacing.stop()
        self._held = []
        what = self._current
        self._player.stop()
        self._set_state(None)
        if code != ErrorCode.CANCELLED.value:
            self.error.emit(what, code, message)

    @Slot(bool)
    def _on_player_stopped(self, _completed: bool) -> None:
        if self._job is None:
            self._set_state(None)

    def _set_state(self, what: Listening | None) -> None:
        if what is None:
            self._current = None
        self.state_changed.emit(what)


def _from_source(chunks: list[Any], index: int) -> list[Any] | None:
    """The chunks of a sound heard whole, from the one voicing ``index`` of the text on, timed
    from the first of them."""
    for number, chunk in enumerate(chunks):
        if chunk.source is not None and chunk.source[1] > index:
            base = chunk.start
            return [_rebased(c, base) for c in chunks[number:]]
    return None


def _rebased(chunk: Any, base: float) -> Any:
    words = tuple(replace(w, start=w.start - base, end=w.end - base) for w in chunk.words)
    return replace(chunk, start=chunk.start - base, words=words)
