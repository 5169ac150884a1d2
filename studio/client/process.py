"""One TTS service child process, seen from the client: spawn it, read it, match answers by id.

Two reader threads drain its stdout (answers and stream events, matched to waiting requests by id)
and its stderr (status lines, then logs, forwarded to ``logging``). When stdout ends the process
is gone: every waiting request fails at once with TTS_SERVICE_ERROR.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import json
import logging
import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import IO, Any, cast

from studio import protocol
from studio.protocol import ServiceError, ServiceTimeoutError, TTSError

log = logging.getLogger("studio.client")
service_log = logging.getLogger("studio.service")

_LOG_LINE = re.compile(r"\[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\] ?(.*)", re.DOTALL)
_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}
EventHandler = Callable[[dict[str, Any]], None]


class _Pending:
    """A request waiting for its answer."""

    def __init__(self, on_event: EventHandler | None) -> None:
        self.done = threading.Event()
        self.on_event = on_event
        self.answer: dict[str, Any] = {}
        self.error: TTSError | None = None


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


class ServiceProcess:
    """A running ``studio.service`` child. States: starting → ready | failed → exited."""

    def __init__(
        self,
        command: Sequence[str],
        cwd: str | os.PathLike[str] | None,
        env: dict[str, str] | None,
        on_crash: Callable[[ServiceProcess], None],
    ) -> None:
        self._popen = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            start_new_session=os.name == "posix",  # a Ctrl-C in the terminal is the parent's
        )
        self.pid = self._popen.pid
        # Popen(stdin=PIPE, ...) always makes these three streams.
        self._stdin = cast(IO[bytes], self._popen.stdin)
        self._stdout = cast(IO[bytes], self._popen.stdout)
        self._stderr = cast(IO[bytes], self._popen.stderr)
        self._on_crash = on_crash
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._state = "starting"
        self._changed = threading.Condition()
        self._write_lock = threading.Lock()
        self._startup_error: TTSError | None = None
        self._stop_reason: str | None = None  # set when the client itself stops the process
        self._tail: collections.deque[str] = collections.deque(maxlen=3)
        self._readers = [
            threading.Thread(target=self._read_answers, name=f"tts-out-{self.pid}", daemon=True),
            threading.Thread(target=self._read_logs, name=f"tts-err-{self.pid}", daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        log.info("Started the TTS service (pid %d)", self.pid)

    @property
    def state(self) -> str:
        return self._state

    @property
    def alive(self) -> bool:
        return self._state in ("starting", "ready")

    @property
    def returncode(self) -> int | None:
        return self._popen.poll()

    def last_logs(self) -> str:
        """Its last few stderr lines, to say what it was doing when it died."""
        return " | ".join(self._tail)

    def wait_ready(self, timeout: float) -> None:
        """Block until the model is loaded; raise the service's own error, or a timeout."""
        with self._changed:
            self._changed.wait_for(lambda: self._state != "starting", timeout)
            state = self._state
        if state == "ready":
            return
        if state == "starting":
            raise ServiceTimeoutError(
                f"The TTS service did not become ready within {timeout:g} s.",
                "The model may load slowly on a busy machine; try again.",
            )
        if self._startup_error is not None:
            raise type(self._startup_error)(self._startup_error.message)
        exit_text = describe_exit(self._popen.wait())
        log.error("The TTS service (pid %d) stopped while starting: %s", self.pid, self.last_logs())
        raise ServiceError(
            f"The TTS service stopped while starting ({exit_text}).",
            "Check that Narration Studio is installed; the service log says more.",
        )

    def request(
        self, payload: dict[str, Any], timeout: float, on_event: EventHandler | None = None
    ) -> dict[str, Any]:
        """Send one request and wait for its answer (errors in the answer are not raised here)."""
        pending = _Pending(on_event)
        with self._changed:
            if self._state != "ready":
                raise ServiceError("The TTS service is not running.", "Try again.")
            request_id = next(self._ids)
            self._pending[request_id] = pending
        try:
            line = json.dumps({**payload, "id": request_id}).encode("ascii") + b"\n"
        except (TypeError, ValueError) as exc:
            self._forget(request_id)
            raise protocol.InvalidInputError(
                f"The request cannot be sent as JSON: {exc}."
            ) from None
        try:
            with self._write_lock:
                self._stdin.write(line)
                self._stdin.flush()
        except (OSError, ValueError):
            self._forget(request_id)
            raise ServiceError(
                "The TTS service stopped before it got the request.", "Try again."
            ) from None
        if not pending.done.wait(timeout):
            self._forget(request_id)
            raise ServiceTimeoutError(
                f"Voice generation timed out: no answer within {timeout:.1f} s.",
                "Try again, or use shorter text. The service is restarted.",
            )
        if pending.error is not None:
            raise pending.error
        return pending.answer

    def send_shutdown(self) -> None:
        """Ask the service to finish its work and exit (does not wait)."""
        self._stop_reason = "the client closed it"
        try:
            with self._write_lock:
                self._stdin.write(b'{"action": "shutdown"}\n')
                self._stdin.close()
        except (OSError, ValueError):
            pass

    def finish(self, wait: float) -> None:
        """Wait up to ``wait`` seconds for the exit asked by send_shutdown, then kill."""
        try:
            self._popen.wait(wait)
        except subprocess.TimeoutExpired:
            log.warning(
                "The TTS service (pid %d) did not exit within the grace period; killing it",
                self.pid,
            )
            self._popen.kill()
            self._popen.wait()
        self._close_stdin()
        self._join_readers()

    def kill(self, reason: str) -> None:
        """Kill it now (works on a stopped process too); waiting requests fail with ``reason``."""
        self._stop_reason = reason
        if self._popen.poll() is None:
            self._popen.kill()
        self._popen.wait()
        self._close_stdin()
        self._join_readers()

    def _close_stdin(self) -> None:
        with self._write_lock, contextlib.suppress(OSError, ValueError):
            self._stdin.close()

    def _join_readers(self) -> None:
        for reader in self._readers:
            if reader is not threading.current_thread():
                reader.join(timeout=5)

    def _forget(self, request_id: int) -> None:
        with self._changed:
            self._pending.pop(request_id, None)

    def _read_answers(self) -> None:
        with self._stdout:
            for raw in self._stdout:
                try:
                    message = json.loads(raw)
                except ValueError:
                    log.warning(
                        "TTS service (pid %d) wrote a non-JSON line: %r", self.pid, raw[:200]
                    )
                    continue
                if isinstance(message, dict):
                    self._dispatch(message)
        self._exited()

    def _dispatch(self, message: dict[str, Any]) -> None:
        is_event = "event" in message
        key = message.get("id")
        with self._changed:
            if not isinstance(key, int):
                pending = None
            elif is_event:
                pending = self._pending.get(key)
            else:
                pending = self._pending.pop(key, None)
        if pending is None:
            log.debug("Dropped an answer nobody waits for: %s", message)
        elif is_event:
            if pending.on_event is not None:
                try:
                    pending.on_event(message)
                except Exception:
                    log.exception("A stream event handler failed")
        else:
            pending.answer = message
            pending.done.set()

    def _exited(self) -> None:
        returncode = self._popen.wait()
        self._close_stdin()
        with self._changed:
            self._state = "exited"
            waiting = list(self._pending.values())
            self._pending.clear()
            self._changed.notify_all()
        reason = self._stop_reason
        if reason is None:
            reason = f"it stopped unexpectedly ({describe_exit(returncode)})"
            self._on_crash(self)  # logged and the respawn scheduled before any caller hears of it
        for pending in waiting:
            pending.error = ServiceError(
                f"The TTS service is not responding: {reason}.",
                "It is restarted automatically; try again.",
            )
            pending.done.set()

    def _read_logs(self) -> None:
        level = logging.INFO
        with self._stderr:
            for raw in self._stderr:
                text = raw.decode("utf-8", "replace").rstrip()
                if text.startswith('{"status"') and self._status(text):
                    continue
                self._tail.append(text[:300])
                match = _LOG_LINE.match(text)
                if match:
                    level = _LEVELS[match.group(1)]
                    text = match.group(2)
                service_log.log(level, "[pid %d] %s", self.pid, text)

    def _status(self, text: str) -> bool:
        try:
            status = json.loads(text)
        except ValueError:
            return False
        if not isinstance(status, dict):
            return False
        with self._changed:
            if self._state == "starting" and status.get("status") == "ready":
                self._state = "ready"
            elif self._state == "starting" and status.get("status") == "failed":
                self._startup_error = protocol.error_from_wire(status.get("error"))
                self._state = "failed"
            self._changed.notify_all()
        log.debug("TTS service (pid %d) status: %s", self.pid, status.get("status"))
        return True
