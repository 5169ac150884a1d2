"""The real main window on the real engine, driven as a user would: typing, clicking, exporting,
undoing, autosaving, closing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from studio.ui.config import StudioConfig
from studio.ui.export_dialog import ExportDialog
from tests.audio_checks import assert_mp3_spec
from tests.ui.drive import (
    UrlCatcher,
    accept_file_dialog,
    answer_message_box,
    button_for,
    choose_in_combo,
    click,
    press,
    type_into,
)

OPENING = "Welcome to the harbor. The boats come home at dusk."
SECOND = "Morning comes slowly over the water."


def scene_texts(window: Any) -> list[str]:
    return [s.text for s in window.session.project.scenes]


def test_create_two_scenes_choose_voices_and_export(qtbot: Any, window: Any) -> None:
    project = window.session.project
    assert project.title == "Untitled" and len(project.scenes) == 1
    assert project.folder == Path(window.config.documents_dir) / "Narration Studio" / "Untitled"

    editor = window.editor
    click(qtbot, editor.title)
    press(qtbot, editor.title, "Ctrl+A")
    qtbot.keyClicks(editor.title, "Opening")
    type_into(qtbot, editor.text, OPENING)
    type_into(qtbot, window.voices.search, "michael")
    window.voices.select_spec("am_michael")
    click(qtbot, window.voices.use_button)

    click(qtbot, button_for(window, window.scene_list.add_action))
    assert window.scene_list.current_row() == 1 and editor.text.toPlainText() == ""
    type_into(qtbot, editor.text, SECOND)
    choose_in_combo(qtbot, editor.voice, "bf_emma")

    scenes = window.session.project.scenes
    assert [(s.title, s.text, s.voice) for s in scenes] == [
        ("Opening", OPENING, "am_michael"),
        ("Scene 2", SECOND, "bf_emma"),
    ]
    assert window.isWindowModified()

    click(qtbot, window.toolbar.widgetForAction(window.export_all_action))
    dialog: ExportDialog = window.export_dialog
    click(qtbot, dialog.export_button)  # the project's settings: raw 128 kbps MP3s
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=300_000)
    assert dialog.outcome == "finished", dialog.message.text()
    assert not window.isWindowModified()  # exporting saved the project first
    audio = project.folder / "audio"
    assert [dialog.table.item(r, 5).text() for r in range(2)] == [
        "01-opening.mp3",
        "02-scene-2.mp3",
    ]
    assert all(dialog.table.item(r, 2).text().startswith("Rendered") for r in range(2))
    for name in ("01-opening.mp3", "02-scene-2.mp3"):
        assert assert_mp3_spec(audio / name) > 1.0
    saved = json.loads(project.file.read_text())
    assert [s["voice"] for s in saved["scenes"]] == ["am_michael", "bf_emma"]

    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        click(qtbot, dialog.open_button)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert catcher.urls == [QUrl.fromLocalFile(str(audio))]
    click(qtbot, dialog.cancel_button)  # now labelled Close
    assert not dialog.isVisible()

    window.scene_list.select_row(1)
    window.export(selected_only=True)  # Ctrl+Shift+E: only scene 2, unchanged, so cached
    dialog = window.export_dialog
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=120_000)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 2).text().startswith("Unchanged")
    dialog.accept()


def test_undo_and_redo_text_and_scene_operations(qtbot: Any, window: Any) -> None:
    editor, scenes = window.editor, window.scene_list
    type_into(qtbot, editor.text, "Hello world")
    press(qtbot, editor.text, "Ctrl+Z")
    assert editor.text.toPlainText() == "" and scene_texts(window) == [""]
    press(qtbot, editor.text, "Ctrl+Shift+Z")
    assert editor.text.toPlainText() == "Hello world"

    press(qtbot, editor.text, "Ctrl+Shift+N")  # add a scene
    type_into(qtbot, editor.text, "Second")
    press(qtbot, scenes.view, "Ctrl+D")  # duplicate it
    assert scene_texts(window) == ["Hello world", "Second", "Second"]
    assert window.session.project.scenes[2].title == "Scene 2 (copy)"
    press(qtbot, scenes.view, "Alt+Up")  # the copy moves above its original
    assert [s.title for s in window.session.project.scenes][1:] == ["Scene 2 (copy)", "Scene 2"]
    scenes.select_row(0)
    press(qtbot, scenes.view, "Delete")
    assert scene_texts(window) == ["Second", "Second"]

    for expected in (
        ["Hello world", "Second", "Second"],  # undo delete
        ["Hello world", "Second", "Second"],  # undo move (same texts, other order)
        ["Hello world", "Second"],  # undo duplicate
        ["Hello world", ""],  # undo typing
        ["Hello world"],  # undo add
    ):
        press(qtbot, scenes.view, "Ctrl+Z")
        assert scene_texts(window) == expected
    assert window.editor.text.toPlainText() == "Hello world"  # undo shows the scene it changed
    press(qtbot, scenes.view, "Ctrl+Y")
    press(qtbot, scenes.view, "Ctrl+Y")
    assert scene_texts(window) == ["Hello world", "Second"]
    assert window.editor.text.toPlainText() == "Second"


def test_rename_in_the_list_and_drag_to_reorder(qtbot: Any, window: Any) -> None:
    model = window.session.model
    model.add(0, "Two.", "Two")
    model.add(1, "Three.", "Three")
    view = window.scene_list.view
    view.setCurrentIndex(model.index(0))
    press(qtbot, view, "F2")
    editor_widget = QApplication.focusWidget()
    assert isinstance(editor_widget, QLineEdit)
    editor_widget.selectAll()
    qtbot.keyClicks(editor_widget, "One")
    press(qtbot, editor_widget, "Return")
    qtbot.waitUntil(lambda: window.session.project.scenes[0].title == "One")
    assert [s.title for s in window.session.project.scenes] == ["One", "Two", "Three"]

    # What QListView does on an internal drop: move row 0 to before row 3 (the end).
    assert model.moveRow(model.index(0).parent(), 0, model.index(0).parent(), 3)
    assert [s.title for s in window.session.project.scenes] == ["Two", "Three", "One"]
    assert window.scene_list.current_scene_id() == window.session.project.scenes[2].id
    press(qtbot, view, "Ctrl+Z")
    assert [s.title for s in window.session.project.scenes] == ["One", "Two", "Three"]


def test_autosave_then_the_next_launch_opens_the_project(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    studio_config.autosave_ms = 300
    window = make_window(studio_config)
    type_into(qtbot, window.editor.text, "Saved without asking.")
    project_file = window.session.project.file
    qtbot.waitUntil(lambda: project_file.exists() and not window.isWindowModified(), timeout=10_000)
    assert json.loads(project_file.read_text())["scenes"][0]["text"] == "Saved without asking."
    window.close()

    again = make_window(studio_config)
    assert again.session.project.folder == project_file.parent
    assert again.editor.text.toPlainText() == "Saved without asking."
    assert not again.isWindowModified()


def test_closing_with_unsaved_changes_asks_first(qtbot: Any, window: Any) -> None:
    type_into(qtbot, window.editor.text, "Not saved yet.")
    assert window.isWindowModified()
    answer_message_box(QMessageBox.StandardButton.Cancel)
    window.close()
    assert window.isVisible()

    answer_message_box(QMessageBox.StandardButton.Save)
    window.close()
    assert not window.isVisible()
    saved = json.loads(window.session.project.file.read_text())
    assert saved["scenes"][0]["text"] == "Not saved yet."


def test_character_count_and_a_long_scene(qtbot: Any, window: Any) -> None:
    type_into(qtbot, window.editor.text, "Twelve chars")
    assert window.editor.count.text() == "12 characters"
    window.editor.text.insertPlainText(" Words." * 713)  # a paste: 5,003 characters
    assert window.editor.count.text() == "5,003 characters — long scene"
    assert window.session.project.scenes[0].text.endswith("Words.")  # no limit on a scene


def test_a_missing_model_offers_to_choose_the_folder(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig, model_dir: Path
) -> None:
    studio_config.model_dir = None  # no folder, no setting: the hub, which is offline here
    window = make_window(studio_config, wait_ready=False)
    qtbot.waitUntil(lambda: window.status.state == "error", timeout=60_000)
    assert "Could not download" in window.status.text()
    assert "Traceback" not in window.status.text()
    button = window.status.action_button
    assert button.isVisible() and button.text().replace("&", "") == "Choose Model Folder…"

    accept_file_dialog(str(model_dir))
    click(qtbot, button)
    qtbot.waitUntil(lambda: window.status.state == "ready", timeout=120_000)
    assert window.status.text().startswith("Ready — model loaded in")
    settings = json.loads(studio_config.settings_path.read_text())
    assert settings["model_dir"] == str(model_dir)


def test_new_save_as_open_and_recent_projects(qtbot: Any, window: Any, tmp_path: Path) -> None:
    type_into(qtbot, window.editor.text, "First project.")
    answer_message_box(QMessageBox.StandardButton.Save)  # New asks about the unsaved changes
    press(qtbot, window.editor.text, "Ctrl+N")
    first = tmp_path / "Documents" / "Narration Studio" / "Untitled"
    assert json.loads((first / "project.json").read_text())["scenes"][0]["text"] == "First project."
    assert window.session.project.folder.name == "Untitled 2"
    assert window.editor.text.toPlainText() == "" and not window.isWindowModified()

    type_into(qtbot, window.editor.text, "Second project.")
    copy = tmp_path / "elsewhere" / "Second"
    copy.parent.mkdir()
    accept_file_dialog(str(copy))
    press(qtbot, window.editor.text, "Ctrl+Shift+S")
    assert window.session.project.folder == copy
    assert json.loads((copy / "project.json").read_text())["scenes"][0]["text"] == "Second project."
    assert not window.isWindowModified()

    accept_file_dialog(str(first / "project.json"))
    press(qtbot, window.editor.text, "Ctrl+O")
    assert window.session.project.folder == first
    assert window.editor.text.toPlainText() == "First project."
    assert window.session.recent_projects()[:2] == [first.resolve(), copy.resolve()]

    window.recent_menu.aboutToShow.emit()
    labels = [a.text() for a in window.recent_menu.actions()]
    assert labels[:2] == [str(first.resolve()), str(copy.resolve())]
    window.recent_menu.actions()[1].trigger()
    assert window.session.project.folder == copy.resolve()


def test_opening_a_damaged_project_says_why_and_keeps_the_current_one(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "project.json").write_text("{not json")
    messages: list[str] = []

    def read_and_close(dialog: Any) -> None:
        messages.append(dialog.text())
        dialog.accept()

    from tests.ui.drive import when_modal

    when_modal(read_and_close)
    assert not window.open_project(damaged)
    assert "is damaged" in messages[0] and "Traceback" not in messages[0]
    assert window.session.project.title == "Untitled"
    assert (damaged / "project.json").read_text() == "{not json"
