"""Levers of issue 12, item 5: the vocoder's residual blocks run in place
(studio.engine.inplace_blocks) against Kokoro's own forward, on the same loaded model; and, in
bf16, with their AdaIN and Snake steps in bf16 too, then also with the vocoder's noise drawn
contiguous (studio.engine.noise_source).

    python -m bench.inplace_lever [--precision fp32|bf16] [--runs 4]
    ONEDNN_MAX_CPU_ISA=AVX2 python -m bench.inplace_lever --precision fp32   # as without bf16

Voices the first preview line of ``bench/inputs/previews.txt`` and ``bench/inputs/scene_900.txt``
(af_heart, no sentence cache) through the studio's torch backend, alternating the forwards run by
run so that all see the same machine. It checks that the in-place forward gives Kokoro's very
samples, and gives the log-spectral distance of the bf16 steps' audio from Kokoro's (the vocoder's
noise is seeded, so that distance is the arithmetic's alone) and of the other noise draw's from
the bf16 steps' (the noise's alone). The freed memory is handed back
after each run, as the studio does when it falls idle. Prints the median seconds of each and
writes ``bench/results/inplace_lever-PRECISION.json``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import types
from pathlib import Path
from typing import Any

import numpy as np

from bench.run import BENCH, DEFAULT_MODEL_DIR, PREVIEWS, SCENE, machine_info
from tests.spectra import log_spectral_distance

KOKORO, IN_PLACE, BF16_STEPS = "kokoro", "in place", "in place, bf16 steps"
CONTIGUOUS_NOISE = "in place, bf16 steps, contiguous noise"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="bf16")
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    import torch
    from kokoro.istftnet import AdaINResBlock1

    from studio.engine import Engine, LocalModelSource
    from studio.engine.core import SAMPLE_RATE
    from studio.engine.inplace_blocks import in_place_forward, residual_blocks
    from studio.engine.noise_source import draw_noise_contiguously
    from studio.engine.torch_backend import TorchBackend
    from studio.memory import release_freed_memory

    source = LocalModelSource(args.model_dir)
    backend = TorchBackend(source, device="cpu", precision=args.precision)
    engine = Engine(source, backend, cache_bytes=0)
    engine.load()
    blocks = residual_blocks(backend._model)
    forwards = {
        KOKORO: [types.MethodType(AdaINResBlock1.forward, block) for block in blocks],
        IN_PLACE: [in_place_forward(block) for block in blocks],
    }
    if backend.precision == "bf16":
        forwards[BF16_STEPS] = [in_place_forward(b, elementwise=torch.bfloat16) for b in blocks]
        forwards[CONTIGUOUS_NOISE] = forwards[BF16_STEPS]
    sine_gen = backend._model.decoder.generator.m_source.l_sin_gen

    def voice(text: str, forward: str) -> tuple[float, np.ndarray]:
        for block, method in zip(blocks, forwards[forward], strict=True):
            block.forward = method
        vars(sine_gen).pop("_f02sine", None)  # Kokoro's draw, unless this forward draws its own
        if forward == CONTIGUOUS_NOISE:
            draw_noise_contiguously(backend._model)
        started = time.perf_counter()
        chunks = list(engine.synthesize(text, "af_heart"))
        seconds = time.perf_counter() - started
        release_freed_memory()
        return seconds, np.concatenate([chunk.audio for chunk in chunks])

    texts = {
        "preview line": PREVIEWS.read_text(encoding="utf-8").splitlines()[0].strip(),
        "scene_900": SCENE.read_text(encoding="utf-8").strip(),
    }
    results: dict[str, Any] = {
        "machine": machine_info(),
        "precision": backend.precision,
        "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", ""),
        "in_place_blocks": len(blocks),
    }
    for name, text in texts.items():
        voice(text, KOKORO)  # warm
        times: dict[str, list[float]] = {forward: [] for forward in forwards}
        audio: dict[str, np.ndarray] = {}
        for _ in range(args.runs):
            for forward in forwards:
                seconds, audio[forward] = voice(text, forward)
                times[forward].append(seconds)
        medians = {forward: statistics.median(times[forward]) for forward in forwards}
        results[name] = {
            "audio_s": len(audio[KOKORO]) / SAMPLE_RATE,
            "seconds": times,
            "median_s": medians,
            "saved": {f: 1 - medians[f] / medians[KOKORO] for f in forwards if f != KOKORO},
            "same_samples": bool(np.array_equal(audio[KOKORO], audio[IN_PLACE])),
        }
        if BF16_STEPS in audio:
            distance = log_spectral_distance(audio[KOKORO], audio[BF16_STEPS])
            results[name]["bf16_steps_lsd_db_from_kokoro"] = distance
            distance = log_spectral_distance(audio[BF16_STEPS], audio[CONTIGUOUS_NOISE])
            results[name]["contiguous_noise_lsd_db_from_bf16_steps"] = distance
        print(json.dumps({name: results[name]}), flush=True)
    out = BENCH / "results" / f"inplace_lever-{backend.precision}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
