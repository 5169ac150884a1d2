"""The speech libraries (torch, kokoro, spaCy, misaki) are imported one thread at a time.

The studio builds a phonemizer for its pronunciation review while its engine thread loads the
model, and both import the same libraries. Python's import locks do not stop two threads
importing modules that import each other from seeing a module half made: kokoro's import then
failed now and then ("kokoro is not installed"). Also, spaCy imports torch when it can (thinc's
optional support), which costs the ONNX backend about 1.5 s and 200 MB, so while spaCy loads,
``import torch`` is made to fail (``hidden``); another thread asking meanwhile whether torch is
installed would have heard "no". Everything here waits on one lock instead: a second or two.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_GATE = threading.RLock()


@contextmanager
def speech_libraries() -> Iterator[None]:
    """Hold the block while importing (or first using) any of the speech libraries."""
    with _GATE:
        yield


def torch_installed() -> bool:
    """Whether torch can be imported (without importing it)."""
    if sys.modules.get("torch") is not None:
        return True
    with _GATE:
        return importlib.util.find_spec("torch") is not None


def import_torch() -> Any:
    """``import torch``, never while it is hidden; ImportError when it is not installed."""
    loaded = sys.modules.get("torch")
    if loaded is not None:
        return loaded
    with _GATE:
        import torch

        return torch


@contextmanager
def hidden_torch() -> Iterator[bool]:
    """Make ``import torch`` fail while the block runs, unless torch is loaded already; yields
    whether it was hidden."""
    with _GATE:
        hide = "torch" not in sys.modules
        if hide:
            sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail
        try:
            yield hide
        finally:
            if hide and "torch" in sys.modules and sys.modules["torch"] is None:
                del sys.modules["torch"]
