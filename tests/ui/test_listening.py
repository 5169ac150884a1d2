"""Hearing scenes and voices for real: sound goes through PulseAudio's null sink, its monitor is
recorded, and the recording is checked for sound and for the scene's words."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
from PySide6.QtCore import QTimer

from studio.ui.playback import NO_DEVICE_MESSAGE
from tests.audio_checks import assert_mp3_spec
from tests.ui.conftest import PulseServer
from tests.ui.drive import click, press, type_into

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WORDS = "Welcome to the studio. Today we talk about the weather."


def loudness(path: Path) -> float:
    audio, _rate = soundfile.read(path, dtype="float32", always_2d=True)
    return float(np.sqrt(np.mean(audio.mean(axis=1) ** 2)))


def test_previewing_a_scene_plays_it_as_it_is_synthesized(
    qtbot: Any,
    window: Any,
    pulse: PulseServer,
    transcribe: Callable[[Path], str],
    word_error_rate: Callable[[str, str], float],
) -> None:
    type_into(qtbot, window.editor.text, WORDS)
    order: list[str] = []
    window.player.started.connect(lambda: order.append("sound starts"))
    window.worker.finished.connect(lambda _job, _result: order.append("synthesis done"))
    window.player.started.connect(
        lambda: QTimer.singleShot(700, lambda: window.grab().save(str(ARTIFACTS / "playing.png")))
    )
    ARTIFACTS.mkdir(exist_ok=True)
    recording = pulse.record("scene.wav")
    with qtbot.waitSignal(window.player.stopped, timeout=180_000) as stopped:
        press(qtbot, window.editor.text, "Ctrl+Return")
        qtbot.waitUntil(lambda: window.listener.current is not None, timeout=1000)
        assert window.play_action.text() == "■  Stop"
    path = recording.stop()

    assert stopped.args == [True]  # played to the end
    # It streams when this machine is fast enough to stay ahead, else it waits (studio.ui.pacing).
    assert sorted(order) == ["sound starts", "synthesis done"]
    assert window.play_action.text() == "▶  Play Scene"
    assert loudness(path) > 0.01, "the recording of the speakers is silent"
    heard = transcribe(path)
    assert word_error_rate(WORDS, heard) < 0.5, heard


def test_a_voice_preview_is_cached_so_the_second_click_plays_at_once(
    qtbot: Any, window: Any, pulse: PulseServer
) -> None:
    picker = window.voices
    type_into(qtbot, picker.search, "bella")
    assert picker.selected_spec() == "af_bella"
    with qtbot.waitSignal(window.player.stopped, timeout=180_000):
        click(qtbot, picker.preview_button)
        qtbot.waitUntil(lambda: picker.preview_button.text() == "■  Stop", timeout=1000)

    synthesized: list[Any] = []
    started: list[bool] = []
    window.worker.chunk_ready.connect(lambda job, chunk: synthesized.append(chunk))
    window.player.started.connect(lambda: started.append(True))
    recording = pulse.record("cached.wav")
    with qtbot.waitSignal(window.player.stopped, timeout=30_000):
        click(qtbot, picker.preview_button)
        # Sound started inside the click's handler: nothing was waited for, no model work asked.
        assert started == [True]
        assert not window.listener.synthesizing
    path = recording.stop()
    assert synthesized == []
    assert loudness(path) > 0.01
    assert picker.preview_button.text() == "▶  Preview"


def test_space_types_in_the_editor_and_plays_or_stops_elsewhere(
    qtbot: Any, window: Any, pulse: PulseServer
) -> None:
    type_into(qtbot, window.editor.text, "One. Two. Three. Four. Five. Six.")
    assert window.editor.text.toPlainText().count(" ") == 5
    assert window.listener.current is None

    press(qtbot, window.scene_list.view, "Space")
    assert window.listener.current is not None and window.listener.current.kind == "scene"
    qtbot.waitUntil(lambda: window.player.playing, timeout=120_000)
    with qtbot.waitSignal(window.player.stopped, timeout=5000) as stopped:
        press(qtbot, window.scene_list.view, "Space")
    assert stopped.args == [False]
    assert window.listener.current is None and not window.listener.synthesizing


def test_the_gui_thread_is_served_between_every_two_sentences(
    qtbot: Any, window: Any, pulse: PulseServer
) -> None:
    """Synthesis runs off the GUI thread: its timer fires between every two sentences the engine
    delivers. How long the longest gap is, is measured in bench/gui_timings.py (no time bound
    here: on a busy machine that would be a flake)."""
    type_into(
        qtbot,
        window.editor.text,
        "The harbor was quiet before dawn. Gulls circled over the empty boats. "
        "A bell rang twice from the old church. Then the first fishermen arrived.",
    )
    events: list[str] = []
    heartbeat = QTimer(interval=10)
    heartbeat.timeout.connect(lambda: events.append("beat"))
    window.worker.chunk_ready.connect(lambda _job, _chunk: events.append("chunk"))
    heartbeat.start()
    with qtbot.waitSignal(window.player.stopped, timeout=180_000):
        press(qtbot, window.scene_list.view, "Space")
        qtbot.waitUntil(lambda: window.listener.synthesizing, timeout=1000)
    heartbeat.stop()

    chunks_at = [i for i, event in enumerate(events) if event == "chunk"]
    assert len(chunks_at) == 4
    for before, after in itertools.pairwise(chunks_at):
        assert "beat" in events[before:after], events[before : after + 1]


def test_without_an_audio_device_it_says_so_and_export_still_works(
    qtbot: Any, window: Any, no_audio_device: None
) -> None:
    type_into(qtbot, window.editor.text, "Nobody will hear this, but it will be exported.")
    press(qtbot, window.editor.text, "Ctrl+Return")
    assert window.status.text() == NO_DEVICE_MESSAGE
    assert window.listener.current is None

    click(qtbot, window.toolbar.widgetForAction(window.export_all_action))
    click(qtbot, window.export_dialog.export_button)
    qtbot.waitUntil(lambda: window.export_dialog.outcome != "", timeout=180_000)
    assert window.export_dialog.outcome == "finished"
    assert assert_mp3_spec(window.session.project.audio_dir / "01-scene-1.mp3") > 1.0


HARBOR = (
    "The harbor was quiet at dawn. Gulls circled over the fishing boats, and the old lighthouse "
    "keeper climbed the stairs one last time."
)


def longest_silence(audio: np.ndarray, rate: int, threshold: float = 0.003) -> float:
    """The longest run of near-silence between the first and the last sound, in seconds."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if len(loud) < 2:
        return 0.0
    return float(np.diff(loud).max() - 1) / rate


def test_a_streamed_preview_plays_without_a_stall(
    qtbot: Any, window: Any, pulse: PulseServer
) -> None:
    """The harbor text of issue 12: a short sentence, then a long one. Playback starts only when
    the long one will be in time, so nothing between the sentences is left unplayed: no underrun
    in the player, and no silence in the recording longer than the speech's own."""
    type_into(qtbot, window.editor.text, HARBOR)
    heard: list[Any] = []
    window.listener.chunk_heard.connect(heard.append)
    recording = pulse.record("harbor.wav")
    with qtbot.waitSignal(window.player.stopped, timeout=180_000) as stopped:
        press(qtbot, window.scene_list.view, "Space")
    path = recording.stop()

    assert stopped.args == [True]
    assert len(heard) == 2
    assert window.player.last_stall_seconds == 0.0
    played, rate = soundfile.read(path, dtype="float32", always_2d=True)
    spoken = np.concatenate([c.audio for c in heard])
    # The speech's own longest pause, plus one PortAudio buffer of slack for the monitor's timing.
    allowed = longest_silence(spoken, 24_000) + 0.1
    assert longest_silence(played.mean(axis=1), rate) <= allowed


def test_on_a_slow_machine_it_says_it_is_preparing_and_then_plays_it_whole(
    qtbot: Any, window: Any, pulse: PulseServer
) -> None:
    """A machine far slower than real time (its measured pace forced, as no test machine is that
    slow): the preview waits for the whole text, saying how long, then plays to the end."""
    window.listener.pace.real_time_factor = 50.0
    window.listener.pace.observed = 5  # a long history: one quick sentence does not outweigh it
    type_into(qtbot, window.editor.text, HARBOR)
    said: list[str] = []
    window.listener.preparing.connect(lambda _s: said.append(window.status.text()))
    order: list[str] = []
    window.player.started.connect(lambda: order.append("sound starts"))
    window.worker.chunk_ready.connect(lambda _job, _chunk: order.append("sentence made"))
    with qtbot.waitSignal(window.player.stopped, timeout=180_000) as stopped:
        press(qtbot, window.scene_list.view, "Space")

    assert stopped.args == [True]
    assert order == ["sentence made", "sentence made", "sound starts"]
    assert said and said[0].startswith("Preparing… ") and said[0].endswith(" s"), said
    assert window.player.last_stall_seconds == 0.0
