"""One place in the client's pool of service processes: the live process, respawned after a
crash or a failed start with a backoff (0.5 s doubling to 30 s, reset by a success), as the seed's
provider does."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from studio.client.process import ServiceProcess, describe_exit
from studio.protocol import ServiceError, TTSError

log = logging.getLogger("studio.client")


class Backoff:
    """How long to wait before respawning: ``first`` after a failure, doubling up to ``cap``."""

    def __init__(self, first: float = 0.5, cap: float = 30.0) -> None:
        self.first = first
        self.cap = cap
        self.failures = 0

    def delay(self) -> float:
        if self.failures == 0:
            return 0.0
        return min(self.first * 2 ** (self.failures - 1), self.cap)

    def failed(self) -> float:
        """Count a failure; returns the delay before the next attempt."""
        self.failures += 1
        return self.delay()

    def reset(self) -> None:
        self.failures = 0


class ProcessSlot:
    """One place in the pool: its current process, respawned after failures with a backoff."""

    def __init__(
        self, index: int, spawn: Callable[[Callable[[ServiceProcess], None]], ServiceProcess]
    ) -> None:
        self.index = index
        self._spawn = spawn
        self._lock = threading.Lock()
        self.process: ServiceProcess | None = None
        self.backoff = Backoff()
        self._not_before = 0.0
        self._closed = threading.Event()

    def start(self) -> ServiceProcess:
        """The live process, spawning one (after the backoff delay) when there is none."""
        with self._lock:
            if self.process is not None and self.process.state != "exited":
                return self.process  # a failed start is handled (and killed) by running()
            wait = self._not_before - time.monotonic()
            if wait > 0:
                log.info("Restarting the TTS service in %.1f s", wait)
                self._closed.wait(wait)
            if self._closed.is_set():
                raise ServiceError("The TTS client is closed.", "Create a new client.")
            self.process = self._spawn(self._crashed)
            return self.process

    def running(self, startup_timeout: float) -> ServiceProcess:
        """The process, ready for requests; a failed start counts as a crash for the backoff."""
        process = self.start()
        try:
            process.wait_ready(startup_timeout)
        except TTSError as exc:
            process.kill(f"it failed to start ({exc.code.value})")
            self._failed(process)
            raise
        return process

    def restart(self, process: ServiceProcess, reason: str) -> None:
        """Kill a process that timed out or stopped answering; the next start replaces it."""
        if process.alive:
            log.warning("Restarting the TTS service (pid %d): %s", process.pid, reason)
        process.kill(reason)
        self._failed(process)

    def succeeded(self) -> None:
        with self._lock:
            self.backoff.reset()
            self._not_before = 0.0

    def close(self) -> ServiceProcess | None:
        """Stop spawning; returns the live process, for the caller to shut down."""
        self._closed.set()
        with self._lock:
            process, self.process = self.process, None
        return process

    def _crashed(self, process: ServiceProcess) -> None:
        delay = self._failed(process)
        if delay is not None:
            log.error(
                "The TTS service (pid %d) crashed (%s); it is respawned on the next request, "
                "after %.1f s. Its last log lines: %s",
                process.pid,
                describe_exit(process.returncode),
                delay,
                process.last_logs(),
            )

    def _failed(self, process: ServiceProcess) -> float | None:
        """Forget ``process`` and schedule the respawn; None if it was already forgotten."""
        with self._lock:
            if self.process is not process:
                return None
            self.process = None
            delay = self.backoff.failed()
            self._not_before = time.monotonic() + delay
            return delay
