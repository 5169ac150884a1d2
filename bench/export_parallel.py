"""One engine on every core, or one single-threaded engine per core? (issue 12, item 4)

    python -m bench.export_parallel [--backend auto] [--rounds 2]

Exports the fixed 20-scene project (``bench/inputs/project_20``) from scratch (``render
--force``), from the command line as a user would: once with one engine using all cores (the
studio's export), once on a local Ray cluster with one worker process per core (``--cluster
local:N``; Ray gives each worker one thread). Alternates the two, ``--rounds`` times, and reports
the median wall time, audio seconds per wall second, and the machine's load. Needs the
``cluster`` extra. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.run import BENCH, DEFAULT_MODEL_DIR, PROJECT, REPO, log, machine_info


def export_seconds(project: Path, env: dict[str, str], extra: list[str]) -> float:
    command = [sys.executable, "-m", "studio", "render", str(project), "--force", *extra]
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True, timeout=1800)
    return time.perf_counter() - started


def audio_seconds(project: Path) -> float:
    manifest = json.loads((project / "audio" / "manifest.json").read_text(encoding="utf-8"))
    return sum(entry["duration"] for entry in manifest["scenes"].values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--onnx-model", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    env = dict(os.environ)
    env |= {
        "NARRATION_STUDIO_MODEL_DIR": str(args.model_dir),
        "NARRATION_STUDIO_BACKEND": args.backend,
        "HF_HUB_OFFLINE": "1",
    }
    if args.onnx_model:
        env["NARRATION_STUDIO_ONNX_MODEL"] = str(args.onnx_model)
    ways = {
        "one engine, all cores": [],
        f"{cores} single-threaded workers (local:{cores})": [
            "--cluster",
            f"local:{cores}",
            "--workers",
            str(cores),
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    loads = []
    with tempfile.TemporaryDirectory(prefix="ns-bench-") as temp:
        project = Path(temp) / "project_20"
        shutil.copytree(PROJECT, project)
        for round_ in range(args.rounds):
            for name, extra in ways.items():
                log(f"round {round_ + 1}: {name}")
                loads.append(os.getloadavg()[0])
                times[name].append(export_seconds(project, env, extra))
        audio = audio_seconds(project)
    results = {
        "machine": machine_info(),
        "backend": args.backend,
        "audio_s": audio,
        "load_average": statistics.median(loads),
        "seconds": {name: statistics.median(runs) for name, runs in times.items()},
        "runs": times,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"export-parallel-{args.backend}"
    (args.out / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    lines = [
        f"20-scene project ({audio:.0f} s of audio), backend {args.backend}, "
        f"{cores} cores, load average {results['load_average']:.1f}:",
        "",
        "| export | wall time (median) | audio s per wall s |",
        "|---|---|---|",
        *(
            f"| {name} | {seconds:.1f} s | {audio / seconds:.2f} |"
            for name, seconds in results["seconds"].items()
        ),
    ]
    (args.out / f"{stem}.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
