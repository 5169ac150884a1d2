"""Load on the HTTP server: 1, 4 and 16 concurrent clients for a while each, then 500 requests
with the server's memory sampled throughout, and plain KPipeline's single-process throughput on
the same machine in the same run. Writes bench/results/http-latest.md and .json.

    python -m bench.http_bench [--workers N] [--backend onnx|torch] [--seconds 60] [--requests 500]

The server runs with its own defaults (one worker, the backend ``auto`` picks, its queue) unless
an option says otherwise, as a user who starts ``serve --http`` gets it.

Each client sends ``POST /v1/synthesize`` with the preview lines of bench/inputs/previews.txt in
turn and waits for the answer; a 429 (queue full) is retried after its Retry-After, and the
latency counts from the first try. Throughput is audio seconds produced per wall second. Memory
is the server's and its workers' resident memory from ``GET /metrics``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
INPUTS = REPO / "bench" / "inputs"
RESULTS = REPO / "bench" / "results"
DEFAULT_MODEL_DIR = Path.home() / ".cache" / "narration-studio-test" / "model"
DEFAULT_ONNX = REPO.parent / "shared" / "kokoro-offline" / "kokoro-v1.0.int8.onnx"


@dataclass
class Level:
    """What one level of concurrency measured."""

    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    audio: float = 0.0
    refused: int = 0
    failed: int = 0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        return {
            "clients": self.clients,
            "requests": len(ordered),
            "throughput_audio_s_per_s": round(self.audio / self.seconds, 3) if self.seconds else 0,
            "p50_s": round(percentile(ordered, 50), 3),
            "p95_s": round(percentile(ordered, 95), 3),
            "refused_429": self.refused,
            "failed": self.failed,
        }


def percentile(ordered: list[float], p: float) -> float:
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class Load:
    """Clients on threads, each sending requests one after another until told to stop."""

    def __init__(self, url: str, lines: list[str]) -> None:
        self.url = url
        self._lines = itertools.cycle(lines)
        self._lock = threading.Lock()
        self._count = itertools.count()

    def next_body(self) -> dict[str, Any]:
        with self._lock:
            n, text = next(self._count), next(self._lines)
        return {"text": text, "voiceId": "af_heart", "outputPath": f".cache/audio/b/{n % 64}.mp3"}

    def run(self, clients: int, *, seconds: float = 0.0, requests: int = 0) -> Level:
        level = Level(clients)
        stop = threading.Event()
        budget = itertools.count()

        def client() -> None:
            with httpx.Client(base_url=self.url, timeout=600) as http:
                while not stop.is_set():
                    if requests and next(budget) >= requests:
                        return
                    self._one(http, level)

        threads = [threading.Thread(target=client) for _ in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        if seconds:
            time.sleep(seconds)
            stop.set()
        for thread in threads:
            thread.join()
        level.seconds = time.monotonic() - started
        return level

    def _one(self, http: httpx.Client, level: Level) -> None:
        body = self.next_body()
        first_try = time.monotonic()
        while True:
            answer = http.post("/v1/synthesize", json=body)
            if answer.status_code != 429:
                break
            with self._lock:
                level.refused += 1
            time.sleep(float(answer.headers.get("Retry-After", "1")))
        with self._lock:
            if answer.status_code == 200:
                level.latencies.append(time.monotonic() - first_try)
                level.audio += float(answer.json()["duration"])
            else:
                level.failed += 1


class MemorySampler:
    """The server's and its workers' resident memory from /metrics, every ``interval`` s."""

    def __init__(self, url: str, interval: float = 2.0) -> None:
        self.url, self.interval = url, interval
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            while not self._stop.wait(self.interval):
                total = 0.0
                for line in http.get("/metrics").text.splitlines():
                    if line.startswith(
                        (
                            "process_resident_memory_bytes ",
                            "narration_worker_resident_memory_bytes{",
                        )
                    ):
                        total += float(line.rsplit(" ", 1)[1])
                self.samples.append((time.monotonic() - self._started, total / 1e6))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(args: argparse.Namespace, workdir: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    env["NARRATION_STUDIO_MODEL_DIR"] = str(args.model_dir)
    command = [sys.executable, "-m", "studio"]
    if args.backend:
        command += ["--backend", args.backend]
    if args.backend == "onnx":
        command += ["--onnx-model", str(args.onnx_model)]
    command += ["serve", "--http", "--port", str(port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    log_file = open(workdir / "server.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, cwd=workdir, env=env, stdout=log_file, stderr=log_file)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 600) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError("the server exited; see its server.log")
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return time.monotonic() - started
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become healthy")


def baseline(args: argparse.Namespace) -> dict[str, Any]:
    """Plain KPipeline, one process, warm: its throughput is 1 / RTF audio seconds per second."""
    env = dict(os.environ, PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    done = subprocess.run(
        [
            sys.executable, "-m", "bench.probe", "warm", "baseline",
            "--model-dir", str(args.model_dir),
            "--scene", str(INPUTS / "scene_300.txt"),
            "--previews", str(INPUTS / "previews.txt"),
            "--runs", "2", "--preview-rounds", "1",
        ],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    for line in done.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            result = json.loads(line.removeprefix("BENCH-RESULT "))
            return {"rtf": result["rtf"], "throughput_audio_s_per_s": round(1 / result["rtf"], 3)}
    return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}


def memory_summary(samples: list[tuple[float, float]]) -> dict[str, Any]:
    values = [mb for _t, mb in samples]
    if len(values) < 4:
        return {"samples": len(values)}
    tenth = max(1, len(values) // 10)
    first, last = statistics.mean(values[:tenth]), statistics.mean(values[-tenth:])
    spread = (max(values) - min(values)) / first
    return {
        "samples": len(values),
        "first_tenth_mb": round(first, 1),
        "last_tenth_mb": round(last, 1),
        "min_mb": round(min(values), 1),
        "max_mb": round(max(values), 1),
        "drift_pct": round(100 * (last - first) / first, 1),
        "spread_pct": round(100 * spread, 1),
        "flat_within_10pct": abs(last - first) / first <= 0.10,
    }


def report(results: dict[str, Any]) -> str:
    lines = [
        "# HTTP server under load",
        "",
        f"{results['date']}; {results['machine']}; load average {results['load']}.",
        f"Server: {results['workers']} worker(s), backend {results['backend']}; ready after "
        f"{results['ready_s']:.1f} s. Requests: the preview lines, POST /v1/synthesize.",
        "",
        "| clients | requests | audio s / s | p50 latency | p95 latency | 429s | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for level in results["levels"]:
        lines.append(
            f"| {level['clients']} | {level['requests']} | {level['throughput_audio_s_per_s']} "
            f"| {level['p50_s']} s | {level['p95_s']} s | {level['refused_429']} "
            f"| {level['failed']} |"
        )
    base = results["baseline"]
    lines += ["", f"Plain KPipeline (one process, warm, same machine): {base}.", ""]
    memory = results["memory"]
    lines += [
        f"Memory over {results['memory_requests']} requests (server + workers, every 2 s): "
        f"{json.dumps(memory)}",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--backend", choices=["onnx", "torch"], help="default: the server's")
    parser.add_argument("--onnx-model", type=Path, default=DEFAULT_ONNX)
    parser.add_argument("--workers", type=int, help="default: the server's (1)")
    parser.add_argument("--clients", default="1,4,16", help="concurrency levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=60, help="per concurrency level")
    parser.add_argument("--requests", type=int, default=500, help="for the memory run")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain KPipeline")
    args = parser.parse_args()
    lines = [ln for ln in (INPUTS / "previews.txt").read_text().splitlines() if ln.strip()]
    workdir = Path(tempfile.mkdtemp(prefix="http-bench-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(args, workdir, port)
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        "workers": args.workers or 1,
        "backend": args.backend or "auto",
    }
    try:
        results["ready_s"] = wait_healthy(url, proc)
        load = Load(url, lines)
        workers = args.workers or 1
        load.run(workers, requests=2 * workers)  # warm every worker
        levels = []
        for clients in (int(c) for c in args.clients.split(",")):
            print(f"{clients} client(s) for {args.seconds:g} s", file=sys.stderr)
            levels.append(load.run(clients, seconds=args.seconds).summary())
        results["levels"] = levels
        print(f"{args.requests} requests with memory sampled", file=sys.stderr)
        with MemorySampler(url) as sampler:
            load.run(4, requests=args.requests)
        results["memory_requests"] = args.requests
        results["memory"] = memory_summary(sampler.samples)
        results["memory_samples_mb"] = sampler.samples
    finally:
        proc.terminate()
        proc.wait(60)
    results["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    results["baseline"] = {} if args.no_baseline else baseline(args)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "http-latest.json").write_text(json.dumps(results, indent=2))
    text = report(results)
    (RESULTS / "http-latest.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
