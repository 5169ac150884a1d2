"""Helpers that drive real widgets the way a user does: clicks, keys, popups and dialogs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QMessageBox, QWidget


def click(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def button_for(window: Any, action: QAction) -> QWidget:
    """The toolbar or list button that shows ``action``."""
    for widget in action.associatedObjects():
        if isinstance(widget, QWidget) and widget.isVisible() and not widget.inherits("QMenu"):
            return widget
    raise AssertionError(f"no visible button for {action.text()!r}")


def type_into(qtbot: Any, widget: QWidget, text: str) -> None:
    click(qtbot, widget)
    qtbot.keyClicks(widget, text)


def press(qtbot: Any, widget: QWidget, key: str) -> None:
    """Press a key combination such as 'Ctrl+Z' with ``widget`` focused."""
    from PySide6.QtGui import QKeySequence

    window = widget.window()
    if QApplication.activeWindow() is not window:  # shortcuts only reach the active window
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    widget.setFocus()
    combo = QKeySequence(key)[0]
    qtbot.keyClick(widget, combo.key(), combo.keyboardModifiers())


def choose_in_combo(qtbot: Any, combo: QComboBox, data: object) -> None:
    """Open the combo box's popup and click the item holding ``data``."""
    row = combo.findData(data)
    assert row >= 0, f"{data!r} is not in the list"
    click(qtbot, combo)
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    qtbot.wait(
        QApplication.doubleClickInterval() + 100
    )  # a popup ignores clicks right after it opens
    index = view.model().index(row, 0)
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible())


def when_modal(callback: Callable[[QWidget], None]) -> None:
    """Run ``callback`` on the next modal dialog once it is shown (dialogs block the caller).

    The callback runs a moment after the dialog appears, once its own event loop runs (a dialog
    closed before that would leave its caller waiting). A dialog still open after 20 s is
    rejected, so a failing test fails instead of hanging.
    """

    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, attempt)
            return
        QTimer.singleShot(100, lambda: callback(dialog))
        QTimer.singleShot(20_000, lambda: _reject_if_open(dialog))

    QTimer.singleShot(0, attempt)


def _reject_if_open(dialog: QWidget) -> None:
    if shiboken6.isValid(dialog) and dialog.isVisible() and isinstance(dialog, QDialog):
        dialog.reject()


def answer_message_box(button: QMessageBox.StandardButton) -> None:
    def answer(dialog: QWidget) -> None:
        assert isinstance(dialog, QMessageBox), type(dialog)
        dialog.button(button).click()

    when_modal(answer)


def accept_file_dialog(path: str) -> None:
    """Type ``path`` into the next file dialog's name field and accept it, as a user would.

    Qt's own dialog lists folders in a background thread and may put its initial name back when
    that is done, so the name is typed again until it has held for a few polls.
    """

    def choose(dialog: QWidget) -> None:
        from PySide6.QtWidgets import QFileDialog, QLineEdit

        assert isinstance(dialog, QFileDialog), type(dialog)
        name_field = dialog.findChild(QLineEdit, "fileNameEdit")
        held = 0

        def step() -> None:
            nonlocal held
            if not dialog.isVisible():
                return
            if dialog.selectedFiles() == [path]:
                held += 1
                if held >= 3:
                    dialog.accept()
                    return
            else:
                held = 0
                name_field.setText(path)
            QTimer.singleShot(100, step)

        step()

    when_modal(choose)


class UrlCatcher(QObject):
    """Receives the URLs the app asks the desktop to open (QDesktopServices' own hook)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def is_dialog_open(kind: type[QDialog]) -> bool:
    return any(isinstance(w, kind) and w.isVisible() for w in QApplication.topLevelWidgets())
