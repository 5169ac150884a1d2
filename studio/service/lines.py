"""The stdio wire: request lines read with a bound on their size, answer lines written whole
from either of the service's threads."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import IO, Any

from studio import protocol

log = logging.getLogger("studio.service")
_SKIP_CHUNK = 64 * 1024


def read_lines(stream: IO[bytes], limit: int = protocol.MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """Each line of ``stream`` without its newline, or None for a line over ``limit`` bytes.

    An oversize line is skipped in bounded chunks, so memory stays bounded whatever arrives.
    """
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if line.endswith(b"\n"):
            yield line[:-1]
        elif len(line) <= limit:
            yield line  # the last line, without a newline
        else:
            while (rest := stream.readline(_SKIP_CHUNK)) and not rest.endswith(b"\n"):
                pass
            yield None


class ProtocolWriter:
    """Writes answer lines to the protocol stream; safe to call from both threads."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.broken = False

    def write(self, message: dict[str, Any]) -> None:
        line = protocol.encode(message)
        with self._lock:
            if self.broken:
                return
            try:
                self._stream.write(line)
                self._stream.flush()
            except (BrokenPipeError, OSError, ValueError):
                self.broken = True
                log.warning("The client closed the response stream; answers are discarded.")
