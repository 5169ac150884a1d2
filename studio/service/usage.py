"""What the ``metrics`` action reports: the service's counters and the process's memory."""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from typing import Any

from studio import protocol


class ServiceMetrics:
    """Counters for the ``metrics`` action (the seed's list: uptime, cold and warm requests, mean
    synthesis time, errors by code, memory)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.load_seconds: float | None = None
        self.requests = 0
        self._synthesized = 0  # a count and a sum, not a list: the service runs for weeks
        self._synth_total = 0.0
        self.errors: Counter[str] = Counter()
        self._lock = threading.Lock()

    def uptime(self) -> float:
        return protocol.finite(time.monotonic() - self.started)

    def record_request(self) -> None:
        with self._lock:
            self.requests += 1

    def record_synthesis(self, seconds: float) -> None:
        with self._lock:
            self._synthesized += 1
            self._synth_total += seconds

    def record_error(self, code: str) -> None:
        with self._lock:
            self.errors[code] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            done = self._synthesized
            mean = self._synth_total / done if done else None
            return {
                "uptime": self.uptime(),
                "loadSeconds": None if self.load_seconds is None else round(self.load_seconds, 3),
                "requests": {
                    "total": self.requests,
                    "cold": min(done, 1),
                    "warm": max(done - 1, 0),
                },
                "meanSynthesisSeconds": None if mean is None else round(mean, 3),
                "errors": dict(sorted(self.errors.items())),
                "memory": memory_usage(),
            }


def memory_usage() -> dict[str, int | None]:
    """Current and peak resident memory in bytes, from the OS through psutil, on Linux, macOS
    and Windows alike (None where it cannot tell)."""
    import psutil

    try:
        info = psutil.Process().memory_info()
    except psutil.Error:
        return {"rssBytes": None, "peakRssBytes": None}
    peak = getattr(info, "peak_wset", None)  # Windows keeps the peak working set
    if peak is None:
        try:
            import resource

            maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            peak = maxrss if sys.platform == "darwin" else maxrss * 1024  # macOS: bytes; KiB
        except ImportError:
            pass
    if peak is not None:
        peak = max(peak, info.rss)  # the kernel updates its high-water mark lazily
    return {"rssBytes": info.rss, "peakRssBytes": peak}
