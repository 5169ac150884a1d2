"""A lever of issue 12, item 5: OpenVINO instead of onnxruntime for Kokoro's int8 export.

    pip install --target /tmp/ovlib openvino   # not a dependency of the studio
    PYTHONPATH=/tmp/ovlib python -m bench.openvino_lever

Runs the same model file (the export with its durations output, as the onnx backend makes it)
under onnxruntime with the studio's session options and under OpenVINO's CPU plugin (latency
hint; fp32 and bf16 inference precision), on the phonemes of every sentence of
``bench/inputs/scene_300.txt`` with voice af_heart, and reports the load (compile) time and the
warm real-time factor, the best of three passes over the scene. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.run import BENCH, DEFAULT_MODEL_DIR, LEVER_SCENE, SHARED_ONNX, machine_info

SAMPLE_RATE = 24_000
Inputs = dict[str, np.ndarray]


def scene_inputs(model_dir: Path, onnx_model: Path, cache: Path) -> tuple[Path, list[Inputs]]:
    """The model file the onnx backend runs, and the inputs of each sentence of the scene."""
    from studio.engine import Engine, LocalModelSource
    from studio.engine.onnx_backend import OnnxBackend
    from studio.speech.text import split_sentences
    from studio.speech.voices import parse_voice

    source = LocalModelSource(model_dir)
    backend = OnnxBackend(source, onnx_model, cache_dir=cache)
    engine = Engine(source, backend, cache_bytes=0)
    engine.load()
    model = backend._with_durations(onnx_model)
    pack = engine._style_pack(parse_voice("af_heart"))
    vocab = backend._vocab
    phonemizer = engine._phonemizer("a")
    sentences = split_sentences(LEVER_SCENE.read_text(encoding="utf-8").strip())
    inputs = []
    for piece in (p for sentence in sentences for p in phonemizer.chunks(sentence)):
        ids = [vocab[p] for p in piece.phonemes if p in vocab]
        inputs.append(
            {
                "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                "style": np.asarray(pack[len(piece.phonemes) - 1], np.float32).reshape(1, -1),
                "speed": np.array([1.0], dtype=np.float32),
            }
        )
    return model, inputs


def warm_rtf(run: Callable[[Inputs], np.ndarray], inputs: list[Inputs]) -> float:
    run(inputs[0])
    best = float("inf")
    for _ in range(3):
        started, samples = time.perf_counter(), 0
        for one in inputs:
            samples += np.asarray(run(one)).size
        best = min(best, (time.perf_counter() - started) / (samples / SAMPLE_RATE))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--onnx-model", type=Path, default=SHARED_ONNX)
    args = parser.parse_args()
    import onnxruntime as ort
    import openvino as ov

    from studio.engine.onnx_backend import OnnxBackend
    from studio.engine.source import LocalModelSource

    model, inputs = scene_inputs(args.model_dir, args.onnx_model, BENCH / "results" / "cache")
    results: dict[str, Any] = {"machine": machine_info(), "sentences": len(inputs)}

    started = time.perf_counter()
    options = OnnxBackend(LocalModelSource(args.model_dir)).session_options(ort)
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    results["onnxruntime"] = {
        "load_s": time.perf_counter() - started,
        "rtf": warm_rtf(lambda one: session.run(["audio"], one)[0], inputs),
    }
    core = ov.Core()
    for precision in ("f32", "bf16"):
        started = time.perf_counter()
        compiled = core.compile_model(
            str(model),
            "CPU",
            {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": precision},
        )
        audio = compiled.output("audio")
        results[f"openvino-{precision}"] = {
            "load_s": time.perf_counter() - started,
            "rtf": warm_rtf(lambda one, c=compiled, a=audio: c(one)[a], inputs),
        }
    print(json.dumps(results, indent=2))
    (BENCH / "results" / "openvino_lever.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
