"""The window's File menu at work: new, open (taking over a project open elsewhere), recent
projects, save, save as, revert, book details and export, each with its question or warning."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox

from studio.errors import StudioError
from studio.project.export_settings import ExportSettings
from studio.project.lock import ProjectLocked
from studio.project.model import PROJECT_FILE
from studio.ui.banner import MessageBanner
from studio.ui.direction_model import DirectionModel
from studio.ui.export_dialog import ExportDialog
from studio.ui.project_dialogs import ask_book_details, ask_to_take_over, choose_and_revert
from studio.ui.scene_list import SceneList
from studio.ui.session import ProjectSession
from studio.ui.status import StatusPanel
from studio.ui.worker import EngineWorker


class ProjectFileActions(QMainWindow):
    """The main window's project-file commands (studio.ui.main_window.MainWindow inherits them);
    the window makes the attributes below."""

    session: ProjectSession
    status: StatusPanel
    worker: EngineWorker
    scene_list: SceneList
    scene_banner: MessageBanner
    recent_menu: QMenu
    direction: DirectionModel
    export_dialog: ExportDialog | None

    def new_project(self) -> None:
        if self._may_discard_changes():
            self.session.new_project()

    def choose_project(self) -> None:
        if not self._may_discard_changes():
            return
        start = str(self.session.project.folder.parent)
        path, _ = QFileDialog.getOpenFileName(
            self, "Open Project", start, f"Narration Studio project ({PROJECT_FILE})"
        )
        if path:
            self.open_project(Path(path).parent)

    def open_project(self, folder: Path) -> bool:
        try:
            try:
                self.session.open(folder)
            except ProjectLocked as exc:
                if not ask_to_take_over(self, exc):
                    return False
                self.session.open(folder, take_over=True)
        except StudioError as exc:
            QMessageBox.warning(self, "Could Not Open Project", exc.user_text())
            return False
        return True

    def revert_to(self) -> None:
        """File ▸ Revert to…: save, then choose a snapshot; one undo step takes it back."""
        if self.save() and choose_and_revert(self, self.session, self.status.note):
            self.save()

    def _autosave_failed(self, text: str) -> None:
        self.scene_banner.show_error(f"Autosave failed: {text}")
        self.status.note(f"Autosave failed: {text}", "error", 15000)

    def save(self) -> bool:
        try:
            self.session.save()
        except StudioError as exc:
            QMessageBox.warning(self, "Could Not Save", exc.user_text())
            return False
        return True

    def save_as(self) -> bool:
        start = str(self.session.project.folder)
        path, _ = QFileDialog.getSaveFileName(self, "Save Project As (a new folder)", start)
        if not path:
            return False
        try:
            self.session.save_as(Path(path))
        except StudioError as exc:
            QMessageBox.warning(self, "Could Not Save", exc.user_text())
            return False
        return True

    def edit_book_details(self) -> None:
        details = ask_book_details(self, self.session.project)
        if details is not None:
            self.session.model.set_book_details(*details)

    def export(self, selected_only: bool) -> None:
        """Save, then render a snapshot of the project on the engine thread."""
        ids = self.scene_list.selected_scene_ids() if selected_only else None
        if selected_only and not ids:
            self.status.note("Select the scenes to export first.", "error")
            return
        if not self.session.project.scenes:
            self.status.note("There are no scenes to export.", "error")
            return
        running = self.export_dialog
        if running is not None and running.isVisible() and not running.outcome:
            running.raise_()
            running.activateWindow()
            self.status.note("An export is running; its progress is in the Export window.")
            return
        if not self.save():
            return
        project = self.session.project
        snapshot = dataclasses.replace(
            project,
            scenes=[dataclasses.replace(scene) for scene in project.scenes],
            lexicon=dataclasses.replace(project.lexicon, entries=list(project.lexicon.entries)),
            cast=dataclasses.replace(project.cast, members=dict(project.cast.members)),
        )
        self.export_dialog = ExportDialog(self.worker, snapshot, ids, self, self.direction.personal)
        self.export_dialog.settings_chosen.connect(self._remember_export_settings)
        self.export_dialog.start()

    def _remember_export_settings(self, settings: ExportSettings) -> None:
        """The export dialog's choices become the project's, saved at once (like the export)."""
        project = self.session.project
        if settings != project.export or settings.extra != project.export.extra:
            project.export = settings
            self.save()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for folder in self.session.recent_projects():
            action = self.recent_menu.addAction(str(folder))
            action.triggered.connect(
                lambda _=False, f=folder: self._may_discard_changes() and self.open_project(f)
            )
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def _may_discard_changes(self) -> bool:
        """Ask about unsaved changes; True when it is fine to go on."""
        if not self.session.dirty:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            "Unsaved Changes",
            f"Save the changes to “{self.session.project.title}” first?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return self.save()
        return answer == buttons.Discard
