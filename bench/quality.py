"""The quality report: how each way of running the model sounds, by the measures that stand in for
a listening test. A speed-up may become a default only if it passes the gate below.

    python -m bench.quality [--variant fp32 --variant bf16 ...] [--voice af_bella ...]
                            [--text scene_300 ...] [--model-dir DIR] [--onnx-model FILE]

For each variant, a fresh process synthesizes every text in every voice with the studio's engine
(no sentence cache) and writes 24 kHz WAVs. Each file is then scored:

- DistillMOS and DNSMOS P.835 OVRL, predicted mean opinion scores (1-5), by bench/mos_score.py
  in the quality venv (``scripts/setup-quality.sh``, made on first use);
- the word error rate of ../shared/asr's recogniser against the text.

The gate: a variant passes when its mean DistillMOS is within 0.05 of the fp32 model's on the
same texts and voices, and its mean word error rate within 0.02. Writes
bench/results/quality.json and quality.md (one row per variant, and DistillMOS per voice).
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
INPUTS = BENCH / "inputs"
RESULTS = BENCH / "results"
SHARED = REPO.parent / "shared"
DEFAULT_MODEL_DIR = Path.home() / ".cache" / "narration-studio-test" / "model"
SHARED_ONNX = SHARED / "kokoro-offline" / "kokoro-v1.0.int8.onnx"

#: name: (backend, precision); the reference comes first.
VARIANTS = {
    "fp32": ("torch", "fp32"),
    "bf16": ("torch", "bf16"),
    "onnx-int8": ("onnx", None),
}
REFERENCE = "fp32"
#: The five seed profiles' voices, and af_bella, the voice bf16 hurt most.
VOICES = ("af_sarah", "bm_george", "bf_emma", "am_michael", "af_heart", "af_bella")
TEXTS = ("scene_300", "scene_900")
MOS_MARGIN = 0.05
WER_MARGIN = 0.02


def synthesize(variant: str, out: Path, voices: list[str], texts: list[str], args: Any) -> None:
    """In this process: every text in every voice, with ``variant``'s backend, to WAVs. A name
    that is not one of VARIANTS is an ONNX file's variant: ``args.onnx_model``."""
    import numpy as np
    import soundfile as sf

    from studio.engine import Engine, LocalModelSource, SpeechRequest
    from studio.engine.backends import make_backend

    backend, precision = VARIANTS.get(variant, ("onnx", None))
    source = LocalModelSource(args.model_dir)
    onnx = str(args.onnx_model) if backend == "onnx" else None
    engine = Engine(source, make_backend(backend, source, onnx, precision=precision), 0)
    engine.load()
    out.mkdir(parents=True, exist_ok=True)
    for voice in voices:
        for name in texts:
            text = (INPUTS / f"{name}.txt").read_text(encoding="utf-8")
            audio = np.concatenate([c.audio for c in engine.synthesize(SpeechRequest(text, voice))])
            sf.write(out / f"{voice}--{name}.wav", audio, 24_000, subtype="FLOAT")


def _synthesize_in_a_fresh_process(
    variant: str, onnx_model: Path, out: Path, voices: list[str], texts: list[str], model_dir: Path
) -> None:
    command = [sys.executable, "-m", "bench.quality", "--synthesize-into", str(out)]
    command += ["--variant", variant, "--model-dir", str(model_dir)]
    command += ["--onnx-model", str(onnx_model)]
    for voice in voices:
        command += ["--voice", voice]
    for text in texts:
        command += ["--text", text]
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    subprocess.run(command, cwd=REPO, env=env, check=True)


def run(
    variants: dict[str, Path | None],
    voices: list[str],
    texts: list[str],
    model_dir: Path,
    work: Path,
) -> dict[str, Any]:
    """Synthesize and score every variant (name: its ONNX file, or None for VARIANTS' torch
    ones); the report's data."""
    per_file: dict[str, dict[str, dict[str, float]]] = {}
    for variant, onnx_model in variants.items():
        print(f"{variant}: synthesizing", file=sys.stderr, flush=True)
        onnx = onnx_model or SHARED_ONNX
        _synthesize_in_a_fresh_process(variant, onnx, work / variant, voices, texts, model_dir)
        files = sorted((work / variant).glob("*.wav"))
        print(f"{variant}: scoring {len(files)} files", file=sys.stderr, flush=True)
        mos = mos_scores(files)
        wer = word_error_rates(files)
        per_file[variant] = {f.name: {**mos[f.name], "wer": wer[f.name]} for f in files}
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "model_dir": str(model_dir),
        "texts": texts,
        "voices": voices,
        "summary": summarize(per_file),
        "files": per_file,
    }


def machine() -> str:
    """The CPU's name and core count, for the report."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} CPUs"
    return f"{platform.machine()}, {os.cpu_count()} CPUs"


@functools.cache
def quality_python() -> Path:
    """The quality venv's interpreter, set up on first use (checked once per run)."""
    setup = REPO / "scripts" / "setup-quality.sh"
    done = subprocess.run(["bash", str(setup)], capture_output=True, text=True, check=True)
    return REPO / done.stdout.strip().splitlines()[-1]


def mos_scores(files: list[Path]) -> dict[str, dict[str, float]]:
    """DistillMOS and DNSMOS for each file, keyed by its name."""
    done = subprocess.run(
        [str(quality_python()), str(BENCH / "mos_score.py"), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"scoring failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    scores = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {Path(s.pop("file")).name: s for s in scores}


def recogniser() -> Any:
    """../shared/asr/transcribe.py as a module: transcribe(path), word_error_rate(ref, heard)."""
    spec = importlib.util.spec_from_file_location("shared_asr", SHARED / "asr" / "transcribe.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def word_error_rates(files: list[Path]) -> dict[str, float]:
    asr = recogniser()
    rates = {}
    for path in files:
        text = (INPUTS / f"{path.stem.split('--')[1]}.txt").read_text(encoding="utf-8")
        rates[path.name] = round(asr.word_error_rate(text, asr.transcribe(str(path))), 4)
    return rates


def summarize(per_file: dict[str, dict[str, dict[str, float]]]) -> dict[str, Any]:
    """Means per variant and per voice, and each variant's verdict against the reference."""

    def mean(variant: str, measure: str, voice: str | None = None) -> float:
        values = [
            scores[measure]
            for name, scores in per_file[variant].items()
            if voice is None or name.startswith(f"{voice}--")
        ]
        return round(statistics.mean(values), 3)

    reference = {m: mean(REFERENCE, m) for m in ("distillmos", "wer")}
    summary = {}
    for variant in per_file:
        means = {m: mean(variant, m) for m in ("distillmos", "dnsmos_ovrl", "wer")}
        voices = sorted({name.split("--")[0] for name in per_file[variant]})
        summary[variant] = {
            **means,
            "distillmos_by_voice": {v: mean(variant, "distillmos", v) for v in voices},
            "passes": means["distillmos"] >= reference["distillmos"] - MOS_MARGIN
            and means["wer"] <= reference["wer"] + WER_MARGIN,
        }
    return summary


def report(result: dict[str, Any]) -> str:
    summary = result["summary"]
    voices = list(next(iter(summary.values()))["distillmos_by_voice"])
    lines = [
        f"Quality report, {result['date']}, {result['machine']}",
        f"texts: {', '.join(result['texts'])}; gate: DistillMOS within {MOS_MARGIN} of "
        f"{REFERENCE}, WER within {WER_MARGIN}",
        "",
        "| variant | DistillMOS | DNSMOS OVRL | WER | gate |",
        "|---|---|---|---|---|",
    ]
    for variant, s in summary.items():
        verdict = "reference" if variant == REFERENCE else ("pass" if s["passes"] else "FAIL")
        lines.append(
            f"| {variant} | {s['distillmos']:.2f} | {s['dnsmos_ovrl']:.2f} | {s['wer']:.3f} "
            f"| {verdict} |"
        )
    lines += ["", "| variant | " + " | ".join(voices) + " |", "|---" * (len(voices) + 1) + "|"]
    for variant, s in summary.items():
        by_voice = s["distillmos_by_voice"]
        lines.append(f"| {variant} | " + " | ".join(f"{by_voice[v]:.2f}" for v in voices) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variant", action="append", dest="variants", help=f"one of {', '.join(VARIANTS)}"
    )
    parser.add_argument("--voice", action="append", dest="voices")
    parser.add_argument("--text", action="append", dest="texts", help="a file in bench/inputs")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--onnx-model", type=Path, default=SHARED_ONNX)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the report goes")
    parser.add_argument("--synthesize-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.voices = args.voices or list(VOICES)
    args.texts = args.texts or list(TEXTS)
    variants = args.variants or list(VARIANTS)
    if args.synthesize_into:  # any name: one not in VARIANTS runs the --onnx-model file
        synthesize(variants[0], args.synthesize_into, args.voices, args.texts, args)
        return
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}: choose from {', '.join(VARIANTS)}")
    if REFERENCE not in variants:
        variants.insert(0, REFERENCE)
    work = Path(tempfile.mkdtemp(prefix="quality-"))
    named: dict[str, Path | None] = {
        v: (args.onnx_model if VARIANTS[v][0] == "onnx" else None) for v in variants
    }
    result = run(named, args.voices, args.texts, args.model_dir, work)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "quality.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.results / "quality.md").write_text(report(result))
    print(report(result))


if __name__ == "__main__":
    main()
