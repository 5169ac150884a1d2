"""Splitting a scene in two at the cursor, or into one scene per paragraph, as one undoable step.

A long scene renders whole, but shorter ones are easier to direct and preview; the character
counter points here once a scene is long. The new scenes follow the original, keep its voice, speed and pause, and are
titled after it ("The storm (2)").
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QKeySequence, QUndoCommand
from PySide6.QtWidgets import QPlainTextEdit

from studio.project.model import Scene, new_scene_id
from studio.ui.scene_model import SceneModel

_NUMBERED = re.compile(r"^(.*) \((\d+)\)$")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")


def split_at(text: str, position: int) -> list[str]:
    """The text before and after ``position``, trimmed; one piece when either side is empty."""
    before, after = text[:position].strip(), text[position:].strip()
    return [before, after] if before and after else [text]


def split_paragraphs(text: str) -> list[str]:
    """The paragraphs of ``text`` (separated by blank lines), trimmed, empty ones left out."""
    return [part.strip() for part in _BLANK_LINES.split(text) if part.strip()]


def numbered_titles(title: str, count: int) -> list[str]:
    """Titles for ``count`` scenes that follow a scene titled ``title``: 'A (2)', 'A (3)', …"""
    if not title.strip():
        return [""] * count  # untitled scenes are shown by their first words
    match = _NUMBERED.match(title)
    base, start = (match.group(1), int(match.group(2)) + 1) if match else (title, 2)
    return [f"{base} ({start + i})" for i in range(count)]


class SplitScene(QUndoCommand):
    """Keep the first piece of a scene's text in the scene; insert the others as new scenes."""

    def __init__(self, model: SceneModel, scene_id: str, pieces: list[str], label: str) -> None:
        super().__init__(label)
        self._model, self._scene_id = model, scene_id
        scene = model.scene_by_id(scene_id)
        self._old_text, self._first = scene.text, pieces[0]
        titles = numbered_titles(scene.title, len(pieces) - 1)
        self._new = [
            dataclasses.replace(scene, id=new_scene_id(), title=title, text=text)
            for title, text in zip(titles, pieces[1:], strict=True)
        ]

    @property
    def new_scenes(self) -> list[Scene]:
        return list(self._new)

    def redo(self) -> None:
        row = self._model.row_of(self._scene_id)
        self._model.apply_edit(self._scene_id, "text", self._first)
        for offset, scene in enumerate(self._new, 1):
            self._model.apply_insert(row + offset, scene)
        self._model.focus_requested.emit(self._new[0].id)

    def undo(self) -> None:
        row = self._model.row_of(self._scene_id)
        for _ in self._new:
            self._model.apply_remove(row + 1)
        self._model.apply_edit(self._scene_id, "text", self._old_text)
        self._model.focus_requested.emit(self._scene_id)


class SceneSplitter(QObject):
    """The Split Scene Here and Split at Paragraphs actions for the editor's scene."""

    refused = Signal(str)  # why nothing was split, for the user

    def __init__(
        self, model: SceneModel, text_edit: QPlainTextEdit, scene_id: Callable[[], str]
    ) -> None:
        """``scene_id`` gives the id of the scene being edited ("" for none)."""
        super().__init__(text_edit)
        self._model, self._text_edit, self._scene_id = model, text_edit, scene_id
        self.leading_actions: list[QAction] = []  # the owner's, at the top of the context menu
        self.split_here_action = QAction("Split Scene &Here", self)
        self.split_here_action.setShortcuts(
            [QKeySequence("Ctrl+Shift+Return"), QKeySequence("Ctrl+Shift+Enter")]
        )
        self.split_here_action.setToolTip(
            "Move the text after the cursor into a new scene (Ctrl+Shift+Enter)"
        )
        self.split_paragraphs_action = QAction("Split at &Paragraphs", self)
        self.split_paragraphs_action.setToolTip("Make one scene of each paragraph")
        self.split_here_action.triggered.connect(self.split_here)
        self.split_paragraphs_action.triggered.connect(self.split_at_paragraphs)
        text_edit.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        text_edit.viewport().installEventFilter(self)  # context menu events go to the viewport

    def split_here(self) -> None:
        scene_id = self._current()
        if not scene_id:
            return
        text = self._model.scene_by_id(scene_id).text
        pieces = split_at(text, self._text_edit.textCursor().selectionStart())
        if len(pieces) < 2:
            self.refused.emit("Put the cursor where the new scene should begin, then split.")
            return
        self._model.undo_stack.push(SplitScene(self._model, scene_id, pieces, "Split Scene"))

    def split_at_paragraphs(self) -> None:
        scene_id = self._current()
        if not scene_id:
            return
        pieces = split_paragraphs(self._model.scene_by_id(scene_id).text)
        if len(pieces) < 2:
            self.refused.emit(
                "This scene is one paragraph: put the cursor where a new scene should begin "
                "and use Split Scene Here (Ctrl+Shift+Enter)."
            )
            return
        label = f"Split into {len(pieces)} Scenes"
        self._model.undo_stack.push(SplitScene(self._model, scene_id, pieces, label))

    def _current(self) -> str:
        return self._scene_id()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The text field's own context menu, with the owner's leading actions above it and
        the two split actions below."""
        if event.type() == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent):
            menu = self._text_edit.createStandardContextMenu(event.pos())
            if self.leading_actions:
                first = menu.actions()[0] if menu.actions() else None
                menu.insertActions(first, self.leading_actions)  # type: ignore[arg-type]
                menu.insertSeparator(first)  # type: ignore[arg-type]
            menu.addSeparator()
            menu.addActions([self.split_here_action, self.split_paragraphs_action])
            menu.exec(event.globalPos())
            menu.deleteLater()
            return True
        return False
