"""The Player on a real PulseAudio sink: every sound ends with exactly one ``stopped`` signal."""

from __future__ import annotations

from typing import Any

import numpy as np

from studio.ui.playback import SOURCE_RATE, ChunkBuffer, Player
from tests.ui.conftest import PulseServer


def tone(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SOURCE_RATE)) / SOURCE_RATE
    return (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_every_short_sound_reports_that_it_played_to_the_end(
    qtbot: Any, pulse: PulseServer
) -> None:
    """Many short sounds in a row: PortAudio calls back before its stream reads as inactive,
    and a Player that trusted ``stream.active`` then would wait forever."""
    player = Player()
    for _ in range(40):
        with qtbot.waitSignal(player.stopped, timeout=5000) as stopped:
            player.start()
            player.feed(tone(0.02))
            player.end_of_input()
        assert stopped.args == [True]
        assert not player.playing


def test_stopping_early_reports_once_and_a_new_sound_can_follow(
    qtbot: Any, pulse: PulseServer
) -> None:
    player = Player()
    reports: list[bool] = []
    player.stopped.connect(lambda completed: reports.append(completed))
    player.start()
    player.feed(tone(5.0))
    qtbot.waitUntil(lambda: player.position()[0] > 0.1, timeout=5000)
    player.stop()
    assert reports == [False]

    with qtbot.waitSignal(player.stopped, timeout=5000) as stopped:
        player.start()
        player.feed(tone(0.2))
        player.end_of_input()
    assert stopped.args == [True]
    qtbot.wait(300)  # a late callback from the aborted stream must not report again
    assert reports == [False, True]


def test_the_buffer_counts_silence_mid_sound_as_a_stall_but_not_before_or_at_the_end() -> None:
    buffer = ChunkBuffer()
    out = np.empty(100, dtype=np.float32)
    buffer.read_into(out)  # nothing fed yet: the sound has not begun
    buffer.push(np.ones(150, dtype=np.float32))
    buffer.read_into(out)
    buffer.read_into(out)  # 50 frames of sound, then 50 of waiting for the next chunk
    assert buffer.underrun_frames == 50
    buffer.push(np.ones(30, dtype=np.float32))
    buffer.close()
    assert buffer.read_into(out)  # the end: the rest is silence after the sound, not a stall
    assert buffer.underrun_frames == 50
