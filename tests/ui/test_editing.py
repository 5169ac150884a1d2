"""Editing as a narrator does: typed numbers are kept, a new scene takes the cursor, "Now
playing" names the scene, long scenes are split in one step (issue 15, items 4–6 and 8)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import PulseServer
from tests.ui.drive import click, press, when_modal


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


def scene_rows(window: Any) -> list[tuple[str, str]]:
    return [(s.title, s.text) for s in window.session.project.scenes]


def test_split_scene_here_at_the_cursor_and_undo_it(qtbot: Any, window: Any) -> None:
    model = window.session.model
    scene_id = window.editor.scene_id
    model.edit(scene_id, "title", "The storm")
    model.edit(scene_id, "voice", "bf_emma")
    model.edit(scene_id, "speed", 0.9)
    text = window.editor.text
    text.setPlainText("The sky turned grey. The boats came home.")
    cursor = text.textCursor()
    cursor.setPosition(len("The sky turned grey."))
    text.setTextCursor(cursor)
    press(qtbot, text, "Ctrl+Shift+Return")

    assert scene_rows(window) == [
        ("The storm", "The sky turned grey."),
        ("The storm (2)", "The boats came home."),
    ]
    second = window.session.project.scenes[1]
    assert (second.voice, second.speed) == ("bf_emma", 0.9)
    assert window.scene_list.current_row() == 1  # the new scene is shown
    assert window.editor.text.toPlainText() == "The boats came home."

    press(qtbot, window.scene_list.view, "Ctrl+Z")  # one step undoes the split
    assert scene_rows(window) == [("The storm", "The sky turned grey. The boats came home.")]
    press(qtbot, window.scene_list.view, "Ctrl+Shift+Z")
    assert len(window.session.project.scenes) == 2


def test_split_here_with_the_cursor_at_the_end_says_what_to_do(qtbot: Any, window: Any) -> None:
    text = window.editor.text
    text.setPlainText("Only one piece.")
    text.moveCursor(text.textCursor().MoveOperation.End)
    press(qtbot, text, "Ctrl+Shift+Return")
    assert len(window.session.project.scenes) == 1
    assert "Put the cursor where the new scene should begin" in window.scene_banner.text()


def test_a_scene_over_the_limit_offers_split_at_paragraphs(qtbot: Any, window: Any) -> None:
    paragraph = "The tide came in slowly over the flats. " * 45  # 1,800 characters
    window.editor.text.setPlainText("\n\n".join([paragraph.strip()] * 3))
    editor = window.editor
    assert editor.count.property("over") is True
    assert editor.split_button.isVisible()
    click(qtbot, editor.split_button)

    scenes = window.session.project.scenes
    assert [s.title for s in scenes] == ["Scene 1", "Scene 1 (2)", "Scene 1 (3)"]
    assert all(s.text == paragraph.strip() for s in scenes)
    assert editor.count.property("over") is False and not editor.split_button.isVisible()
    assert window.session.undo_stack.undoText() == "Split into 3 Scenes"
    press(qtbot, window.scene_list.view, "Ctrl+Z")
    assert len(window.session.project.scenes) == 1
    assert len(window.session.project.scenes[0].text) == 3 * len(paragraph.strip()) + 4


def test_split_is_in_the_edit_menu_and_the_editors_context_menu(qtbot: Any, window: Any) -> None:
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    names = [a.text().replace("&", "") for a in edit_menu.actions()]
    assert "Split Scene Here" in names and "Split at Paragraphs" in names

    seen: list[list[str]] = []

    def read_menu() -> None:
        from PySide6.QtWidgets import QMenu

        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        seen.append([a.text().replace("&", "") for a in menu.actions()])
        menu.close()

    from PySide6.QtCore import QPoint, QTimer
    from PySide6.QtGui import QContextMenuEvent

    QTimer.singleShot(200, read_menu)
    viewport = window.editor.text.viewport()
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, QPoint(5, 5), viewport.mapToGlobal(QPoint(5, 5))
    )
    QApplication.sendEvent(viewport, event)
    assert "Split Scene Here" in seen[0] and "Split at Paragraphs" in seen[0]


def test_book_details_set_the_title_author_and_narrator_and_undo(qtbot: Any, window: Any) -> None:
    from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

    def fill(dialog: Any) -> None:
        for name, value in (("bookAuthor", "Ann Author"), ("bookNarrator", "Ned Reed")):
            field = dialog.findChild(QLineEdit, name)
            field.clear()
            field.insert(value)
        title = dialog.findChild(QLineEdit, "bookTitle")
        title.clear()
        title.insert("The Harbor")
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        click(qtbot, ok)

    when_modal(fill)
    window.book_details_action.trigger()
    project = window.session.project
    assert (project.title, project.author, project.narrator) == (
        "The Harbor",
        "Ann Author",
        "Ned Reed",
    )
    assert "The Harbor" in window.windowTitle()
    press(qtbot, window.editor.text, "Ctrl+Z")
    assert (project.author, project.narrator) == ("", "")
