"""Measure the TTS service through its client: cold start, cold and warm request latency, ping
latency while a long synthesis runs, and memory. Prints a table and writes bench/results/.

    python bench/service_bench.py [--model-dir DIR] [--warm N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path

from studio.client.client import TTSClient

SCENE = "Hello, I'm your AI video narrator. Let's begin with the first scene of the course."
LONG = " ".join(f"Sentence number {n} keeps the model busy for a moment." for n in range(1, 25))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", default=None)
    parser.add_argument("--warm", type=int, default=5, help="warm requests to time")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="service-bench-"))
    results: dict[str, object] = {}
    with TTSClient(
        model_dir=args.model_dir, cwd=work, startup_timeout=600, health_interval=None
    ) as client:
        started = time.perf_counter()
        client.ensure_running()
        results["cold_start_to_ready_s"] = time.perf_counter() - started

        started = time.perf_counter()
        first = client.synthesize(SCENE, "sarah", ".cache/audio/cold.mp3")
        results["first_request_s"] = time.perf_counter() - started
        results["audio_s"] = first.duration

        warm = []
        for n in range(args.warm):
            started = time.perf_counter()
            client.synthesize(SCENE, "sarah", f".cache/audio/warm-{n}.mp3")
            warm.append(time.perf_counter() - started)
        results["warm_request_median_s"] = statistics.median(warm)
        results["warm_request_max_s"] = max(warm)
        results["warm_real_time_factor"] = statistics.median(warm) / first.duration

        pings: list[float] = []
        busy = threading.Thread(
            target=client.synthesize, args=(LONG, "sarah", ".cache/audio/long.mp3")
        )
        busy.start()
        while busy.is_alive():
            started = time.perf_counter()
            client.ping()
            pings.append(time.perf_counter() - started)
            time.sleep(0.2)
        busy.join()
        results["ping_during_synthesis_max_s"] = max(pings)
        results["ping_during_synthesis_median_s"] = statistics.median(pings)

        [metrics] = client.metrics()
        memory = metrics["memory"]
        results["rss_mib"] = memory["rssBytes"] / 2**20
        results["peak_rss_mib"] = memory["peakRssBytes"] / 2**20
        results["service_load_s"] = metrics["loadSeconds"]
        results["mean_synthesis_s"] = metrics["meanSynthesisSeconds"]

    for key, value in results.items():
        print(f"{key:<34} {value:.3f}" if isinstance(value, float) else f"{key:<34} {value}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"service-{stamp}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
