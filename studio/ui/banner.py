"""An inline message bar shown right where the user acted: the reason something did not happen,
and the fix, until it is dismissed or the next attempt starts.

The status bar is at the edge of the screen and its notes fade; a narrator pressing Play looks at
the scene, so the reason a preview failed belongs next to the scene (and a failed voice sample next
to the voice list).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class MessageBanner(QFrame):
    """A dismissible one-message bar: an error's text (selectable, wrapped), and optionally a
    button for the action that fixes it."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("banner", True)
        self.label = QLabel()
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton()
        self.action_button.hide()
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss this message")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        self.action_button.clicked.connect(self._run_action)
        self._action: QAction | None = None
        # The text has the whole width (a narrow pane wraps it, never cuts it); the fix's
        # button goes below it.
        top = QHBoxLayout()
        top.addWidget(self.label, 1)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        actions = QHBoxLayout()
        actions.addStretch()
        actions.addWidget(self.action_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 4, 6)
        layout.addLayout(top)
        layout.addLayout(actions)
        self.hide()

    def text(self) -> str:
        """The message shown ("" when dismissed)."""
        return "" if self.isHidden() else self.label.text()

    def show_error(self, text: str, action: QAction | None = None) -> None:
        self.label.setText(text)
        self._action = action
        self.action_button.setVisible(action is not None)
        if action is not None:
            self.action_button.setText(action.text().replace("&", ""))
        self.show()

    def dismiss(self) -> None:
        self.hide()
        self.label.clear()
        self._action = None

    def _run_action(self) -> None:
        action = self._action
        self.dismiss()
        if action is not None:
            action.trigger()


def with_banner(widget: QWidget, banner: MessageBanner, above: bool) -> QWidget:
    """``widget`` with ``banner`` right above or below it, taking only the room it needs."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    for item, stretch in ((banner, 0), (widget, 1)) if above else ((widget, 1), (banner, 0)):
        layout.addWidget(item, stretch)
    return box
