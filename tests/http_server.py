"""A real ``narration-studio serve --http`` on a free port, as a subprocess: start it, wait until it
says healthy, and stop it. The onnx backend (Kokoro's int8 export) keeps its start and memory
small; what the HTTP tests prove does not depend on the backend."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import REPO, SHARED

ONNX_EXPORT = SHARED / "kokoro-offline" / "kokoro-v1.0.int8.onnx"
#: Generous: the test machines are shared and busy.
READY_SECONDS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(model_dir: Path, home: Path, cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["NARRATION_STUDIO_MODEL_DIR"] = str(model_dir)
    env["XDG_CONFIG_HOME"] = str(home / "config")
    env["XDG_CACHE_HOME"] = str(cache)  # the onnx backend's durations export, made once
    env["HF_HUB_OFFLINE"] = "1"
    env.pop("NARRATION_STUDIO_TOKEN", None)
    return env


class HttpServer:
    """A running server: its URL, working folder (the audio root is ``.cache/audio`` in it),
    token, and everything it logged."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, cwd: Path, token: str | None):
        self.proc, self.url, self.cwd, self.token = proc, url, cwd, token
        self.log_path = cwd / "server.log"
        self.while_loading: Any = None  # what a test saw before the workers were ready

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def running_server(
    cwd: Path,
    model_dir: Path,
    cache: Path,
    *,
    args: Sequence[str] = (),
    token: str | None = None,
    wait: bool = True,
) -> Iterator[HttpServer]:
    """Start the server in ``cwd``; with ``wait``, return once /health says healthy."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "studio",
        "--backend",
        "onnx",
        "--onnx-model",
        str(ONNX_EXPORT),
        "serve",
        "--http",
        "--port",
        str(port),
        *(["--token", token] if token else []),
        *args,
    ]
    cwd.mkdir(parents=True, exist_ok=True)
    with open(cwd / "server.log", "wb") as log:
        proc = subprocess.Popen(
            command, cwd=cwd, env=server_env(model_dir, cwd, cache), stdout=log, stderr=log
        )
    server = HttpServer(proc, f"http://127.0.0.1:{port}", cwd, token)
    try:
        if wait:
            wait_healthy(server)
        yield server
    finally:
        stop(server)


def wait_healthy(server: HttpServer, timeout: float = READY_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise AssertionError(f"the server exited early:\n{server.log()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the server did not become healthy:\n{server.log()[-3000:]}")


def stop(server: HttpServer) -> None:
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(60)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
