"""Follow-along: while a scene plays, its editor highlights the sentence being spoken and the
word (where word timings exist), and keeps them in view. Double-clicking a sentence plays the
scene from there.

The timeline is the chunks heard (each with its span of the text as written and its words'
times); the player's position picks the chunk and word. Timing comes from the engine's chunks,
so it holds for pauses and cast voices alike.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

from studio.ui.listen import Listener, Listening

POLL_MS = 40
SENTENCE_COLOR = QColor("#fff3c4")
WORD_COLOR = QColor("#ffd86b")
TEXT_COLOR = QColor("#1b1b1b")


class Timeline:
    """Chunks heard so far, by start time: what is being said at a given second."""

    def __init__(self) -> None:
        self._starts: list[float] = []
        self._chunks: list[Any] = []

    def add(self, chunk: Any) -> None:
        self._starts.append(chunk.start)
        self._chunks.append(chunk)

    def at(self, seconds: float) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """(sentence span, word span) in the text as written at ``seconds``; None where silent."""
        index = bisect.bisect_right(self._starts, seconds) - 1
        if index < 0:
            return None, None
        chunk = self._chunks[index]
        if chunk.pause or seconds > chunk.start + chunk.duration:
            return None, None
        word = next(
            (w.source for w in chunk.words if w.source and w.start <= seconds < w.end), None
        )
        return chunk.source, word


class FollowAlong(QObject):
    """Highlights what is heard in ``editor`` while ``scene_shown()``'s scene plays."""

    play_from = Signal(int)  # double-click: play the shown scene from this index of its text
    moved = Signal(object, object)  # sentence span, word span (for tests and screenshots)

    def __init__(
        self, listener: Listener, editor: QPlainTextEdit, scene_shown: Callable[[], str]
    ) -> None:
        super().__init__(editor)
        self._listener = listener
        self._editor = editor
        self._scene_shown = scene_shown
        self._timeline = Timeline()
        self._following: Listening | None = None
        self._shown: tuple[Any, Any] = (None, None)
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._tick)
        listener.state_changed.connect(self._on_state)
        listener.chunk_heard.connect(self._on_chunk)
        editor.viewport().installEventFilter(self)

    @property
    def sentence(self) -> tuple[int, int] | None:
        return self._shown[0]

    @property
    def word(self) -> tuple[int, int] | None:
        return self._shown[1]

    def _on_state(self, what: Listening | None) -> None:
        if what is None:
            self._following = None
            self._timer.stop()
            self._show(None, None)
        elif what is not self._following:
            self._following = what
            self._timeline = Timeline()
            self._timer.start()

    def _on_chunk(self, chunk: Any) -> None:
        if self._following is not None:
            self._timeline.add(chunk)

    def _tick(self) -> None:
        what = self._following
        if what is None or what.kind != "scene" or what.target != self._scene_shown():
            self._show(None, None)
            return
        played, _known = self._listener.position()
        self._show(*self._timeline.at(played))

    def _show(self, sentence: tuple[int, int] | None, word: tuple[int, int] | None) -> None:
        if (sentence, word) == self._shown:
            return
        self._shown = (sentence, word)
        selections = []
        for span, color in ((sentence, SENTENCE_COLOR), (word, WORD_COLOR)):
            if span is None:
                continue
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self._editor.document())
            limit = max(0, self._editor.document().characterCount() - 1)
            cursor.setPosition(min(span[0], limit))
            cursor.setPosition(min(span[1], limit), QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            highlight = QTextCharFormat()
            highlight.setBackground(color)
            highlight.setForeground(TEXT_COLOR)  # dark on light, whatever the theme
            selection.format = highlight
            selections.append(selection)
        self._editor.setExtraSelections(selections)
        if sentence is not None:
            self._keep_in_view(word or sentence)
        self.moved.emit(sentence, word)

    def _keep_in_view(self, span: tuple[int, int]) -> None:
        cursor = QTextCursor(self._editor.document())
        cursor.setPosition(min(span[0], max(0, self._editor.document().characterCount() - 1)))
        rect = self._editor.cursorRect(cursor)
        viewport = self._editor.viewport().rect()
        if not viewport.contains(rect):
            bar = self._editor.verticalScrollBar()
            first = self._editor.firstVisibleBlock().blockNumber()
            bar.setValue(bar.value() + cursor.blockNumber() - first - 2)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonDblClick and isinstance(event, QMouseEvent):
            index = self._editor.cursorForPosition(event.position().toPoint()).position()
            QTimer.singleShot(0, lambda: self.play_from.emit(index))
        return False
