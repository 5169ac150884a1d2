"""Which of the int8 export's quantized layers cost the voice: each group of them computed in float
again, one group at a time, scored by bench/quality.py's measures.

Kokoro's int8 export is dynamically quantized: before each of its 87 ``ConvInteger`` and 148
``MatMulInteger`` nodes, ``DynamicQuantizeLinear`` rounds the activations to 8 bits, and the
weights are stored in 8 bits. A group "in float" here keeps the weights' 8-bit values (so the
only change is the activations' rounding) but runs a float ``Conv``/``MatMul`` on the float
activations, through studio.engine.onnx_float.

    python -m bench.int8_lever [--group NAME ...] [--voice af_bella ...] [--text scene_300 ...]

Writes bench/results/int8_lever.json and .md: per variant, DistillMOS, DNSMOS OVRL and WER beside
the fp32 torch model's, and the warm real-time factor of the variant on ``scene_300``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import quality
from studio.engine.onnx_float import GROUPS, dequantize
from studio.engine.request import SpeechRequest

RESULTS = quality.RESULTS


def warm_rtf(onnx_model: Path, model_dir: Path, text: str, runs: int = 3) -> float:
    """Median real-time factor of the studio's onnx engine on ``onnx_model``, warm."""
    from studio.engine import Engine, LocalModelSource
    from studio.engine.backends import make_backend

    source = LocalModelSource(model_dir)
    engine = Engine(source, make_backend("onnx", source, str(onnx_model)), 0)
    engine.load()
    list(engine.synthesize(SpeechRequest("A short sentence to warm up.", "af_heart")))
    rtfs = []
    for _ in range(runs):
        started = time.perf_counter()
        samples = sum(len(c.audio) for c in engine.synthesize(SpeechRequest(text, "af_heart")))
        rtfs.append((time.perf_counter() - started) / (samples / 24_000))
    return round(statistics.median(rtfs), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", action="append", dest="groups", choices=sorted(GROUPS))
    parser.add_argument("--combo", action="append", default=[], help="groups joined by +")
    parser.add_argument("--voice", action="append", dest="voices")
    parser.add_argument("--text", action="append", dest="texts")
    parser.add_argument("--model-dir", type=Path, default=quality.DEFAULT_MODEL_DIR)
    parser.add_argument("--onnx-model", type=Path, default=quality.SHARED_ONNX)
    parser.add_argument("--timing-only", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="int8-lever-"))
    variants: dict[str, Path] = {"onnx-int8": args.onnx_model}
    for group in args.groups or []:
        variants[f"float-{group}"] = work / f"float-{group}.onnx"
        dequantize(args.onnx_model, variants[f"float-{group}"], [group])
    for combo in args.combo:
        groups = combo.split("+")
        variants[f"float-{combo}"] = work / f"float-{combo}.onnx"
        dequantize(args.onnx_model, variants[f"float-{combo}"], groups)
    scene = (quality.INPUTS / "scene_300.txt").read_text(encoding="utf-8")
    timings = {}
    for name, path in variants.items():
        timings[name] = warm_rtf(path, args.model_dir, scene)
        print(f"{name}: warm RTF {timings[name]}", file=sys.stderr, flush=True)
    result: dict[str, Any] = {"timings_rtf": timings}
    if not args.timing_only:
        report = quality.run(
            {"fp32": None, **variants},
            args.voices or list(quality.VOICES),
            args.texts or list(quality.TEXTS),
            args.model_dir,
            work,
        )
        result["quality"] = report
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "int8_lever.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(timings, indent=2))
    if "quality" in result:
        print(quality.report(result["quality"]))


if __name__ == "__main__":
    main()
