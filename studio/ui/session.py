"""The open project: where it lives, its undo history, saving (by hand and automatic), recents,
and the lock that keeps a second window or a command-line render from writing it at once.

No dialogs here: the window asks the questions and shows errors; this only does the work and
raises StudioError with a message the user can act on.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack

from studio.errors import ErrorCode, StudioError, io_error
from studio.project.export_settings import ExportSettings
from studio.project.lock import STUDIO, ProjectLock, read_owner
from studio.project.model import PROJECT_FILE, Project, Scene, copy_project
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
        self.lock: ProjectLock | None = None  # None until the project is opened or first saved
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

    def open(self, folder: Path, take_over: bool = False) -> None:
        """Open the project in ``folder``; ProjectLocked when another window or command has it
        (``take_over``: open it anyway, and that one stops saving it)."""
        folder = Path(folder)
        lock = ProjectLock.acquire(folder, STUDIO, take_over) if folder.is_dir() else None
        try:
            project = Project.load(folder)
        except StudioError:
            if lock is not None:
                lock.release()
            raise
        self._replace(project, lock)
        self._remember()

    def close(self) -> None:
        """The window closes: let other windows and commands have the project."""
        self._autosave.stop()
        self._set_lock(None)

    def save(self, autosave: bool = False) -> None:
        self._autosave.stop()
        self._hold_lock()
        self.project.save()
        self.undo_stack.setClean()
        self._remember()
        self.saved.emit(autosave)

    def save_as(self, folder: Path) -> None:
        """Copy the project (and its audio) into ``folder`` and carry on editing the copy."""
        self._autosave.stop()
        lock = self._lock_folder(Path(folder))
        try:
            copy = copy_project(self.project, folder)
        except StudioError:
            lock.release()
            raise
        self._set_lock(lock)
        self.model.project = copy
        self.model.title_changed.emit(copy.title)
        self.undo_stack.setClean()
        self._remember()
        self.saved.emit(False)

    def _replace(self, project: Project, lock: ProjectLock | None = None) -> None:
        self._autosave.stop()
        self._set_lock(lock)
        self.model.set_project(project)
        self.project_replaced.emit()

    def _set_lock(self, lock: ProjectLock | None) -> None:
        if self.lock is not None and self.lock is not lock:
            self.lock.release()
        self.lock = lock

    def _hold_lock(self) -> None:
        """Before writing: lock a new project's folder, and never write a project that another
        window took over."""
        if self.lock is None:
            self.lock = self._lock_folder(self.project.folder)
        elif not self.lock.still_held():
            owner = read_owner(self.project.folder)
            where = owner.describe() if owner else "another window"
            raise StudioError(
                ErrorCode.PROJECT_LOCKED,
                f"“{self.project.title}” was opened in {where}, so this window no longer saves "
                "it (that would overwrite the other's work).",
                "Keep your changes from here with File ▸ Save As… (a new folder), or close "
                "this window.",
            )

    @staticmethod
    def _lock_folder(folder: Path) -> ProjectLock:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise io_error("create", folder, exc) from exc
        return ProjectLock.acquire(folder, STUDIO)

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
                return Project(
                    folder,
                    name,
                    scenes=[Scene(text="", title="Scene 1")],
                    export=ExportSettings.for_new_project(),
                )
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
