"""What mastering costs for a chapter-length scene: time and peak memory of writing one scene file.

    .venv/bin/python -m bench.mastering [--minutes 55] [--presets none,podcast,acx]

Each preset runs in a fresh process (peak RSS is per process) on the same fixed input: speech-like
noise bursts at Kokoro's 24 kHz (seeded, so every run masters the same signal), as long as the
audio of a 50,000-character chapter (about 55 minutes). It times ``write_scene_file``: resampling,
mastering, MP3 encoding, decoding and measuring the written file. No model is needed.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RATE = 24_000


def speechlike(minutes: float, seed: int = 11) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.zeros(round(minutes * 60 * RATE), dtype=np.float32)
    position = RATE // 4
    while position < len(out) - RATE:
        length = int(rng.uniform(0.08, 0.35) * RATE)
        burst = rng.standard_normal(length) * np.hanning(length) * rng.uniform(0.05, 0.3)
        out[position : position + length] = burst
        position += length + int(rng.uniform(0.02, 0.3) * RATE)
    return out


def one(preset_name: str, minutes: float) -> dict[str, float]:
    from studio.audio.presets import get_preset
    from studio.audio.scene_file import write_scene_file
    from studio.audio.tags import Tags
    from studio.engine.chunks import AudioChunk

    audio = speechlike(minutes)
    chunk = AudioChunk(0, "bench", "", audio, 0.0)
    preset = get_preset(preset_name)
    with tempfile.TemporaryDirectory() as folder:
        started, cpu = time.perf_counter(), time.process_time()
        written = write_scene_file(
            Path(folder) / "scene.mp3",
            [chunk],
            0.5,
            preset,
            "mp3",
            preset.mp3_bitrate,
            Tags("t", "a", "b", 1, 1),
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "audio_min": minutes,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "peak_rss_mb": round(peak_mb),
        "lufs": round(written.measurement.integrated_lufs, 2),
        "rms_dbfs": round(written.measurement.rms_dbfs, 2),
        "true_peak_dbtp": round(written.measurement.true_peak_dbtp, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=55.0)
    parser.add_argument("--presets", default="none,podcast,acx")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.minutes)))
        return
    for name in args.presets.split(","):
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.mastering",
                "--one",
                name,
                "--minutes",
                str(args.minutes),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"{name:<10} {run.stdout.strip()}", flush=True)


if __name__ == "__main__":
    main()
