"""Editing as a narrator does: typed numbers are kept, a new scene takes the cursor, "Now
playing" names the scene, long scenes are split in one step (issue 15, items 4–6 and 8)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import PulseServer
from tests.ui.drive import click, press


def test_a_typed_speed_is_kept_as_typed(qtbot: Any, window: Any) -> None:
    speed = window.editor.speed
    click(qtbot, speed)
    press(qtbot, speed, "Ctrl+A")
    for key in "1.25":  # one keystroke at a time, each handled before the next
        qtbot.keyClicks(speed, key)
        qtbot.wait(20)
    qtbot.keyClick(speed, Qt.Key.Key_Tab)  # editing ends
    assert window.session.project.scenes[0].speed == 1.25
    assert speed.text() == "1.25 ×"
    press(qtbot, window.scene_list.view, "Ctrl+Z")  # one undo step for the whole number
    assert window.session.project.scenes[0].speed == 1.0


def test_a_typed_pause_is_kept_and_an_out_of_range_one_is_corrected_when_editing_ends(
    qtbot: Any, window: Any
) -> None:
    pause = window.editor.pause
    click(qtbot, pause)
    press(qtbot, pause, "Ctrl+A")
    qtbot.keyClicks(pause, "2.5")
    qtbot.keyClick(pause, Qt.Key.Key_Return)
    assert window.session.project.scenes[0].pause_after == 2.5
    speed = window.editor.speed
    click(qtbot, speed)
    press(qtbot, speed, "Ctrl+A")
    qtbot.keyClicks(speed, "3")  # over the 2.00 × maximum
    qtbot.keyClick(speed, Qt.Key.Key_Tab)
    assert window.session.project.scenes[0].speed == 1.0  # refused: the last valid value stays
    assert speed.text() == "1.00 ×"


def test_a_speed_still_being_typed_is_used_by_the_preview(
    qtbot: Any, window: Any, pulse: PulseServer
) -> None:
    window.editor.text.setPlainText("Quick.")
    speed = window.editor.speed
    click(qtbot, speed)
    press(qtbot, speed, "Ctrl+A")
    qtbot.keyClicks(speed, "1.5")
    press(qtbot, speed, "Ctrl+Return")  # straight from the field: no Tab first
    assert window.session.project.scenes[0].speed == 1.5
    window.listener.stop()


def test_a_new_scene_takes_the_cursor_in_its_title(qtbot: Any, window: Any) -> None:
    window.editor.text.setPlainText("The first scene's text.")
    press(qtbot, window.editor.text, "Ctrl+Shift+N")
    assert window.scene_list.current_row() == 1
    focused = QApplication.focusWidget()
    assert focused is window.editor.title and focused.selectedText() == "Scene 2"
    qtbot.keyClicks(focused, "The storm")
    scenes = window.session.project.scenes
    assert [s.title for s in scenes] == ["Scene 1", "The storm"]
    assert scenes[0].text == "The first scene's text."


def test_now_playing_names_the_scene_by_its_title(
    qtbot: Any, window: Any, pulse: PulseServer
) -> None:
    model = window.session.model
    first = window.session.project.scenes[0].id
    model.edit(first, "text", "One.")
    model.add(0, "Five.", "Scene 5")  # the second scene, titled as the narrator titled it
    window.scene_list.select_row(1)
    press(qtbot, window.scene_list.view, "Space")
    assert window.transport.what.text().startswith("Scene 5 · ")
    window.listener.stop()
