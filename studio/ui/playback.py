"""Playback through sounddevice: one output stream fed with chunks as they are synthesized.

The GUI thread pushes 24 kHz float32 chunks into a ChunkBuffer; PortAudio's callback thread drains
it, so sound starts with the first sentence. When the device refuses 24 kHz, chunks are resampled
to its own rate. With no audio device (or no PortAudio), the Player says so once, clearly, and
everything else in the app keeps working.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from studio.audio.encode import resample

log = logging.getLogger(__name__)

SOURCE_RATE = 24_000  # Kokoro's rate; kept here so this module does not import the engine
#: Seconds of audio buffered ahead. The callback is Python, and synthesis on the engine thread
#: competes for the CPU and the GIL: a deeper buffer than PortAudio's "low" avoids dropouts, and
#: 0.15 s before the first sound is not felt after a click.
OUTPUT_LATENCY = 0.15
NO_DEVICE_MESSAGE = (
    "No audio output device was found, so previews can't be heard. Everything else works: "
    "you can still edit and export MP3s. Connect speakers or headphones and press Play again."
)
NO_PORTAUDIO_MESSAGE = (
    "Audio playback is unavailable: the PortAudio library is missing. Everything else works: "
    "you can still edit and export MP3s. Install PortAudio (libportaudio2 on Debian/Ubuntu)."
)


class PlaybackUnavailable(Exception):
    """No way to play sound here; the message says why and what still works."""


class ChunkBuffer:
    """Audio waiting to be played: the GUI thread appends, PortAudio's callback thread reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chunks: deque[np.ndarray] = deque()
        self._offset = 0  # frames already read from the first chunk
        self._closed = False
        self.queued_frames = 0
        self.played_frames = 0
        #: Frames of silence played mid-sound because the next audio had not arrived: a stall.
        self.underrun_frames = 0

    def push(self, audio: np.ndarray) -> None:
        data = np.ascontiguousarray(audio, dtype=np.float32).reshape(-1)
        with self._lock:
            self._chunks.append(data)
            self.queued_frames += len(data)

    def close(self) -> None:
        """No more audio will come: the stream may end once the buffer is empty."""
        with self._lock:
            self._closed = True

    def read_into(self, out: np.ndarray) -> bool:
        """Fill ``out`` (silence where nothing is queued yet); True once everything was played."""
        filled = 0
        with self._lock:
            while filled < len(out) and self._chunks:
                head = self._chunks[0]
                take = min(len(out) - filled, len(head) - self._offset)
                out[filled : filled + take] = head[self._offset : self._offset + take]
                filled += take
                self._offset += take
                if self._offset == len(head):
                    self._chunks.popleft()
                    self._offset = 0
            if filled < len(out) and self.played_frames and not self._closed:
                self.underrun_frames += len(out) - filled
            self.played_frames += filled
            out[filled:] = 0.0
            return self._closed and not self._chunks


class Player(QObject):
    """Plays one sound at a time through a sounddevice OutputStream opened per playback."""

    started = Signal()
    stopped = Signal(bool)  # True when it played to the end, False when stopped early
    _stream_finished = Signal(int)  # a stream's serial, from PortAudio's thread to the GUI's

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sd: Any = None
        self._stream: Any = None
        self._buffer: ChunkBuffer | None = None
        self._rate = SOURCE_RATE
        self._needs_rescan = False
        self._serial = 0  # which stream is current; a finished stream's late news is ignored
        #: Seconds the last sound stalled (silence mid-sound while waiting for audio).
        self.last_stall_seconds = 0.0
        self._stream_finished.connect(self._on_stream_finished)

    @property
    def playing(self) -> bool:
        return self._buffer is not None

    def position(self) -> tuple[float, float]:
        """(seconds played, seconds received so far) of the current sound."""
        buffer = self._buffer
        if buffer is None:
            return 0.0, 0.0
        return buffer.played_frames / self._rate, buffer.queued_frames / self._rate

    def check_device(self) -> None:
        """Raise PlaybackUnavailable unless an output device is there (rescans after a failure)."""
        sd = self._sounddevice()
        if self._needs_rescan and self._stream is None:
            sd._terminate()  # PortAudio lists devices only at start-up: look again
            sd._initialize()
        try:
            sd.query_devices(kind="output")
        except sd.PortAudioError as exc:
            self._needs_rescan = True
            log.info("No output device: %s", exc)
            raise PlaybackUnavailable(NO_DEVICE_MESSAGE) from exc
        self._needs_rescan = False

    def start(self) -> None:
        """Start a new sound (stopping any other); chunks follow with ``feed``."""
        self.stop()
        self.check_device()
        self._buffer = ChunkBuffer()
        self._stream = self._open_stream()
        self._stream.start()
        self.started.emit()

    def feed(self, audio: np.ndarray) -> None:
        if self._buffer is None:
            return
        if self._rate != SOURCE_RATE:
            audio = resample(audio, SOURCE_RATE, self._rate)
        self._buffer.push(audio)

    def end_of_input(self) -> None:
        """Everything was fed: the stream stops by itself after the last sample."""
        if self._buffer is not None:
            self._buffer.close()

    def stop(self) -> None:
        if self._buffer is None:
            return
        self._finish(completed=False)

    def _open_stream(self) -> Any:
        sd = self._sounddevice()
        self._serial += 1
        serial = self._serial
        for rate in (SOURCE_RATE, None):
            if rate is None:
                rate = int(sd.query_devices(kind="output")["default_samplerate"])
            try:
                stream = sd.OutputStream(
                    samplerate=rate,
                    channels=1,
                    dtype="float32",
                    latency=OUTPUT_LATENCY,
                    callback=self._callback,
                    finished_callback=lambda: self._report_finished(serial),
                )
            except sd.PortAudioError as exc:
                log.info("Output stream at %s Hz refused: %s", rate, exc)
                continue
            self._rate = rate
            return stream
        self._buffer = None
        self._needs_rescan = True
        raise PlaybackUnavailable(NO_DEVICE_MESSAGE)

    def _callback(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        buffer = self._buffer
        if buffer is None or buffer.read_into(outdata[:, 0]):
            raise self._sd.CallbackStop

    def _report_finished(self, serial: int) -> None:
        """On PortAudio's thread: hand the news to the GUI thread (cffi wants None back)."""
        self._stream_finished.emit(serial)

    @Slot(int)
    def _on_stream_finished(self, serial: int) -> None:
        """PortAudio ended a stream by itself (it played to the end). Its ``active`` flag may
        still read True here: ALSA's backend clears it only after this callback, so the serial,
        not the flag, says whether this is the current stream."""
        if serial == self._serial and self._stream is not None:
            self._finish(completed=True)

    def _finish(self, completed: bool) -> None:
        if self._buffer is not None:
            self.last_stall_seconds = self._buffer.underrun_frames / self._rate
        stream, self._stream, self._buffer = self._stream, None, None
        if stream is not None:
            try:
                if not completed:
                    stream.abort()
                stream.close()
            except self._sd.PortAudioError as exc:
                log.warning("Closing the output stream failed: %s", exc)
        self.stopped.emit(completed)

    def _sounddevice(self) -> Any:
        if self._sd is None:
            try:
                import sounddevice
            except OSError as exc:  # the wheel loads the system's libportaudio
                raise PlaybackUnavailable(NO_PORTAUDIO_MESSAGE) from exc
            self._sd = sounddevice
        return self._sd
