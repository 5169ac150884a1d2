"""The transport bar: Play/Stop for the selected scene, and where the playing sound is."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QToolButton, QWidget

from studio.ui.listen import Listener, Listening
from studio.ui.status import ElidedLabel

POLL_MS = 40


def clock(seconds: float, tenths: bool = False) -> str:
    """'1:05', or '0:01.9' with ``tenths``: a five-second sample would otherwise read '0:01 /
    0:05' while its bar, which is exact, is two fifths full."""
    seconds = max(0.0, seconds)
    if tenths:
        whole, tenth = divmod(int(seconds * 10), 10)
        return f"{whole // 60}:{whole % 60:02d}.{tenth}"
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


class Transport(QWidget):
    """A Play/Stop button bound to ``play_action`` and a position bar that follows the Listener."""

    def __init__(self, listener: Listener, play_action: QAction, parent: QWidget | None = None):
        super().__init__(parent)
        self._listener = listener
        self._play_action = play_action
        self.button = QToolButton()
        self.button.setObjectName("playButton")
        self.button.setDefaultAction(play_action)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.what = ElidedLabel()  # a long scene title gives way; the tooltip has it all
        self.what.setObjectName("dimLabel")
        self.what.set_full_text("Nothing playing")
        self.what.setMinimumWidth(self.what.fontMetrics().horizontalAdvance("Sample · af_jessica"))
        self.bar = QProgressBar()
        self.bar.setObjectName("position")
        self.bar.setTextVisible(True)
        self.bar.setFormat("0:00 / 0:00")
        self.bar.setMinimumWidth(220)
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.button)
        layout.addWidget(self.bar, 2)
        layout.addWidget(self.what, 1)
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._tick)
        listener.state_changed.connect(self._on_state)

    def _on_state(self, what: Listening | None) -> None:
        playing = what is not None
        self._play_action.setText("■  Stop" if playing else "▶  Play Scene")
        if playing:
            self.what.set_full_text(what.label if what else "")
            self._timer.start()
            self._tick()
        else:
            self._timer.stop()
            self.what.set_full_text("Nothing playing")
            self.bar.setValue(0)
            self.bar.setFormat("0:00 / 0:00")

    def _tick(self) -> None:
        played, known = self._listener.position()
        more = " …" if self._listener.synthesizing else ""
        if known == 0:
            self.bar.setFormat("Synthesizing…")
            self.bar.setValue(0)
            return
        fine = known < 60
        played = min(played, known)
        self.bar.setValue(int(1000 * played / known))
        self.bar.setFormat(f"{clock(played, fine)} / {clock(known, fine)}{more}")
