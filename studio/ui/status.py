"""The status bar: the engine's state (loading, ready, failed with a way out), and short notes."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QSizePolicy, QStatusBar, QWidget


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with '…' instead of widening the window."""

    def __init__(self) -> None:
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width))


class StatusPanel(QStatusBar):
    """Shows one lasting state (busy, ready or error, with an optional action button) and
    brief notes ("Saved") that give way to the lasting state again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.message = ElidedLabel()
        self.message.setObjectName("statusMessage")
        self.busy_bar = QProgressBar()
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.action_button = QPushButton()
        self.action_button.setObjectName("statusAction")
        self.action_button.hide()
        self.detail = QLabel()
        self.detail.setObjectName("dimLabel")
        self.addWidget(self.busy_bar)
        self.addWidget(self.message, 1)
        self.addWidget(self.action_button)
        self.addPermanentWidget(self.detail)
        self._action: QAction | None = None
        self._state: tuple[str, str, QAction | None] = ("ready", "", None)
        self._note_timer = QTimer(self, singleShot=True)
        self._note_timer.timeout.connect(self._show_state)
        self.action_button.clicked.connect(self._run_action)

    @property
    def state(self) -> str:
        """'busy', 'ready' or 'error'."""
        return self._state[0]

    def text(self) -> str:
        return self.message.full_text()

    def busy(self, text: str, progress: tuple[int, int] | None = None) -> None:
        """A lasting busy state; ``progress`` (done, total) or None for an endless bar."""
        done, total = progress or (0, 0)
        self.busy_bar.setRange(0, total)
        self.busy_bar.setValue(done)
        self._set_state("busy", text, None)

    def ready(self, text: str) -> None:
        self._set_state("ready", text, None)

    def error(self, text: str, action: QAction | None = None) -> None:
        """A lasting error, with a button for the action that fixes it."""
        self._set_state("error", text, action)

    def note(self, text: str, kind: str = "ready", ms: int = 5000) -> None:
        """A brief message; the lasting state comes back after ``ms``."""
        self._show(kind, text, None)
        self._note_timer.start(ms)

    def _set_state(self, kind: str, text: str, action: QAction | None) -> None:
        self._state = (kind, text, action)
        self._note_timer.stop()
        self._show_state()

    def _show_state(self) -> None:
        self._show(*self._state)

    def _show(self, kind: str, text: str, action: QAction | None) -> None:
        self.message.set_full_text(text)
        self.message.setProperty("kind", kind)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.busy_bar.setVisible(kind == "busy")
        self._action = action
        self.action_button.setVisible(action is not None)
        if action is not None:
            self.action_button.setText(action.text())

    def _run_action(self) -> None:
        if self._action is not None:
            self._action.trigger()
