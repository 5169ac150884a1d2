"""Undoable edits of a project's scenes, for the window's QUndoStack.

Each command changes the SceneModel only through its ``apply_*`` methods, so views update by the
model's own signals, and asks the model to focus the scene it touched, so an undo shows the user
what changed. Typing in one scene merges into one step until the user pauses.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from studio.project.model import Scene

if TYPE_CHECKING:
    from studio.ui.scene_model import SceneModel

#: Edits of one field of one scene less than this many seconds apart undo as one step.
MERGE_WINDOW = 1.5
_EDIT_ID = 1

FIELD_NAMES = {
    "text": "Typing",
    "title": "Rename Scene",
    "voice": "Change Voice",
    "speed": "Change Speed",
    "pause_after": "Change Pause",
}


class InsertScene(QUndoCommand):
    def __init__(self, model: SceneModel, row: int, scene: Scene, label: str) -> None:
        super().__init__(label)
        self._model, self._row, self._scene = model, row, scene

    def redo(self) -> None:
        self._model.apply_insert(self._row, self._scene)
        self._model.focus_requested.emit(self._scene.id)

    def undo(self) -> None:
        self._model.apply_remove(self._row)
        self._model.focus_row(self._row - 1)


class RemoveScene(QUndoCommand):
    def __init__(self, model: SceneModel, row: int) -> None:
        super().__init__("Delete Scene")
        self._model, self._row = model, row
        self._scene: Scene | None = None

    def redo(self) -> None:
        self._scene = self._model.apply_remove(self._row)
        self._model.focus_row(min(self._row, self._model.rowCount() - 1))

    def undo(self) -> None:
        assert self._scene is not None  # redo() always runs first
        self._model.apply_insert(self._row, self._scene)
        self._model.focus_requested.emit(self._scene.id)


class MoveScene(QUndoCommand):
    """Move the scene at ``source`` so that it ends up at row ``target``."""

    def __init__(self, model: SceneModel, source: int, target: int) -> None:
        super().__init__("Move Scene")
        self._model, self._source, self._target = model, source, target

    def redo(self) -> None:
        self._model.apply_move(self._source, self._target)

    def undo(self) -> None:
        self._model.apply_move(self._target, self._source)


class EditScene(QUndoCommand):
    """Set one field of one scene; quick successive edits of the same field merge."""

    def __init__(self, model: SceneModel, scene_id: str, field: str, value: Any) -> None:
        super().__init__(FIELD_NAMES[field])
        self._model, self.scene_id, self.field = model, scene_id, field
        self._old = getattr(model.scene_by_id(scene_id), field)
        self._new = value
        self._last_edit = time.monotonic()

    def id(self) -> int:
        return _EDIT_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (
            isinstance(other, EditScene)
            and other.scene_id == self.scene_id
            and other.field == self.field
            and other._last_edit - self._last_edit < MERGE_WINDOW
        ):
            return False
        self._new, self._last_edit = other._new, other._last_edit
        self.setObsolete(self._new == self._old)
        return True

    def redo(self) -> None:
        self._model.apply_edit(self.scene_id, self.field, self._new)

    def undo(self) -> None:
        self._model.apply_edit(self.scene_id, self.field, self._old)
        self._model.focus_requested.emit(self.scene_id)


class SetBookDetails(QUndoCommand):
    """The project's title, author and narrator (the files' tags), changed together."""

    def __init__(self, model: SceneModel, details: tuple[str, str, str]) -> None:
        super().__init__("Book Details")
        project = model.project
        self._model, self._new = model, details
        self._old = (project.title, project.author, project.narrator)

    def redo(self) -> None:
        self._model.apply_book_details(self._new)

    def undo(self) -> None:
        self._model.apply_book_details(self._old)
