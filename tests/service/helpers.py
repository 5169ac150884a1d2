"""Drive a real ``python -m studio.service`` process line by line, as any other client would."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.conftest import REPO

#: Generous: the test machines are shared and busy; a cold start has taken 30 s there.
STARTUP_SECONDS = 300
ANSWER_SECONDS = 300


def service_env(model_dir: Path | str, home: Path) -> dict[str, str]:
    """An environment for service processes: this checkout's code, offline, isolated settings."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["NARRATION_STUDIO_MODEL_DIR"] = str(model_dir)
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["HF_HUB_OFFLINE"] = "1"
    return env


class RawService:
    """A service subprocess; ``stdout_lines`` and ``stderr_lines`` keep everything it wrote."""

    def __init__(
        self,
        cwd: Path,
        env: dict[str, str],
        args: Sequence[str] = (),
        python_flags: Sequence[str] = (),
    ) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, *python_flags, "-m", "studio.service", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
        )
        self.stdout_lines: list[bytes] = []
        self.stderr_lines: list[str] = []
        self._answers: queue.Queue[bytes] = queue.Queue()
        self._statuses: queue.Queue[dict[str, Any]] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for raw in self.proc.stdout:
                self.stdout_lines.append(raw)
                self._answers.put(raw)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        with self.proc.stderr:
            for raw in self.proc.stderr:
                text = raw.decode("utf-8", "replace").rstrip("\n")
                self.stderr_lines.append(text)
                if text.startswith('{"status"'):
                    self._statuses.put(json.loads(text))

    def status(self, timeout: float = STARTUP_SECONDS) -> dict[str, Any]:
        return self._statuses.get(timeout=timeout)

    def wait_ready(self) -> None:
        assert self.status() == {"status": "loading"}
        assert self.status() == {"status": "ready"}, self.stderr_lines[-20:]

    def send(self, line: bytes | str) -> None:
        data = line.encode() if isinstance(line, str) else line
        assert self.proc.stdin is not None
        self.proc.stdin.write(data + b"\n")
        self.proc.stdin.flush()

    def next_line(self, timeout: float = ANSWER_SECONDS) -> dict[str, Any]:
        message = json.loads(self._answers.get(timeout=timeout))
        assert isinstance(message, dict)
        return message

    def answer(
        self, timeout: float = ANSWER_SECONDS
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The next final answer, and the stream events that came before it."""
        events = []
        while "event" in (message := self.next_line(timeout)):
            events.append(message)
        return message, events

    def request(self, obj: dict[str, Any] | bytes | str) -> dict[str, Any]:
        self.send(obj if isinstance(obj, (bytes, str)) else json.dumps(obj))
        return self.answer()[0]

    def close(self, timeout: float = 60) -> int:
        """Shut down (if still running) and return the exit code."""
        assert self.proc.stdin is not None
        try:
            if self.proc.poll() is None:
                self.send(json.dumps({"action": "shutdown"}))
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            for reader in self._readers:
                reader.join(timeout=10)


def wait_until(condition: Any, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (exited, not yet reaped) does not."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
