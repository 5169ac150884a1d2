"""When a long-running face hands freed memory back: once idle after work, and during a burst
only when it has grown past the size it settled at, never after every request (which would make
the next one fault its memory in again). Resident sizes are set by hand: a real process's growth
cannot be made to order."""

from __future__ import annotations

import pytest

from studio import memory
from studio.memory import MemoryKeeper

MB = 1024 * 1024


@pytest.fixture
def process(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    state = {"rss": 1000 * MB, "releases": 0}

    def release() -> bool:
        state["releases"] += 1
        return True

    monkeypatch.setattr(memory, "_rss", lambda: state["rss"])
    monkeypatch.setattr(memory, "release_freed_memory", release)
    return state


def test_idle_releases_once_after_work_and_never_when_nothing_was_done(
    process: dict[str, int],
) -> None:
    keeper = MemoryKeeper()
    keeper.idle()
    assert process["releases"] == 0, "nothing was synthesized: nothing to hand back"
    keeper.worked()
    keeper.idle()
    keeper.idle()
    assert process["releases"] == 1


def test_a_burst_releases_only_when_grown_past_its_settled_size(
    process: dict[str, int],
) -> None:
    keeper = MemoryKeeper(growth=0.05)
    for _ in range(20):  # steady requests at the settled size: no release, no faulting in again
        keeper.worked()
    assert process["releases"] == 0
    process["rss"] = 1060 * MB  # 6 % above where it settled
    keeper.worked()
    assert process["releases"] == 1
    keeper.worked()  # settles again at the new size
    assert process["releases"] == 1
