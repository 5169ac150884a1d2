"""A local stand-in for the Hugging Face hub: answers huggingface_hub's HEAD and GET requests
(``/<owner>/<repo>/resolve/<revision>/<file>``) with real files, and records what was asked for.
The hub itself cannot be reached from the machines that test the studio; the client code that
talks to it (huggingface_hub's downloads, its cache, its offline mode) is the real one."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class FakeHub:
    """The files it serves, by "owner/repo/path", and the ones that were downloaded (GET)."""

    files: dict[str, Path]
    url: str = ""
    downloaded: list[str] = field(default_factory=list)


def send_hub_headers(handler: BaseHTTPRequestHandler, name: str, size: int | None) -> None:
    """The status and headers huggingface_hub reads before a download: a file of ``size``
    bytes (None: not found), at a fixed commit, with an ETag that names it."""
    handler.send_response(200 if size is not None else 404)
    handler.send_header("X-Repo-Commit", "0" * 40)
    handler.send_header("ETag", '"' + hashlib.sha1(name.encode()).hexdigest() + '"')
    handler.send_header("Content-Length", str(size or 0))
    handler.end_headers()


@contextmanager
def running_hub(files: dict[str, Path]) -> Iterator[FakeHub]:
    hub = FakeHub(files)

    class Handler(BaseHTTPRequestHandler):
        def _file(self) -> tuple[str, Path | None]:
            owner, repo, _resolve, _revision, path = self.path.lstrip("/").split("/", 4)
            key = f"{owner}/{repo}/{path}"
            return key, hub.files.get(key)

        def _headers(self, path: Path | None, key: str) -> None:
            send_hub_headers(self, key, path.stat().st_size if path else None)

        def do_HEAD(self) -> None:
            key, path = self._file()
            self._headers(path, key)

        def do_GET(self) -> None:
            key, path = self._file()
            self._headers(path, key)
            if path is not None:
                hub.downloaded.append(key)
                self.wfile.write(path.read_bytes())

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
