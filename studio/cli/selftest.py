"""``narration-studio --self-test``: prove that an installation can speak, end to end.

Installers break in ways unit tests never see: a missing espeak-ng data folder, a torch library
that will not load, an MP3 encoder left out of a bundle. The self-test runs the real path once:
load the engine, voice one sentence (with a made-up word, so misaki's espeak-ng fallback runs too),
encode it to MP3 in a temporary folder, read the file back, load the playback library (PortAudio),
and report the figures in one line.
"""

from __future__ import annotations

import logging
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.audio.encode import MP3_BITRATE_KBPS, MP3_SAMPLE_RATE
from studio.engine import Engine
from studio.engine.request import SpeechRequest
from studio.errors import ErrorCode, StudioError
from studio.render.single import render_text_to_mp3
from studio.speech.voices import DEFAULT_VOICE

log = logging.getLogger(__name__)

#: "Zorblax" is in no dictionary: misaki must hand it to espeak-ng, which a broken bundle lacks.
SENTENCE = "Narration Studio is ready, and Zorblax the robot says hello."
_BACKEND_LIBRARIES = {"torch": "torch", "onnx": "onnxruntime"}
_HINT = "Reinstall Narration Studio; if it keeps failing, report this message."


@dataclass(frozen=True)
class SelfTestReport:
    """What the self-test measured."""

    load_seconds: float
    synth_seconds: float
    audio_seconds: float
    mp3_bytes: int
    sample_rate: int
    channels: int
    bitrate_kbps: int
    device: str
    runtime: str  # the backend's library and version, e.g. "torch 2.13.0"
    portaudio_version: str

    def summary(self) -> str:
        rtf = self.synth_seconds / self.audio_seconds
        channels = "mono" if self.channels == 1 else f"{self.channels} channels"
        return (
            f"self-test ok: load {self.load_seconds:.1f} s, synth {self.synth_seconds:.1f} s "
            f"for {self.audio_seconds:.1f} s audio (RTF {rtf:.2f}), mp3 {self.mp3_bytes / 1000:.0f} kB "
            f"{self.sample_rate} Hz {channels} {self.bitrate_kbps} kbps, device {self.device}, "
            f"{self.runtime}, portaudio {self.portaudio_version}"
        )


def run_self_test(engine: Engine, voice: str = DEFAULT_VOICE) -> SelfTestReport:
    """Load ``engine``, voice :data:`SENTENCE` to an MP3 and check the file.

    Raises StudioError: the engine's own (model missing, library not installed) or
    TTS_SERVICE_ERROR for anything else, such as a file missing from a broken bundle, whose details
    are logged at INFO (``--verbose``).
    """
    try:
        return _run(engine, voice)
    except StudioError:
        raise
    except Exception as exc:  # the point of a self-test: any failure becomes a clear message
        log.info("Self-test failure details", exc_info=True)
        raise _failure(f"{type(exc).__name__}: {exc}") from exc


def _run(engine: Engine, voice: str) -> SelfTestReport:
    load_seconds = engine.load()
    with tempfile.TemporaryDirectory(prefix="narration-studio-selftest-") as folder:
        output = Path(folder) / "self-test.mp3"
        started = time.perf_counter()
        duration, size = render_text_to_mp3(engine, SpeechRequest(SENTENCE, voice), output)
        synth_seconds = time.perf_counter() - started
        sample_rate, channels, bitrate_kbps = _check_mp3(output, duration)
    return SelfTestReport(
        load_seconds,
        synth_seconds,
        duration,
        size,
        sample_rate,
        channels,
        bitrate_kbps,
        engine.device,
        _runtime(engine.backend.name),
        _portaudio_version(),
    )


def _check_mp3(path: Path, expected_seconds: float) -> tuple[int, int, int]:
    """The MP3's rate, channels and kbps from its frame headers, after checking that it decodes
    to audible audio of the expected length in the studio's export format."""
    import mutagen.mp3
    import soundfile

    try:
        with path.open("rb") as handle:
            info = mutagen.mp3.MPEGInfo(handle)
        audio, rate = soundfile.read(path, dtype="float32")
    except (mutagen.MutagenError, soundfile.LibsndfileError, OSError) as exc:
        raise _failure(f"the MP3 it wrote cannot be read back ({exc})") from exc
    kbps = round(info.bitrate / 1000)
    found = (info.sample_rate, info.channels, kbps)
    if found != (MP3_SAMPLE_RATE, 1, MP3_BITRATE_KBPS) or rate != MP3_SAMPLE_RATE:
        raise _failure(
            f"the MP3 is {info.sample_rate} Hz, {info.channels} channel(s), {kbps} kbps; "
            f"expected {MP3_SAMPLE_RATE} Hz, mono, {MP3_BITRATE_KBPS} kbps"
        )
    seconds = len(audio) / rate
    if abs(seconds - expected_seconds) > 0.2:
        raise _failure(f"the MP3 decodes to {seconds:.2f} s of audio, not {expected_seconds:.2f} s")
    if audio.size == 0 or float(np.abs(audio).max()) < 0.05:
        raise _failure("the MP3 it wrote is silent")
    return found


def _runtime(backend_name: str) -> str:
    """The library that ran the model, with its version: 'torch 2.13.0'."""
    library = _BACKEND_LIBRARIES.get(backend_name, backend_name)
    module = sys.modules.get(library)  # loaded by the engine by now
    version = str(getattr(module, "__version__", "")).split("+")[0]
    return f"{library} {version}".strip()


def _portaudio_version() -> str:
    """The version of the PortAudio library that playback uses; loading it is the check."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when it cannot load PortAudio
        raise StudioError(
            ErrorCode.NOT_INSTALLED,
            f"Self-test failed: the playback library PortAudio could not be loaded ({exc}).",
            "On Linux install it with: sudo apt install libportaudio2 "
            "(the desktop installer carries its own).",
        ) from exc
    text = sounddevice.get_portaudio_version()[1]  # 'PortAudio V19.6.0-devel, revision …'
    match = re.search(r"V?(\d+(?:\.\d+)+)", text)
    return match.group(1) if match else text


def _failure(what: str) -> StudioError:
    return StudioError(ErrorCode.SERVICE_ERROR, f"Self-test failed: {what}.", _HINT)
