"""Handing freed memory back to the OS once a long-running face falls idle.

Each synthesis allocates hundreds of MB of intermediate tensors, sized by the sentence, and frees
them at the end. glibc's malloc keeps what was freed in the synthesis thread's arena instead of
returning it, so a service or a studio that has voiced one long sentence stays at that size.
``malloc_trim(0)`` hands it back (measured on 30 requests in fp32: 1.95 GB down to 1.35 GB).

Handing it back after every request made the next request fault the same pages in again: 10-15 %
of the synthesis time of short sentences. So the faces release once they have been idle for
``RELEASE_AFTER_IDLE_S``, and during a burst only when the process has grown 5 % past the size
it settled at after its first request since the last release: freed blocks that sentences of
other lengths cannot reuse pile up (fragmentation, and the longest sentence's tensors), and that
growth is what is handed back, once, rather than every request's working memory.

What a long run kept adding on top (the kernel caches) has a cap of its own:
studio.engine.onednn_caches.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from typing import Any

log = logging.getLogger(__name__)

#: How long a face waits with nothing to do before it hands freed memory back.
RELEASE_AFTER_IDLE_S = 2.0


def _glibc() -> Any:
    """glibc, where this process runs on it (Linux); None elsewhere (macOS' and Windows'
    allocators give large freed blocks back themselves)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - musl has no malloc_trim: no glibc, nothing to do
    except (OSError, AttributeError):
        return None
    return libc


class MemoryKeeper:
    """Decides when freed memory goes back: once idle, or when a burst has grown the process
    ``growth`` past the size it settled at after the last release."""

    def __init__(self, growth: float = 0.05) -> None:
        self._growth = growth
        self._worked = False
        self._settled: int | None = None  # resident bytes after the first job since a release

    def worked(self) -> None:
        """Call after each job."""
        self._worked = True
        rss = _rss()
        if self._settled is None:
            self._settled = rss
        elif rss > self._settled * (1 + self._growth):
            self._release()

    def idle(self) -> None:
        """Call once the face has had nothing to do for ``RELEASE_AFTER_IDLE_S``."""
        if self._worked:
            self._release()

    def _release(self) -> None:
        if release_freed_memory():
            self._worked, self._settled = False, None


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def release_freed_memory() -> bool:
    """Return the allocator's free pages to the OS; whether there was an allocator to ask."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
