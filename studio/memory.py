"""Handing freed memory back to the OS between syntheses, so a long-running service or studio
stays at its working size.

Why the torch backend grew (issue 13, bench/soak.py): each synthesis allocates hundreds of MB of
intermediate tensors, sized by the sentence and the voice's pace, and frees them at the end.
glibc's malloc keeps what was freed in the synthesis thread's arena instead of returning it
(its mmap threshold adapts upward after the first large free, so later large tensors come from
the arena), and tensors of ever-different sizes fragment it. Measured on 30 requests in fp32:
RSS 1.95 GB, of which ``malloc_trim(0)`` returned 0.6 GB at once (to 1.35 GB). onnxruntime
keeps its own arena and stays flat. Python objects, our caches and torch's own caches do not
grow (a fixed mmap threshold would also stop it, but halves the speed: see the README).

So the service and the GUI's engine thread hand it back after their work (``MemoryKeeper``):
always when they fall idle, and, while requests keep coming, whenever resident memory has grown
5 % past its size after the last release. A release costs tens of milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from typing import Any

log = logging.getLogger(__name__)


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
    """Decides when to release: when idle, or when RSS grew ``growth`` past the last release."""

    def __init__(self, growth: float = 0.05) -> None:
        self._growth = growth
        self._after_release: int | None = None

    def after_work(self, idle: bool) -> None:
        """Call after each job; ``idle`` when no other job is waiting."""
        grown = self._after_release is None or _rss() > self._after_release * (1 + self._growth)
        if (idle or grown) and release_freed_memory():
            self._after_release = _rss()


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
