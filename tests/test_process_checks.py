"""Memory and process checks through psutil, so that they hold on Linux, macOS and Windows."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from studio.fsutil import process_alive
from tests.conftest import python_json

_HOLDS_A_BLOCK = """
import json
import numpy as np
from studio.service.usage import memory_usage

before = memory_usage()
block = np.ones(200 * 2**20, dtype=np.uint8)  # 200 MiB, every page touched
during = memory_usage()
print(json.dumps([before, during]))
"""


def test_memory_usage_follows_what_this_process_holds() -> None:
    """Run in a fresh process: in the test process, glibc may serve the block from memory that
    other tests freed and it kept resident, so RSS would rightly not move."""
    before, during = python_json(_HOLDS_A_BLOCK)
    assert before["rssBytes"] and during["rssBytes"] and during["peakRssBytes"]
    assert during["rssBytes"] - before["rssBytes"] > 150 * 2**20
    assert during["peakRssBytes"] >= during["rssBytes"]


def test_a_finished_process_is_not_alive_and_this_one_is() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid)
    assert process_alive(os.getpid()) and process_alive(os.getppid())


_FREED_BY_A_THREAD = """
import ctypes, json, threading
from studio.memory import release_freed_memory
from studio.service.usage import memory_usage

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
freed, done = threading.Event(), threading.Event()

def synthesis_like():  # 3000 blocks of 64 KiB (under the mmap threshold), freed
    blocks = [libc.malloc(64 * 1024) for _ in range(3000)]
    for block in blocks:
        ctypes.memset(block, 1, 64 * 1024)
    kept = libc.malloc(64)  # a live block after them, as a synthesis leaves some
    for block in blocks:
        libc.free(block)
    freed.set()
    done.wait(60)  # the synthesis thread lives on, waiting for the next request
    libc.free(kept)

if not release_freed_memory():
    print(json.dumps(None))
    raise SystemExit
thread = threading.Thread(target=synthesis_like)
thread.start()
freed.wait(60)
retained = memory_usage()["rssBytes"]
release_freed_memory()
released = memory_usage()["rssBytes"]
done.set()
thread.join()
print(json.dumps([retained, released]))
"""


def test_memory_freed_by_a_thread_goes_back_to_the_os() -> None:
    """What a synthesis frees stays with glibc's thread arena until it is handed back. Run in a
    fresh process, as the service is: a test process's own arenas (the model, other tests) would
    decide how much of it the arena can give back."""
    figures = python_json(_FREED_BY_A_THREAD)
    if figures is None:
        pytest.skip("not glibc: its allocator returns large freed blocks by itself")
    retained, released = figures
    assert retained and released and retained - released > 100 * 2**20
