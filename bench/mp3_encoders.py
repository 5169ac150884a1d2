"""The MP3 encoder of the studio's files (pedalboard's LAME, studio.audio.encode) against
libsndfile's LAME, which wrote them before, and PyAV's libmp3lame, on the same scene.

    python -m bench.mp3_encoders [--runs 3]

Voices ``bench/inputs/scene_900.txt`` (af_heart) once, resamples it to 44.1 kHz as an export
does, then encodes it at 128 kbps CBR with each encoder, ``--runs`` times in turn. For each:
the best time, the file's size, whether it decodes to exactly the input's length (the LAME/Info
header that makes scene files join gaplessly), its level against the input, and its fidelity
to the input at the same level: signal-to-noise ratio and log-spectral distance. Writes
``bench/results/mp3_encoders.json``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from bench.run import BENCH, DEFAULT_MODEL_DIR, SCENE, machine_info
from studio.audio.encode import OUTPUT_SAMPLE_RATE, open_encoder, resample, soundfile_options
from studio.engine.request import SpeechRequest

BITRATE = 128


def studio(audio: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    with open_encoder(buffer, "mp3", BITRATE) as write:
        write(audio)
    return buffer.getvalue()


def libsndfile(audio: np.ndarray) -> bytes:
    import soundfile

    buffer = io.BytesIO()
    with soundfile.SoundFile(buffer, "w", **soundfile_options("mp3", BITRATE)) as out:
        out.write(audio)
    return buffer.getvalue()


def pyav(audio: np.ndarray) -> bytes:
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=OUTPUT_SAMPLE_RATE, layout="mono")
        stream.bit_rate = BITRATE * 1000
        frame = av.AudioFrame.from_ndarray(audio[np.newaxis, :], format="fltp", layout="mono")
        frame.sample_rate, frame.pts = OUTPUT_SAMPLE_RATE, 0
        frame.time_base = Fraction(1, OUTPUT_SAMPLE_RATE)
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return buffer.getvalue()


ENCODERS: dict[str, Callable[[np.ndarray], bytes]] = {
    "studio (pedalboard's LAME)": studio,
    "libsndfile's LAME": libsndfile,
    "PyAV's libmp3lame": pyav,
}


def log_spectral_distance(reference: np.ndarray, decoded: np.ndarray) -> float:
    """Mean over 2048-sample frames of the RMS difference of the two power spectra, in dB."""
    from scipy.signal import stft

    spectra = [
        np.abs(stft(x, OUTPUT_SAMPLE_RATE, nperseg=2048)[2]) ** 2 + 1e-10
        for x in (reference, decoded)
    ]
    difference = 10 * np.log10(spectra[0] / spectra[1])
    return float(np.mean(np.sqrt(np.mean(difference**2, axis=0))))


def fidelity(audio: np.ndarray, data: bytes) -> dict[str, Any]:
    import soundfile

    decoded, _ = soundfile.read(io.BytesIO(data), dtype="float32")
    exact = len(decoded) == len(audio)
    result: dict[str, Any] = {"decoded_samples": len(decoded), "exact_length": exact}
    if exact:
        # Compare at the same level: LAME's own gain (0.95 at 128 kbps) is a plain scale that
        # the studio makes up for, and it would swamp the coding noise.
        gain = float(np.dot(decoded, audio) / np.dot(decoded, decoded))
        level_matched = decoded * gain
        noise = level_matched - audio
        result["level_db"] = float(-20 * np.log10(gain))
        result["snr_db"] = float(10 * np.log10(np.sum(audio**2) / np.sum(noise**2)))
        result["log_spectral_distance_db"] = log_spectral_distance(audio, level_matched)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from studio.engine import Engine, LocalModelSource
    from studio.engine.chunks import SAMPLE_RATE

    engine = Engine(LocalModelSource(args.model_dir), cache_bytes=0)
    engine.load()
    chunks = engine.synthesize(SpeechRequest(SCENE.read_text(encoding="utf-8").strip(), "af_heart"))
    audio = resample(np.concatenate([chunk.audio for chunk in chunks]), SAMPLE_RATE)
    audio = np.clip(audio, -1.0, 1.0)  # as every encoder gets it
    times: dict[str, list[float]] = {name: [] for name in ENCODERS}
    files: dict[str, bytes] = {}
    for _ in range(args.runs):
        for name, encode in ENCODERS.items():
            started = time.perf_counter()
            files[name] = encode(audio)
            times[name].append(time.perf_counter() - started)
    results: dict[str, Any] = {
        "machine": machine_info(),
        "audio_s": len(audio) / OUTPUT_SAMPLE_RATE,
        "kbps": BITRATE,
    }
    for name, data in files.items():
        results[name] = {"best_s": min(times[name]), "bytes": len(data), **fidelity(audio, data)}
        print(json.dumps({name: results[name]}), flush=True)
    out = BENCH / "results" / "mp3_encoders.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
