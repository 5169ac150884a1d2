"""Which backend is fastest here, and how far each is from what the CPU could do (issue 12).

    python -m bench.backends [--tag avx2]                 # about 8 minutes on 2 cores
    ONEDNN_MAX_CPU_ISA=AVX2 python -m bench.backends --tag avx2   # torch as on an AVX2-only CPU

In one run, each in fresh processes on the same scene (``bench/inputs/scene_900.txt``, voice
af_heart): plain KPipeline, the studio's default (``auto``), its torch and onnx backends, and the
kokoro-onnx package on the same int8 export (when installed: ``pip install --no-deps
kokoro-onnx``). Then the compute limit: Kokoro's FLOPs per second of audio (torch's FLOP counter
on the scene) divided by this machine's measured fp32 peak (a large matrix product on all
cores). Writes ``bench/results/backends[-TAG].json`` and ``.md``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import BENCH, DEFAULT_MODEL_DIR, SCENE, SHARED_ONNX, Harness, log, machine_info

CONFIGS = ("baseline", "auto", "torch", "onnx", "kokoro-onnx")
LABELS = {
    "baseline": "plain KPipeline",
    "auto": "studio default (auto)",
    "torch": "studio --backend torch",
    "onnx": "studio --backend onnx (int8)",
    "kokoro-onnx": "kokoro-onnx package (int8)",
}


def flops_per_audio_second(model_dir: Path, text: str) -> dict[str, float]:
    """Kokoro's floating-point operations per second of audio, counted by torch on ``text``
    sentence by sentence as the studio voices it (fp32; LSTMs are not counted by torch's
    counter, so this is a lower bound)."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from studio.engine import Engine, LocalModelSource, SpeechRequest
    from studio.engine.torch_backend import TorchBackend

    source = LocalModelSource(model_dir)
    engine = Engine(source, TorchBackend(source, device="cpu", precision="fp32"))
    engine.load()
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        seconds = sum(
            chunk.duration for chunk in engine.synthesize(SpeechRequest(text, "af_heart"))
        )
    by_op = counter.get_flop_counts().get("Global", {})
    total = float(counter.get_total_flops())
    convolutions = sum(float(n) for op, n in by_op.items() if "convolution" in str(op))
    return {
        "gflop_per_audio_s": total / seconds / 1e9,
        "convolution_share": convolutions / total if total else 0.0,
        "audio_s": seconds,
    }


def fp32_peak_gflops(size: int = 2048, repeats: int = 20) -> float:
    """This machine's fp32 throughput on a large matrix product, on all cores: the best of
    ``repeats``. No real layer runs faster than this."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)  # warm the kernels and the threads
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--onnx-model", type=Path, default=SHARED_ONNX)
    parser.add_argument("--runs", type=int, default=3, help="warm syntheses per configuration")
    parser.add_argument("--tag", default="", help="a suffix for the result files")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    args.cold_runs = 1
    configs = [c for c in CONFIGS if c != "kokoro-onnx" or importlib.util.find_spec("kokoro_onnx")]
    results: dict[str, Any] = {
        "machine": machine_info(),
        "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", ""),
        "warm": {},
    }
    with tempfile.TemporaryDirectory(prefix="ns-bench-") as temp:
        harness = Harness(args, Path(temp))
        for config in configs:
            log(f"warm {config}")
            result = harness.probe("warm", config, "--runs", str(args.runs))
            results["warm"][config] = {
                "rtf": result["rtf"],
                "cpu_rtf": result["cpu_rtf"],
                "rss_serving_mb": result["rss_serving_mb"],
                "audio_s": result["audio_s"],
            }
        log("FLOP count and fp32 peak")
        results["flops"] = flops_per_audio_second(args.model_dir, SCENE.read_text().strip())
        results["peak_gflops"] = fp32_peak_gflops()
        results["load_average"] = statistics.median(harness.loads) if harness.loads else 0.0
    stem = "backends" + (f"-{args.tag}" if args.tag else "")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    markdown = report(results)
    (args.out / f"{stem}.md").write_text(markdown, "utf-8")
    print(markdown)


def report(results: dict[str, Any]) -> str:
    warm = results["warm"]
    baseline = warm["baseline"]["rtf"]
    limit = results["flops"]["gflop_per_audio_s"] / results["peak_gflops"]
    cap = results["onednn_max_cpu_isa"] or "none"
    machine = results["machine"]
    lines = [
        f"Machine: {machine['cpu']}, {machine['usable_cores']} cores; ONEDNN_MAX_CPU_ISA: {cap}; "
        f"load average {results['load_average']:.1f}",
        "",
        "| system | warm RTF | × KPipeline | × compute limit | CPU s / audio s | peak RSS |",
        "|---|---|---|---|---|---|",
    ]
    for config, figures in warm.items():
        lines.append(
            f"| {LABELS[config]} | {figures['rtf']:.3f} | {figures['rtf'] / baseline:.2f} | "
            f"{figures['rtf'] / limit:.1f} | {figures['cpu_rtf']:.3f} | "
            f"{figures['rss_serving_mb']:.0f} MB |"
        )
    flops = results["flops"]
    lines += [
        "",
        f"Compute limit: {flops['gflop_per_audio_s']:.1f} GFLOP per audio second "
        f"({flops['convolution_share']:.0%} in convolutions; LSTMs not counted) ÷ "
        f"{results['peak_gflops']:.0f} GFLOP/s fp32 peak = RTF {limit:.3f}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
