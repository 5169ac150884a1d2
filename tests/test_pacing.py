"""When a streamed preview may start playing: studio.ui.pacing on recorded numbers.

The harbor text of issue 12 on a slow 2-core CPU: "The harbor was quiet at dawn." (29
characters) took 1.0 s to make and plays 1.9 s; the second sentence (98 characters) then took
5.3 s, so playing the first at once left 3.4 s of silence.
"""

from __future__ import annotations

import pytest

from studio.ui.pacing import SynthesisPace, remaining_pieces

FIRST_CHARS, FIRST_MADE_IN, FIRST_PLAYS = 29, 1.0, 1.9
SECOND_CHARS = 98


def harbor_pace() -> SynthesisPace:
    pace = SynthesisPace()
    pace.observe(FIRST_CHARS, FIRST_MADE_IN, FIRST_PLAYS, speed=1.0)
    return pace


def test_the_first_measurement_replaces_the_guess_and_later_ones_are_weighed_in() -> None:
    pace = harbor_pace()
    assert pace.real_time_factor == pytest.approx(1.0 / 1.9)
    assert pace.audio_per_char == pytest.approx(1.9 / 29)
    pace.observe(98, 5.3, 6.4, speed=1.0)  # the second sentence: the machine got busier
    assert 1.0 / 1.9 < pace.real_time_factor < 5.3 / 6.4
    assert pace.observed == 2


def test_a_pause_teaches_nothing() -> None:
    pace = harbor_pace()
    pace.observe(0, 0.001, 2.0, speed=1.0)
    assert pace.real_time_factor == pytest.approx(1.0 / 1.9)
    assert pace.observed == 1


def test_speed_is_taken_out_of_the_speaking_rate() -> None:
    pace = SynthesisPace()
    pace.observe(FIRST_CHARS, FIRST_MADE_IN, FIRST_PLAYS / 2, speed=2.0)
    assert pace.audio_per_char == pytest.approx(1.9 / 29)
    assert pace.audio_seconds(29, speed=2.0) == pytest.approx(0.95)


def test_the_harbor_preview_waits_until_the_long_sentence_will_be_in_time() -> None:
    pace = harbor_pace()
    wait = pace.wait_before_start(FIRST_PLAYS, 0.0, [SECOND_CHARS], speed=1.0)
    second_plays = SECOND_CHARS * 1.9 / 29
    expected = second_plays * (1.0 / 1.9) * pace.margin - FIRST_PLAYS
    assert wait == pytest.approx(expected)
    assert wait > 0
    # As the engine works on the second sentence, the wait shrinks by as much, down to nothing.
    later = pace.wait_before_start(FIRST_PLAYS, 1.0, [SECOND_CHARS], speed=1.0)
    assert later == pytest.approx(wait - 1.0)
    assert pace.wait_before_start(FIRST_PLAYS, wait, [SECOND_CHARS], speed=1.0) <= 1e-9


def test_it_starts_at_once_when_the_rest_is_short_or_all_is_made() -> None:
    pace = harbor_pace()
    assert pace.wait_before_start(FIRST_PLAYS, 0.0, [10], speed=1.0) == 0.0
    assert pace.wait_before_start(FIRST_PLAYS, 0.0, [], speed=1.0) == 0.0


def test_on_a_machine_slower_than_real_time_the_last_sentence_sets_the_wait() -> None:
    pace = SynthesisPace(margin=1.0)
    pace.observe(20, 2.0, 1.0, speed=1.0)  # twice slower than real time, 0.05 s per character
    # Each 20-character sentence takes 2 s and plays 1 s: the shortfall grows by 1 s a sentence.
    wait = pace.wait_before_start(1.0, 0.0, [20, 20, 20], speed=1.0)
    assert wait == pytest.approx(6.0 - 1.0 - 2.0)


def test_what_is_left_of_each_sentence() -> None:
    assert remaining_pieces([30, 50, 20], 0) == [30, 50, 20]
    assert remaining_pieces([30, 50, 20], 30) == [50, 20]
    assert remaining_pieces([30, 50, 20], 45) == [35, 20]
    assert remaining_pieces([30, 50, 20], 100) == []
    assert remaining_pieces([30, 50, 20], 120) == []
