"""The open project: where it lives, its undo history, saving (by hand and automatic) and recents.

No dialogs here: the window asks the questions and shows errors; this only does the work and
raises StudioError with a message the user can act on.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack

from studio.errors import StudioError
from studio.project import PROJECT_FILE, Project, Scene, copy_project
from studio.settings import Settings
from studio.ui.scene_model import SceneModel

log = logging.getLogger(__name__)

PROJECTS_FOLDER = "Narration Studio"
UNTITLED = "Untitled"


class ProjectSession(QObject):
    """Holds the current project and keeps it saved: a debounced autosave after each change."""

    project_replaced = Signal()  # another project is now open
    dirty_changed = Signal(bool)
    saved = Signal(bool)  # True for an autosave
    autosave_failed = Signal(str)

    def __init__(
        self,
        settings: Settings,
        settings_path: Path,
        documents_dir: Path,
        autosave_ms: int = 2000,
    ) -> None:
        super().__init__()
        self.settings = settings
        self._settings_path = settings_path
        self._documents_dir = documents_dir
        self.undo_stack = QUndoStack(self)
        self.model = SceneModel(self._untitled(), self.undo_stack)
        self._autosave = QTimer(self, singleShot=True, interval=autosave_ms)
        self._autosave.timeout.connect(self._autosave_now)
        self.undo_stack.indexChanged.connect(self._schedule_autosave)
        self.undo_stack.cleanChanged.connect(lambda clean: self.dirty_changed.emit(not clean))

    @property
    def project(self) -> Project:
        return self.model.project

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def on_disk(self) -> bool:
        return self.project.file.exists()

    def recent_projects(self) -> list[Path]:
        return [
            Path(p) for p in self.settings.recent_projects if (Path(p) / PROJECT_FILE).is_file()
        ]

    def open_last(self) -> StudioError | None:
        """Open the most recent project; on failure keep the new Untitled one and say why."""
        if not self.settings.recent_projects:
            return None
        try:
            self.open(Path(self.settings.recent_projects[0]))
        except StudioError as exc:
            return exc
        return None

    def new_project(self) -> None:
        """A new Untitled project in the documents folder, written on the first save."""
        self._replace(self._untitled())

    def open(self, folder: Path) -> None:
        self._replace(Project.load(folder))
        self._remember()

    def save(self, autosave: bool = False) -> None:
        self._autosave.stop()
        self.project.save()
        self.undo_stack.setClean()
        self._remember()
        self.saved.emit(autosave)

    def save_as(self, folder: Path) -> None:
        """Copy the project (and its audio) into ``folder`` and carry on editing the copy."""
        self._autosave.stop()
        copy = copy_project(self.project, folder)
        self.model.project = copy
        self.model.title_changed.emit(copy.title)
        self.undo_stack.setClean()
        self._remember()
        self.saved.emit(False)

    def _replace(self, project: Project) -> None:
        self._autosave.stop()
        self.model.set_project(project)
        self.project_replaced.emit()

    def _remember(self) -> None:
        self.settings.remember_project(self.project.folder)
        try:
            self.settings.save(self._settings_path)
        except StudioError as exc:  # the project itself is saved; only the recent list is not
            log.warning("Could not save settings: %s", exc.user_text())

    def _untitled(self) -> Project:
        root = self._documents_dir / PROJECTS_FOLDER
        number = 1
        while True:
            name = UNTITLED if number == 1 else f"{UNTITLED} {number}"
            folder = root / name
            if not folder.exists() or not any(folder.iterdir()):
                return Project(folder, name, scenes=[Scene(text="", title="Scene 1")])
            number += 1

    @Slot()
    def _schedule_autosave(self) -> None:
        if self.dirty:
            self._autosave.start()

    @Slot()
    def _autosave_now(self) -> None:
        if not self.dirty:
            return
        try:
            self.save(autosave=True)
        except StudioError as exc:
            self.autosave_failed.emit(exc.user_text())
