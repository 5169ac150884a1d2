"""The questions about a project's versions and its lock, asked in dialogs.

File ▸ Revert to…: choose one of the project's snapshots and go back to it, as one undoable step.
The state being replaced is also kept as a snapshot on disk (``studio.project.snapshots``), so a revert
survives a restart and can itself be reverted; the undo step makes it instant to take back.
A project open elsewhere is only taken over when the user says so. Edit ▸ Book Details…: the
title, author and narrator the files are tagged with.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.project.lock import ProjectLocked
from studio.project.model import Project
from studio.project.revert import read_snapshot
from studio.project.snapshots import Snapshot, keep_current, list_snapshots
from studio.ui.scene_model import SceneModel

if TYPE_CHECKING:
    from studio.ui.session import ProjectSession


def _summary(snapshot: Snapshot) -> str:
    """'Tue 25 Nov 2026, 10:31:05 — “Harbor”, 3 scenes' (or why it cannot be read)."""
    try:
        raw = json.loads(snapshot.path.read_text(encoding="utf-8"))
        scenes = len(raw["scenes"])
        title = str(raw.get("title", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return f"{snapshot.label} — unreadable"
    return f"{snapshot.label} — “{title}”, {scenes} scene{'' if scenes == 1 else 's'}"


class RevertDialog(QDialog):
    """Lists the snapshots, newest first; Revert takes the chosen one."""

    def __init__(self, snapshots: list[Snapshot], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Revert to an Earlier Version")
        self.setMinimumWidth(520)
        self._snapshots = snapshots
        intro = QLabel(
            "Earlier versions of this project, newest first. Reverting can be undone "
            "(Ctrl+Z), and the current version is kept as a snapshot too."
        )
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("snapshotList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for snapshot in snapshots:
            item = QListWidgetItem(_summary(snapshot))
            item.setToolTip(str(snapshot.path))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.revert_button = buttons.addButton("Revert", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.list.setFocus(Qt.FocusReason.OtherFocusReason)

    def chosen(self) -> Snapshot:
        return self._snapshots[max(0, self.list.currentRow())]


class RevertProject(QUndoCommand):
    """Replace the project's content (title, voices, scenes…) with a snapshot's, undoably."""

    def __init__(self, model: SceneModel, state: Project, label: str) -> None:
        super().__init__(label)
        self._model = model
        self._old = copy.deepcopy(model.project)
        self._new = copy.deepcopy(state)

    def redo(self) -> None:
        self._model.apply_state(copy.deepcopy(self._new))

    def undo(self) -> None:
        self._model.apply_state(copy.deepcopy(self._old))


def choose_and_revert(parent: QWidget, session: ProjectSession, note: Callable[..., None]) -> bool:
    """Let the user choose a snapshot of the (saved) project and revert to it as one undo step,
    after keeping the current version as a snapshot. True when it reverted: save then."""
    folder = session.project.folder
    found = list_snapshots(folder)
    if not found:
        note(
            "No earlier versions yet: one is kept each time a save replaces the project file "
            "(at most one a minute).",
            ms=10000,
        )
        return False
    dialog = RevertDialog(found, parent)
    if dialog.exec() != RevertDialog.DialogCode.Accepted:
        return False
    chosen = dialog.chosen()
    try:
        state = read_snapshot(folder, chosen)
        keep_current(folder, force=True)
    except StudioError as exc:
        QMessageBox.warning(parent, "Could Not Revert", exc.user_text())
        return False
    session.undo_stack.push(RevertProject(session.model, state, f"Revert to {chosen.label}"))
    return True


def ask_to_take_over(parent: QWidget, locked: ProjectLocked) -> bool:
    """The project is open elsewhere: the user chooses (nothing is overwritten silently)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Project Already Open")
    box.setText(locked.message)
    box.setInformativeText(
        "Two windows on one project would overwrite each other's changes. If you open it here, "
        "the other one stops saving it and says so; its unsaved changes can still be kept there "
        "with Save As."
    )
    anyway = box.addButton("Open Here Anyway", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is anyway


def ask_book_details(parent: QWidget, project: Project) -> tuple[str, str, str] | None:
    """Edit → Book Details…: the title, author and narrator the files are tagged with; None
    when cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("Book Details")
    dialog.setObjectName("bookDetails")
    fields = [QLineEdit(value) for value in (project.title, project.author, project.narrator)]
    for field, name in zip(fields, ("bookTitle", "bookAuthor", "bookNarrator"), strict=True):
        field.setObjectName(name)
    fields[1].setPlaceholderText("the files' artist")
    fields[2].setPlaceholderText("who reads it")
    form = QFormLayout(dialog)
    for label, field in zip(("Title", "Author", "Narrator"), fields, strict=True):
        form.addRow(label, field)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)
    dialog.setMinimumWidth(420)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    title, author, narrator = (field.text() for field in fields)
    return title, author, narrator
