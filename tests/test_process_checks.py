"""Memory and process checks through psutil, so that they hold on Linux, macOS and Windows."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from studio.fsutil import _process_alive
from studio.service.stdio import memory_usage


def test_memory_usage_follows_what_this_process_holds() -> None:
    before = memory_usage()
    block = np.ones(200 * 2**20, dtype=np.uint8)  # 200 MiB, every page touched
    during = memory_usage()
    assert before["rssBytes"] and during["rssBytes"] and during["peakRssBytes"]
    assert during["rssBytes"] - before["rssBytes"] > 150 * 2**20
    assert during["peakRssBytes"] >= during["rssBytes"]
    del block


def test_a_finished_process_is_not_alive_and_this_one_is() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not _process_alive(child.pid)
    assert _process_alive(os.getpid()) and _process_alive(os.getppid())
