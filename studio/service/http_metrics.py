"""``GET /metrics`` of the HTTP server in the Prometheus text format (prometheus-client).

One registry per server (never the library's global one): answers by endpoint and status,
synthesis time and audio produced, errors by code, the queue, the model's state, this process's
own figures (memory, CPU, files) and each worker process's resident memory, read from its
``metrics`` answer at scrape time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

#: The paths counted by name; anything else is counted as "other" (bounded label values).
KNOWN_PATHS = (
    "/health",
    "/metrics",
    "/v1/voices",
    "/v1/metrics",
    "/v1/identity",
    "/v1/synthesize",
    "/v1/audio/speech",
)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300)


class _WorkerMemory(Collector):
    """Each worker's resident memory, asked at scrape time."""

    def __init__(self, read: Callable[[], list[dict[str, Any]]]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "narration_worker_resident_memory_bytes",
            "Resident memory of each synthesis worker process.",
            labels=["worker"],
        )
        for index, answer in enumerate(self._read()):
            rss = (answer.get("memory") or {}).get("rssBytes")
            if isinstance(rss, int):
                family.add_metric([str(index)], rss)
        yield family


class HttpMetrics:
    """The server's counters and gauges, in a registry of its own."""

    def __init__(self, workers: int, capacity: int) -> None:
        self.started = time.monotonic()
        self.registry = CollectorRegistry()
        registry = self.registry
        ProcessCollector(registry=registry)
        self.answers = Counter(
            "narration_http_responses",
            "HTTP responses by path and status.",
            ["path", "status"],
            registry=registry,
        )
        self.synthesis_seconds = Histogram(
            "narration_synthesis_seconds",
            "Time from admission to the last audio of a synthesis (queue wait included).",
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.audio_seconds = Counter(
            "narration_audio_seconds", "Seconds of audio synthesized.", registry=registry
        )
        self.errors = Counter(
            "narration_synthesis_errors",
            "Failed syntheses by error code.",
            ["code"],
            registry=registry,
        )
        self.rejected = Counter(
            "narration_rejected_busy", "Requests refused with 429 (queue full).", registry=registry
        )
        self.active = Gauge(
            "narration_syntheses_active",
            "Syntheses admitted and not finished (running and queued).",
            registry=registry,
        )
        Gauge(
            "narration_syntheses_capacity",
            "Most syntheses admitted at once (workers plus queue).",
            registry=registry,
        ).set(capacity)
        Gauge("narration_workers", "Synthesis worker processes.", registry=registry).set(workers)
        self.ready = Gauge(
            "narration_model_ready", "1 once the workers have loaded the model.", registry=registry
        )
        Gauge(
            "narration_uptime_seconds", "Seconds since the server started.", registry=registry
        ).set_function(lambda: time.monotonic() - self.started)
        self._mean = (0, 0.0)

    def watch_workers(self, read: Callable[[], list[dict[str, Any]]]) -> None:
        self.registry.register(_WorkerMemory(read))

    def answered(self, path: str, status: int) -> None:
        self.answers.labels(path if path in KNOWN_PATHS else "other", str(status)).inc()

    def synthesized(self, seconds: float, audio_seconds: float) -> None:
        self.synthesis_seconds.observe(seconds)
        self.audio_seconds.inc(max(audio_seconds, 0.0))
        count, total = self._mean
        self._mean = (count + 1, total + seconds)

    def mean_synthesis_seconds(self, default: float = 2.0) -> float:
        count, total = self._mean
        return total / count if count else default

    def text(self) -> bytes:
        return generate_latest(self.registry)
