"""Soak the TTS service: many short requests in one process, its resident memory as it goes.

One short sentence per request over the five seed voices, each request with an ``id``, and a
``metrics`` request every 25 syntheses, whose ``memory.rssBytes`` (the service's own figure, from
the OS) is recorded. Two patterns: ``distinct`` (the default), where every sentence is new
("The harbor was quiet, number 17."), one request at a time, as real text is; and ``repeated``,
the same sentence with four requests queued at a time. The verdict compares RSS at request 25
(after warm-up) with RSS at the end: within ±10 % is flat.

    python -m bench.soak [--backend torch|onnx ...] [--pattern distinct|repeated]
                         [--requests 500] [--model-dir DIR]

Writes ``bench/results/soak-BACKEND.json`` and prints one table row per metrics answer.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DEFAULT_MODEL_DIR = Path.home() / ".cache" / "narration-studio-test" / "model"
SHARED_ONNX = REPO.parent / "shared" / "kokoro-offline" / "kokoro-v1.0.int8.onnx"
PATTERNS = {  # name: (sentence, requests queued at a time)
    "distinct": ("The harbor was quiet, number {n}.", 1),
    "repeated": ("The harbor was quiet, number 17.", 4),
}
VOICES = ("sarah", "james", "emma", "michael", "olivia")
EVERY = 25
TOLERANCE = 0.10


def _answer(stdout: IO[str]) -> dict[str, Any]:
    line = stdout.readline()
    if not line:
        raise RuntimeError("the service closed its output")
    answer: dict[str, Any] = json.loads(line)
    return answer


def soak(
    backend: str, requests: int, model_dir: Path, onnx_model: Path | None, pattern: str
) -> dict[str, Any]:
    """Run one service through ``requests`` syntheses of ``pattern``; the RSS series and the
    verdict."""
    sentence, in_flight = PATTERNS[pattern]
    work = Path(tempfile.mkdtemp(prefix=f"soak-{backend}-"))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["HF_HUB_OFFLINE"] = "1"
    env["NARRATION_STUDIO_MODEL_DIR"] = str(model_dir)
    env["NARRATION_STUDIO_BACKEND"] = backend
    env["XDG_CONFIG_HOME"] = str(work / "config")
    if onnx_model is not None:
        env["NARRATION_STUDIO_ONNX_MODEL"] = str(onnx_model)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio.service"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=work,
        env=env,
        text=True,
        bufsize=1,
    )
    assert proc.stdin is not None and proc.stdout is not None
    series: list[dict[str, Any]] = []

    def send(n: int) -> None:
        request = {
            "action": "synthesize",
            "id": n,
            "text": sentence.format(n=n),
            "voiceId": VOICES[(n - 1) % len(VOICES)],
            "outputPath": f".cache/audio/soak-{n % 10}.mp3",
        }
        proc.stdin.write(json.dumps(request) + "\n")  # type: ignore[union-attr]

    try:
        sent = done = metrics_pending = 0
        while sent < min(in_flight, requests):
            sent += 1
            send(sent)
        while done < requests or metrics_pending:
            answer = _answer(proc.stdout)
            if "memory" in answer:
                metrics_pending -= 1
                point = {
                    "request": int(str(answer["id"])[1:]),
                    "rss_mb": round(answer["memory"]["rssBytes"] / 1e6, 1),
                    "seconds": round(time.perf_counter() - started, 1),
                }
                series.append(point)
                print(f"{backend:<6} {point['request']:>5} {point['rss_mb']:>9.1f} MB", flush=True)
                continue
            if not answer.get("success"):
                raise RuntimeError(f"a request failed: {answer}")
            done += 1
            if sent < requests:
                sent += 1
                send(sent)
            if done == 1 or done % EVERY == 0:
                proc.stdin.write(json.dumps({"action": "metrics", "id": f"m{done}"}) + "\n")
                metrics_pending += 1
        proc.stdin.write(json.dumps({"action": "shutdown"}) + "\n")
        proc.stdin.flush()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    warm = next(p["rss_mb"] for p in series if p["request"] >= EVERY)
    last = series[-1]["rss_mb"]
    change = (last - warm) / warm
    return {
        "backend": backend,
        "requests": requests,
        "pattern": pattern,
        "sentence": sentence,
        "voices": VOICES,
        "in_flight": in_flight,
        "series": series,
        "rss_warm_mb": warm,
        "rss_last_mb": last,
        "change": round(change, 4),
        "flat": abs(change) <= TOLERANCE,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", action="append", choices=("torch", "onnx"))
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--onnx-model", type=Path, default=None)
    parser.add_argument("--label", default="", help="added to the results file name")
    parser.add_argument("--pattern", choices=sorted(PATTERNS), default="distinct")
    args = parser.parse_args()
    onnx_model = args.onnx_model or (SHARED_ONNX if SHARED_ONNX.is_file() else None)
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    for backend in args.backend or ["torch", "onnx"]:
        result = soak(backend, args.requests, args.model_dir, onnx_model, args.pattern)
        verdict = "flat" if result["flat"] else "NOT flat"
        print(
            f"{backend}: RSS {result['rss_warm_mb']:.0f} MB at request {EVERY}, "
            f"{result['rss_last_mb']:.0f} MB at {args.requests} ({result['change']:+.1%}): {verdict}"
        )
        name = f"soak-{backend}-{args.pattern}{'-' + args.label if args.label else ''}.json"
        (out / name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
