"""A lever of issue 12, item 5: torch.compile on Kokoro's decoder (96 % of its FLOPs are the
decoder's and the vocoder's 1-d convolutions).

    python -m bench.torch_compile_lever [--precision fp32|bf16]

Voices ``bench/inputs/scene_300.txt`` (af_heart, no sentence cache) with the torch backend, eager,
then with ``torch.compile(decoder, dynamic=True)`` (inductor, so a C++ compiler must be on the
machine): the warm real-time factor of each (best of two passes) and how long the first
compiled pass took, compilation included. Inductor keeps what it compiled on disk, so a second
run of this script shows the compile time of a later start. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.run import BENCH, DEFAULT_MODEL_DIR, LEVER_SCENE, machine_info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    args = parser.parse_args()
    import torch

    from studio.engine import Engine, LocalModelSource
    from studio.engine.torch_backend import TorchBackend

    source = LocalModelSource(args.model_dir)
    backend = TorchBackend(source, device="cpu", precision=args.precision)
    engine = Engine(source, backend, cache_bytes=0)
    engine.load()
    text = LEVER_SCENE.read_text(encoding="utf-8").strip()

    def rtf() -> float:
        started = time.perf_counter()
        seconds = sum(chunk.duration for chunk in engine.synthesize(text, "af_heart"))
        return (time.perf_counter() - started) / seconds

    rtf()  # warm
    eager = min(rtf() for _ in range(2))
    model = backend._model
    model.decoder = torch.compile(model.decoder, dynamic=True)
    started = time.perf_counter()
    rtf()
    first_pass = time.perf_counter() - started
    rtf()
    compiled = min(rtf() for _ in range(2))
    results = {
        "machine": machine_info(),
        "precision": backend.precision,
        "eager_rtf": eager,
        "compiled_rtf": compiled,
        "first_compiled_pass_s": first_pass,
    }
    print(json.dumps(results, indent=2))
    out = BENCH / "results" / f"torch_compile_lever-{backend.precision}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
