"""A lever of issue 12, item 5: the vocoder's residual blocks run in place
(studio.engine.inplace_blocks) against Kokoro's own forward, on the same loaded model.

    python -m bench.inplace_lever [--precision fp32|bf16] [--runs 4]
    ONEDNN_MAX_CPU_ISA=AVX2 python -m bench.inplace_lever --precision fp32   # as without bf16

Voices the first preview line of ``bench/inputs/previews.txt`` and ``bench/inputs/scene_900.txt``
(af_heart, no sentence cache) through the studio's torch backend, alternating the two forwards
run by run so that both see the same machine, and checks that they give the same samples. The
freed memory is handed back after each run, as the studio does when it falls idle. Prints the
median seconds of each and writes ``bench/results/inplace_lever-PRECISION.json``. Nothing here
asserts a time.
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

FORWARDS = ("kokoro", "in place")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="bf16")
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    from kokoro.istftnet import AdaINResBlock1

    from studio.engine import Engine, LocalModelSource
    from studio.engine.core import SAMPLE_RATE
    from studio.engine.inplace_blocks import residual_blocks
    from studio.engine.torch_backend import TorchBackend
    from studio.memory import release_freed_memory

    source = LocalModelSource(args.model_dir)
    backend = TorchBackend(source, device="cpu", precision=args.precision)
    engine = Engine(source, backend, cache_bytes=0)
    engine.load()
    blocks = residual_blocks(backend._model)
    in_place = [block.forward for block in blocks]  # what the backend gave them at load
    kokoro = [types.MethodType(AdaINResBlock1.forward, block) for block in blocks]

    def voice(text: str, forward: str) -> tuple[float, np.ndarray]:
        for block, method in zip(
            blocks, in_place if forward == "in place" else kokoro, strict=True
        ):
            block.forward = method
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
        voice(text, "kokoro")  # warm
        times: dict[str, list[float]] = {forward: [] for forward in FORWARDS}
        audio: dict[str, np.ndarray] = {}
        for _ in range(args.runs):
            for forward in FORWARDS:
                seconds, audio[forward] = voice(text, forward)
                times[forward].append(seconds)
        medians = {forward: statistics.median(times[forward]) for forward in FORWARDS}
        results[name] = {
            "audio_s": len(audio["kokoro"]) / SAMPLE_RATE,
            "seconds": times,
            "median_s": medians,
            "saved": 1 - medians["in place"] / medians["kokoro"],
            "same_samples": bool(np.array_equal(audio["kokoro"], audio["in place"])),
        }
        print(json.dumps({name: results[name]}), flush=True)
    out = BENCH / "results" / f"inplace_lever-{backend.precision}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
