"""Audio out: resample Kokoro's 24 kHz float32 to 44.1 kHz and encode it: MP3 (CBR, mono; 128 kbps
by default, or 192, 256, 320), or a 24-bit WAV or FLAC master.

soxr resamples (high quality, vectorised C). MP3 files are encoded by the LAME inside pedalboard's
wheel, 3.4 times faster than libsndfile's at the same signal-to-noise ratio, and with the same
LAME/Info header, which tells players the encoder's delay and padding (so scene files join
gaplessly). WAV and FLAC go through soundfile's bundled libsndfile, which also decodes everything.
No ffmpeg binary to find, and no audioop (gone in Python 3.13) as pydub would need.
"""

from __future__ import annotations

import contextlib
import functools
import io
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.errors import ErrorCode, StudioError, io_error
from studio.fsutil import atomic_path

MP3_SAMPLE_RATE = 44_100
OUTPUT_SAMPLE_RATE = MP3_SAMPLE_RATE  # every format is written at 44.1 kHz
MP3_BITRATE_KBPS = 128  # the default, the seed's contract
MP3_BITRATES = (128, 192, 256, 320)
FORMATS = ("mp3", "wav", "flac")
#: libsndfile's container and subtype for each format; masters keep 24 bits.
_SOUNDFILE_FORMAT = {
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "wav": ("WAV", "PCM_24"),
    "flac": ("FLAC", "PCM_24"),
}


@dataclass(frozen=True)
class EncodedFile:
    """What was written: the path, the audio's length in seconds and the file's size in bytes."""

    path: Path
    duration: float
    size: int


def validate_format(fmt: object) -> str:
    """The format name in lower case, or TTS_INVALID_INPUT naming the ones there are."""
    name = str(fmt).lower()
    if name not in FORMATS:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"Unknown audio format '{fmt}'.",
            f"Choose one of: {', '.join(FORMATS)}.",
        )
    return name


def validate_bitrate(bitrate: object) -> int:
    """An MP3 bitrate the encoder writes as exact CBR, or TTS_INVALID_INPUT."""
    if isinstance(bitrate, bool) or not isinstance(bitrate, int) or bitrate not in MP3_BITRATES:
        raise StudioError(
            ErrorCode.INVALID_INPUT,
            f"The MP3 encoder cannot write {bitrate} kbps.",
            f"Choose one of: {', '.join(map(str, MP3_BITRATES))} kbps.",
        )
    return bitrate


def mp3_compression_level(bitrate: int) -> float:
    """libsndfile maps compression_level c in [0, 1] to a CBR bitrate of 320 - c * (320 - 32) kbps."""
    return (320 - validate_bitrate(bitrate)) / (320 - 32)


def join_audio(
    pieces: Iterable[np.ndarray], pause_seconds: float = 0.0, rate: int = 24_000
) -> np.ndarray:
    """Concatenate mono float32 pieces and append ``pause_seconds`` of silence."""
    parts = [np.asarray(p, dtype=np.float32).reshape(-1) for p in pieces]
    parts.append(np.zeros(round(max(pause_seconds, 0.0) * rate), dtype=np.float32))
    return np.concatenate(parts)


def resample(audio: np.ndarray, from_rate: int, to_rate: int = MP3_SAMPLE_RATE) -> np.ndarray:
    import soxr

    if from_rate == to_rate:
        return audio.astype(np.float32, copy=False)
    return soxr.resample(audio, from_rate, to_rate, quality="HQ").astype(np.float32, copy=False)


def encode(
    audio: np.ndarray, rate: int, fmt: str = "mp3", bitrate: int = MP3_BITRATE_KBPS
) -> bytes:
    """``audio`` (mono float32 at ``rate``) as the bytes of a 44.1 kHz file in ``fmt``."""
    buffer = io.BytesIO()
    _write(buffer, resample(audio, rate), validate_format(fmt), bitrate)
    return buffer.getvalue()


def write_audio(
    path: Path,
    audio: np.ndarray,
    rate: int,
    fmt: str = "mp3",
    bitrate: int = MP3_BITRATE_KBPS,
    finish: Callable[[Path], None] | None = None,
) -> EncodedFile:
    """Resample ``audio`` to 44.1 kHz and write it to ``path`` in ``fmt``, atomically.

    ``finish`` runs on the complete temp file before it replaces ``path`` (to tag it), so the
    target is either the old file or the new, finished one.
    """
    fmt = validate_format(fmt)
    out = resample(audio, rate)
    with atomic_path(Path(path)) as temp:
        _write(temp, out, fmt, bitrate, path)
        if finish is not None:
            finish(temp)
    return EncodedFile(Path(path), len(out) / OUTPUT_SAMPLE_RATE, Path(path).stat().st_size)


def write_mp3(
    path: Path, audio: np.ndarray, rate: int, bitrate: int = MP3_BITRATE_KBPS
) -> EncodedFile:
    """Resample ``audio`` to 44.1 kHz and write it to ``path`` as MP3, atomically."""
    return write_audio(path, audio, rate, "mp3", bitrate)


def soundfile_options(fmt: str, bitrate: int = MP3_BITRATE_KBPS) -> dict[str, Any]:
    """The keyword arguments of soundfile.SoundFile for ``fmt`` at 44.1 kHz mono: what libsndfile
    writes (the WAV and FLAC masters, and the MP3 that is streamed as it is made)."""
    fmt = validate_format(fmt)
    container, subtype = _SOUNDFILE_FORMAT[fmt]
    options: dict[str, Any] = {
        "samplerate": OUTPUT_SAMPLE_RATE,
        "channels": 1,
        "format": container,
        "subtype": subtype,
    }
    if fmt == "mp3":
        options["bitrate_mode"] = "CONSTANT"
        options["compression_level"] = mp3_compression_level(bitrate)
    return options


Write = Callable[[np.ndarray], None]


@contextlib.contextmanager
def open_encoder(
    target: Path | io.BytesIO, fmt: str, bitrate: int = MP3_BITRATE_KBPS
) -> Iterator[Write]:
    """Encode mono float32 blocks at 44.1 kHz, in order, as one file in ``fmt`` at ``target``.

    Each block is scaled by the inverse of the encoder's own gain (so the decoded file has the
    level it was given) and clipped to full scale. Long audio can come in blocks: memory stays
    flat for a book of many hours.
    """
    compensation = 1.0 / encoder_gain(fmt, bitrate)

    def compensated(block: np.ndarray) -> np.ndarray:
        out = np.multiply(block, compensation, dtype=np.float32)
        return np.clip(out, -1.0, 1.0, out=out)  # one copy of a long scene, not two

    with _plain_encoder(target, fmt, bitrate) as write:
        yield lambda block: write(compensated(block))


@contextlib.contextmanager
def _plain_encoder(target: Path | io.BytesIO, fmt: str, bitrate: int) -> Iterator[Write]:
    """``open_encoder`` without the level compensation (what ``encoder_gain`` measures)."""
    if validate_format(fmt) != "mp3":
        import soundfile

        where = str(target) if isinstance(target, Path) else target
        with soundfile.SoundFile(where, "w", **soundfile_options(fmt)) as pcm:
            yield pcm.write
        return
    if isinstance(threading.current_thread(), threading._DummyThread):
        # A thread Python did not start (Qt's: the studio's engine thread). pedalboard's native
        # code takes and drops Python thread states, which crashes there; on a thread of
        # Python's own it never has. So the blocks go to one, a few at a time.
        with _on_a_python_thread(target, fmt, bitrate) as write:
            yield write
        return
    from pedalboard.io import AudioFile

    with contextlib.ExitStack() as stack:
        # pedalboard writes through a Python file, so a full disk surfaces as the OSError it is
        sink = stack.enter_context(target.open("wb")) if isinstance(target, Path) else target
        mp3 = stack.enter_context(
            AudioFile(
                sink, "w", OUTPUT_SAMPLE_RATE, 1, format="mp3", quality=validate_bitrate(bitrate)
            )
        )
        yield lambda block: mp3.write(block[np.newaxis, :])


@contextlib.contextmanager
def _on_a_python_thread(target: Path | io.BytesIO, fmt: str, bitrate: int) -> Iterator[Write]:
    """``_plain_encoder`` run on a thread that Python started; blocks reach it through a short
    queue (memory stays flat), and its error is raised here."""
    blocks: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=4)
    failure: list[BaseException] = []

    def encode_blocks() -> None:
        received_all = False
        try:
            with _plain_encoder(target, fmt, bitrate) as write:
                while (block := blocks.get()) is not None:
                    write(block)
                received_all = True
        except BaseException as exc:  # handed to the caller below
            failure.append(exc)
            while not received_all and blocks.get() is not None:  # let the caller finish
                pass

    encoder = threading.Thread(target=encode_blocks, name="mp3-encoder", daemon=True)
    encoder.start()

    def put(block: np.ndarray) -> None:
        if failure:
            raise failure[0]
        blocks.put(block)

    try:
        yield put
    finally:
        blocks.put(None)
        encoder.join()
    if failure:
        raise failure[0]


@contextlib.contextmanager
def encoder_errors(target: object) -> Iterator[None]:
    """An encoder's failure (a full disk, most often) as a clear error naming ``target``."""
    import soundfile

    try:
        yield
    except StudioError:
        raise
    except OSError as exc:
        raise io_error("write", target, exc) from exc
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as exc:
        raise StudioError(
            ErrorCode.IO_ERROR,
            f"Could not write {target}: {exc}.",
            "Free some disk space and export again. No earlier file was changed.",
        ) from exc


@functools.cache  # a property of the installed encoder: probed once, not per file
def encoder_gain(fmt: str, bitrate: int = MP3_BITRATE_KBPS) -> float:
    """How much the encoder scales the level, measured: LAME writes MP3s about 0.45 dB quieter at
    128 kbps and 0.26 dB at 192 (a plain gain: the same at every frequency, on speech as on
    tones), none at 256 or 320. Divide by it before encoding, and the decoded file has the level
    that was mastered. PCM masters answer 1.0."""
    if validate_format(fmt) != "mp3":
        return 1.0
    import soundfile

    rate = OUTPUT_SAMPLE_RATE
    tone = (0.3 * np.sin(2 * np.pi * 1000 * np.arange(rate // 2) / rate)).astype(np.float32)
    buffer = io.BytesIO()
    with _plain_encoder(buffer, fmt, bitrate) as write:
        write(tone)
    buffer.seek(0)
    decoded, _ = soundfile.read(buffer, dtype="float32")
    middle = slice(rate // 8, rate // 8 * 3)
    gain = float(np.std(decoded[middle]) / np.std(tone[middle]))
    return gain if 0.5 < gain <= 1.0 else 1.0


def _write(
    target: Path | io.BytesIO,
    audio: np.ndarray,
    fmt: str,
    bitrate: int,
    shown_as: Path | None = None,
) -> None:
    with encoder_errors(shown_as or "the audio"), open_encoder(target, fmt, bitrate) as write:
        write(audio)
