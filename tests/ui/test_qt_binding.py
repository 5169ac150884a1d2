"""Guards against a Qt binding that would crash the studio in a long session."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    done = Signal(bool)


def test_emitting_a_signal_keeps_the_reference_count_of_true() -> None:
    """PySide6 6.12.0 loses one reference to True per emit; after a few thousand signals
    (progress, chunks) Python aborts with "deallocating True". pyproject.toml caps the version."""
    emitter = Emitter()
    heard: list[bool] = []
    emitter.done.connect(lambda value: heard.append(value))
    before = sys.getrefcount(True)
    for _ in range(1000):
        emitter.done.emit(False)
    assert len(heard) == 1000
    lost = before - sys.getrefcount(True)
    assert lost < 100, (
        f"{lost} references to True lost in 1000 emits"
    )  # others' threads move it a little
