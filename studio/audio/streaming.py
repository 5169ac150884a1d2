"""Encode audio as it is made: mp3, opus, flac, wav or raw pcm, a chunk in and bytes out.

The HTTP speech endpoint sends audio while later sentences are still being synthesized, so each
format is encoded incrementally. libsndfile (soundfile) does the encoding into a sink that hands
out what was written so far (pedalboard, which writes the studio's MP3 files, must seek back to
finish its header, which a stream cannot). Where libsndfile goes back at the end to fill in a
header (the MP3's Xing frame count), a streamed file keeps the values written first, which
decoders accept; a whole file (``encode_audio``) gets the finished header. FLAC is held until the end (see
``WHOLE_FILE_FORMATS``). WAV is streamed with the usual "unknown length" sizes (0xFFFFFFFF), as
streaming servers do.
MP3 is resampled to 44.1 kHz, 128 kbps CBR (studio.audio.encode's spec) with a continuous soxr
stream; the other formats stay at the model's 24 kHz (OpenAI's pcm is 24 kHz 16-bit mono).
"""

from __future__ import annotations

import io
import struct
from typing import Any

import numpy as np

from studio.audio.encode import MP3_SAMPLE_RATE, soundfile_options

#: Format name -> MIME type, for the formats this module writes.
MEDIA_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
FORMATS = tuple(MEDIA_TYPES)
#: Formats whose bytes all come at ``close``: FLAC's header holds the total sample count, and
#: libsndfile (so soundfile, and the studio) cannot read a FLAC stream that says "unknown".
WHOLE_FILE_FORMATS = frozenset({"flac"})
_UNKNOWN_SIZE = 0xFFFFFFFF


class _Sink(io.RawIOBase):
    """A seekable file for libsndfile whose written bytes can be taken out as they come.

    Bytes not yet taken can still be rewritten (a header patch); a rewrite of bytes already taken
    is dropped, since they have left.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pending = bytearray()
        self._taken = 0  # bytes handed out before the start of _pending
        self._pos = 0

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        end = self._taken + len(self._pending)
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: end}[whence]
        self._pos = max(base + offset, 0)
        return self._pos

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        start = self._pos - self._taken
        skip = max(-start, 0)  # the part that lands on bytes already handed out
        if skip < len(chunk):
            begin = start + skip
            if begin > len(self._pending):
                self._pending.extend(bytes(begin - len(self._pending)))
            self._pending[begin : begin + len(chunk) - skip] = chunk[skip:]
        self._pos += len(chunk)
        return len(chunk)

    def read(self, size: int = -1) -> bytes:
        start = max(self._pos - self._taken, 0)
        stop = len(self._pending) if size < 0 else start + size
        data = bytes(self._pending[start:stop])
        self._pos += len(data)
        return data

    def take(self) -> bytes:
        """Everything written since the last take."""
        data = bytes(self._pending)
        self._taken += len(data)
        self._pending.clear()
        return data


class StreamEncoder:
    """Encodes float32 mono chunks at ``rate`` into one file of ``fmt``: ``write`` returns the
    bytes ready so far, ``close`` the rest."""

    def __init__(self, fmt: str, rate: int = 24_000) -> None:
        if fmt not in MEDIA_TYPES:
            raise ValueError(f"unknown audio format {fmt!r}")
        self.format = fmt
        self.rate = rate
        self._sink = _Sink()
        self._file: Any = None
        self._resampler: Any = None
        self._header_sent = False
        if fmt in ("mp3", "opus", "flac"):
            self._file = self._open_soundfile()

    def _open_soundfile(self) -> Any:
        import soundfile

        if self.format == "mp3":
            import soxr

            if self.rate != MP3_SAMPLE_RATE:
                self._resampler = soxr.ResampleStream(
                    self.rate, MP3_SAMPLE_RATE, 1, dtype="float32", quality="HQ"
                )
            return soundfile.SoundFile(self._sink, "w", **soundfile_options("mp3"))
        subtype = "OPUS" if self.format == "opus" else "PCM_16"
        container = "OGG" if self.format == "opus" else "FLAC"
        return soundfile.SoundFile(
            self._sink, "w", samplerate=self.rate, channels=1, format=container, subtype=subtype
        )

    def write(self, audio: np.ndarray) -> bytes:
        """Encode a chunk; the bytes the encoder has finished so far (maybe none yet)."""
        samples = np.clip(np.asarray(audio, dtype=np.float32).reshape(-1), -1.0, 1.0)
        if self._file is None:
            return self._wav_header() + _pcm16(samples)
        self.feed(samples)
        return b"" if self.format in WHOLE_FILE_FORMATS else self._sink.take()

    def feed(self, samples: np.ndarray) -> None:
        """Encode without taking the bytes out, so that ``close`` can still fix the header."""
        if self._resampler is not None:
            samples = self._resampler.resample_chunk(samples)
        if len(samples):
            self._file.write(samples)

    def close(self) -> bytes:
        """Flush the encoder; the bytes that end the file."""
        if self._file is None:
            return self._wav_header()
        if self._resampler is not None:
            tail = self._resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            if len(tail):
                self._file.write(np.clip(tail, -1.0, 1.0))
        self._file.close()
        return self._sink.take()

    def _wav_header(self) -> bytes:
        if self.format != "wav" or self._header_sent:
            return b""
        self._header_sent = True
        return wav_header(self.rate, _UNKNOWN_SIZE)


def wav_header(rate: int, data_bytes: int) -> bytes:
    """A 44-byte RIFF/WAVE header for 16-bit mono PCM; 0xFFFFFFFF sizes mean "unknown length"."""
    riff_size = _UNKNOWN_SIZE if data_bytes == _UNKNOWN_SIZE else 36 + data_bytes
    return (
        b"RIFF"
        + struct.pack("<I", riff_size)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def encode_audio(audio: np.ndarray, fmt: str, rate: int = 24_000) -> bytes:
    """One whole file of ``fmt`` with exact headers (lengths and totals filled in)."""
    samples = np.clip(np.asarray(audio, dtype=np.float32).reshape(-1), -1.0, 1.0)
    if fmt == "pcm":
        return _pcm16(samples)
    if fmt == "wav":
        data = _pcm16(samples)
        return wav_header(rate, len(data)) + data
    encoder = StreamEncoder(fmt, rate)
    encoder.feed(samples)
    return encoder.close()


def _pcm16(samples: np.ndarray) -> bytes:
    return (np.round(samples * 32767.0)).astype("<i2").tobytes()
