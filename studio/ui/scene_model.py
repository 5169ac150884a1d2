"""The project's scenes as a Qt list model, where every user change goes through the undo stack.

Views (the scene list, the editor) read through the model; user actions call ``add``, ``edit``,
``move`` and friends, which push QUndoCommands; the commands change the project through the
``apply_*`` methods, which emit the model's signals. Drag and drop in the list calls ``moveRows``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QUndoStack

from studio.project.model import Project, Scene, new_scene_id
from studio.speech.voices import PROFILES, parse_voice
from studio.ui import commands

ModelIndex = QModelIndex | QPersistentModelIndex
SCENE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 2  # "af_heart · 104 chars"
DURATION_ROLE = Qt.ItemDataRole.UserRole + 3  # "≈0:07", shown apart so that it is never cut
_MIME = "application/x-narration-studio-scene"
#: A rough reading speed for duration estimates: characters per second at speed 1.0.
CHARS_PER_SECOND = 15.0


class SceneModel(QAbstractListModel):
    """The scenes of the current project, in order."""

    focus_requested = Signal(str)  # the scene an undoable change touched
    scene_edited = Signal(str, str)  # scene id, field name
    title_changed = Signal(str)  # the project's title

    def __init__(self, project: Project, undo_stack: QUndoStack) -> None:
        super().__init__()
        self.project = project
        self.undo_stack = undo_stack

    # --- reading ----------------------------------------------------------------------------

    def scene_by_id(self, scene_id: str) -> Scene:
        return self.project.scene(scene_id)

    def row_of(self, scene_id: str) -> int:
        for row, scene in enumerate(self.project.scenes):
            if scene.id == scene_id:
                return row
        return -1

    def scene_at(self, row: int) -> Scene | None:
        return self.project.scenes[row] if 0 <= row < len(self.project.scenes) else None

    def voice_of(self, scene: Scene) -> str:
        return scene.voice_or(self.project.default_voice)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.project.scenes)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        scene = self.scene_at(index.row()) if index.isValid() else None
        if scene is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return display_title(scene, index.row())
        if role == Qt.ItemDataRole.EditRole:
            return scene.title
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole title too: a long one is cut short
            return f"{display_title(scene, index.row())}\n\n{scene.text[:300] or 'Empty scene'}"
        if role == SUBTITLE_ROLE:
            return self._subtitle(scene)
        if role == DURATION_ROLE:
            seconds = len(scene.text.strip()) / CHARS_PER_SECOND / scene.speed
            return f"≈{int(seconds // 60)}:{int(seconds % 60):02d}"
        if role == SCENE_ID_ROLE:
            return scene.id
        return None

    def _subtitle(self, scene: Scene) -> str:
        voice = self.voice_of(scene)
        name = voice if voice in PROFILES or "," in voice else voice.split(":")[0]
        return f"{name} · {len(scene.text.strip()):,} chars"

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        if not index.isValid():
            return base | Qt.ItemFlag.ItemIsDropEnabled
        return base | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled

    # --- user actions: each pushes one undoable command ---------------------------------------

    def add(self, after_row: int, text: str = "", title: str = "") -> str:
        row = min(max(after_row + 1, 0), self.rowCount())
        scene = Scene(text=text, title=title or f"Scene {self.rowCount() + 1}")
        self.undo_stack.push(commands.InsertScene(self, row, scene, "Add Scene"))
        return scene.id

    def duplicate(self, row: int) -> str | None:
        source = self.scene_at(row)
        if source is None:
            return None
        title = f"{source.title or 'Scene'} (copy)"
        copy = dataclasses.replace(source, id=new_scene_id(), title=title)
        self.undo_stack.push(commands.InsertScene(self, row + 1, copy, "Duplicate Scene"))
        return copy.id

    def delete(self, row: int) -> None:
        if self.scene_at(row) is not None:
            self.undo_stack.push(commands.RemoveScene(self, row))

    def move(self, source: int, target: int) -> bool:
        """Move the scene at ``source`` to row ``target`` (in the final order)."""
        count = self.rowCount()
        if source == target or not (0 <= source < count and 0 <= target < count):
            return False
        self.undo_stack.push(commands.MoveScene(self, source, target))
        return True

    def edit(self, scene_id: str, field: str, value: Any) -> None:
        """Change one field of a scene (text, title, voice, speed, pause_after) undoably."""
        if field == "voice" and value is not None:
            parse_voice(value)  # raises TTS_INVALID_VOICE before anything changes
        if getattr(self.scene_by_id(scene_id), field) != value:
            self.undo_stack.push(commands.EditScene(self, scene_id, field, value))

    def set_book_details(self, title: str, author: str, narrator: str) -> None:
        """Title (kept when left empty), author and narrator, as one undoable edit."""
        project = self.project
        details = (title.strip() or project.title, author.strip(), narrator.strip())
        if details != (project.title, project.author, project.narrator):
            self.undo_stack.push(commands.SetBookDetails(self, details))

    # --- what the commands call -------------------------------------------------------------

    def apply_insert(self, row: int, scene: Scene) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self.project.scenes.insert(row, scene)
        self.endInsertRows()
        self._renumber_from(row)

    def apply_remove(self, row: int) -> Scene:
        self.beginRemoveRows(QModelIndex(), row, row)
        scene = self.project.scenes.pop(row)
        self.endRemoveRows()
        self._renumber_from(row)
        return scene

    def apply_move(self, source: int, target: int) -> None:
        destination = target + 1 if target > source else target
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), destination)
        self.project.scenes.insert(target, self.project.scenes.pop(source))
        self.endMoveRows()
        self._renumber_from(min(source, target))
        self.focus_requested.emit(self.project.scenes[target].id)

    def apply_edit(self, scene_id: str, field: str, value: Any) -> None:
        setattr(self.scene_by_id(scene_id), field, value)
        index = self.index(self.row_of(scene_id))
        self.dataChanged.emit(index, index)
        self.scene_edited.emit(scene_id, field)

    def apply_book_details(self, details: tuple[str, str, str]) -> None:
        self.project.title, self.project.author, self.project.narrator = details
        self.title_changed.emit(self.project.title)

    def apply_state(self, state: Project) -> None:
        """Take every field of ``state`` but its folder (File ▸ Revert to…)."""
        self.beginResetModel()
        for name in (f.name for f in dataclasses.fields(Project) if f.name != "folder"):
            setattr(self.project, name, getattr(state, name))
        self.endResetModel()
        self.title_changed.emit(self.project.title)
        self.focus_row(0)

    def focus_row(self, row: int) -> None:
        scene = self.scene_at(row) or self.scene_at(0)
        self.focus_requested.emit(scene.id if scene else "")

    def _renumber_from(self, row: int) -> None:
        if row < self.rowCount():
            self.dataChanged.emit(self.index(row), self.index(self.rowCount() - 1))

    # --- Qt item model editing and drag and drop --------------------------------------------

    def setData(self, index: ModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        scene = self.scene_at(index.row()) if index.isValid() else None
        if scene is None or role != Qt.ItemDataRole.EditRole:
            return False
        self.edit(scene.id, "title", str(value).strip())
        return True

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        mime = QMimeData()
        rows = ",".join(str(i.row()) for i in indexes if i.isValid())
        mime.setData(_MIME, QByteArray(rows.encode()))
        return mime

    def moveRows(
        self,
        source_parent: ModelIndex,
        source_row: int,
        count: int,
        destination_parent: ModelIndex,
        destination_child: int,
    ) -> bool:
        """What QListView calls when a scene is dragged within the list (one at a time)."""
        if count != 1 or source_parent.isValid() or destination_parent.isValid():
            return False
        target = destination_child if destination_child <= source_row else destination_child - 1
        return self.move(source_row, min(target, self.rowCount() - 1))

    def set_project(self, project: Project) -> None:
        """Show another project; its undo history starts empty."""
        self.beginResetModel()
        self.project = project
        self.undo_stack.clear()
        self.endResetModel()
        self.title_changed.emit(project.title)


def display_title(scene: Scene, row: int) -> str:
    if scene.title.strip():
        return scene.title
    words = " ".join(scene.text.split()[:6])
    return words or f"Scene {row + 1}"
