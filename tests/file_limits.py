"""A real "disk full" for a test: the process's file-size limit (RLIMIT_FSIZE), lowered for a while.

A write that would grow any file past the limit fails with EFBIG, just as one on a full disk fails
with ENOSPC: the same OSError from the same write() call, through the same code, with no fake.
"""

from __future__ import annotations

import contextlib
import resource
import signal
from collections.abc import Iterator


@contextlib.contextmanager
def file_size_limit(max_bytes: int) -> Iterator[None]:
    """Fail every write that grows a file past ``max_bytes`` while the block runs."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # Without this the kernel kills the process (SIGXFSZ) instead of failing the write.
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
