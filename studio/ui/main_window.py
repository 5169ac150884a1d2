"""The studio's main window: scenes on the left, the scene's text in the middle, voices on the
right, Play and Export in the toolbar, and the engine's state in the status bar."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QSplitter,
    QToolBar,
)

from studio.errors import StudioError
from studio.fsutil import remove_own_temps
from studio.settings import Settings
from studio.ui.banner import MessageBanner, with_banner
from studio.ui.config import StudioConfig
from studio.ui.direction_desk import DirectionDesk
from studio.ui.export_dialog import ExportDialog
from studio.ui.listen import Listener
from studio.ui.listening_actions import ListeningActions
from studio.ui.model_loader import ModelLoader
from studio.ui.playback import Player
from studio.ui.project_files import ProjectFileActions
from studio.ui.scene_editor import SceneEditor
from studio.ui.scene_list import SceneList
from studio.ui.session import ProjectSession
from studio.ui.split import SceneSplitter
from studio.ui.status import StatusPanel
from studio.ui.transport import Transport
from studio.ui.voice_picker import VoicePicker
from studio.ui.worker import EngineThread, EngineWorker

log = logging.getLogger(__name__)

MIN_HEIGHT = 560


class MainWindow(ProjectFileActions, ListeningActions):
    """The studio. Owns the engine thread, the player and the open project."""

    def __init__(self, config: StudioConfig) -> None:
        super().__init__()
        self.config = config
        self.settings = Settings.load(config.settings_path)
        self.session = ProjectSession(
            self.settings, config.settings_path, config.documents_dir, config.autosave_ms
        )
        self.worker = EngineWorker(config.engine_factory)
        self._engine_thread = EngineThread(self.worker)
        self.player = Player(self)
        self.listener = Listener(self.worker, self.player)
        self.export_dialog: ExportDialog | None = None
        self._quitting_without_questions = False  # set by save_and_quit
        self.shown_at: float | None = None
        self.engine_stopped = True  # False when quitting left the engine thread busy
        self._created_at = time.perf_counter()

        self.scene_list = SceneList(self.session.model)
        self.editor = SceneEditor(self.session.model)
        self.voices = VoicePicker()
        self.status = StatusPanel()
        self.splitter = SceneSplitter(self.session.model, self.editor.text, self._editor_scene_id)
        self.editor.set_split_action(self.splitter.split_paragraphs_action)
        self.scene_banner = MessageBanner("sceneBanner")  # why a scene could not be heard
        self.voice_banner = MessageBanner("voiceBanner")  # why a voice sample could not be heard
        self._make_direction()
        self._make_actions()
        self.loader = ModelLoader(
            self.worker, self.status, self.model_action, self.settings, config.settings_path
        )
        self.loader.load(  # runs once the thread starts
            config.model_dir or self.settings.model_dir, self.loader.server_of(config.server)
        )
        self.transport = Transport(self.listener, self.play_action)
        self._lay_out()
        self._connect()
        # The smallest size at which every text fits comes from the layout itself.
        least = self.minimumSizeHint().expandedTo(QSize(0, MIN_HEIGHT))
        self.setMinimumSize(least)
        room = self.screen().availableGeometry()
        self.resize(
            QSize(min(1280, room.width() * 9 // 10), min(800, room.height() * 9 // 10)).expandedTo(
                least
            )
        )

        problem = self.session.open_last()
        self._project_replaced()
        if self.direction.personal_error is not None:
            self.status.note(self.direction.personal_error.user_text(), "error", 15000)
        if problem is not None:
            text = f"Could not open the last project, so this is a new one: {problem.user_text()}"
            self.scene_banner.show_error(text)
            self.status.note(text, "error", 15000)

    # --- construction -----------------------------------------------------------------------

    def _action(self, text: str, slot: object, shortcut: object = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))  # type: ignore[call-overload]
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _make_actions(self) -> None:
        keys = QKeySequence.StandardKey
        self.new_action = self._action("&New Project", self.new_project, keys.New)
        self.open_action = self._action("&Open Project…", self.choose_project, keys.Open)
        self.save_action = self._action("&Save", self.save, keys.Save)
        self.save_as_action = self._action("Save &As…", self.save_as, keys.SaveAs)
        self.export_all_action = self._action(
            "&Export All Scenes…", lambda: self.export(False), "Ctrl+E", "Export every scene to MP3"
        )
        self.export_selected_action = self._action(
            "Export &Selected Scenes…", lambda: self.export(True), "Ctrl+Shift+E"
        )
        self.revert_action = self._action(
            "Re&vert to…", self.revert_to, tip="Go back to an earlier version of the project"
        )
        self.model_action = self._action("Choose &Model Folder…", self.choose_model_folder)
        self.quit_action = self._action("&Quit", self.close, "Ctrl+Q")
        # Ctrl+Q works from every window of the app, the export dialog included.
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.undo_action = self.session.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(keys.Undo)
        self.redo_action = self.session.undo_stack.createRedoAction(self, "&Redo")
        redo_keys = QKeySequence.keyBindings(keys.Redo)
        redo_keys += [
            k for k in map(QKeySequence, ("Ctrl+Shift+Z", "Ctrl+Y")) if k not in redo_keys
        ]
        self.redo_action.setShortcuts(redo_keys)
        self.book_details_action = self._action(
            "&Book Details…", self.edit_book_details, tip="Title, author and narrator of the files"
        )
        self.play_action = self._action(
            "▶  Play Scene", self.toggle_play, Qt.Key.Key_Space, "Play or stop the scene (Space)"
        )
        self.preview_action = self._action(
            "&Preview Scene", self.preview_scene, "Ctrl+Return", "Hear the scene now (Ctrl+Enter)"
        )
        self.preview_action.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.stop_action = self._action("S&top", self.listener.stop, "Esc")
        self.fix_action = self._action(
            "Fix &Pronunciation…",
            self.desk.fix_pronunciation,
            "Ctrl+Shift+P",
            "Say the selected word your way, in every scene (Ctrl+Shift+P)",
        )

    def _lay_out(self) -> None:
        self.setStatusBar(self.status)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addActions([self.new_action, self.open_action])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addActions([self.save_action, self.save_as_action, self.revert_action])
        file_menu.addSeparator()
        file_menu.addActions([self.export_all_action, self.export_selected_action])
        file_menu.addSeparator()
        file_menu.addActions([self.model_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        scenes = self.scene_list
        edit_menu.addActions(
            [scenes.add_action, scenes.duplicate_action, scenes.delete_action, scenes.rename_action]
        )
        edit_menu.addActions([scenes.move_up_action, scenes.move_down_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.fix_action)
        split = self.splitter
        edit_menu.addActions([split.split_here_action, split.split_paragraphs_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.book_details_action)
        play_menu = self.menuBar().addMenu("&Playback")
        play_menu.addActions([self.play_action, self.preview_action, self.stop_action])
        # Shortcuts of actions that are only in menus work because menus belong to the window.
        self.addActions([self.play_action, self.preview_action, self.stop_action])
        self.addActions([scenes.add_action, scenes.duplicate_action, scenes.rename_action])
        self.addActions([scenes.move_up_action, scenes.move_down_action])
        self.addActions([split.split_here_action, split.split_paragraphs_action])

        self.toolbar = toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addActions([self.new_action, self.open_action, self.save_action])
        toolbar.addSeparator()
        toolbar.addWidget(self.transport)
        toolbar.addSeparator()
        toolbar.addAction(self.export_all_action)
        self.addToolBar(toolbar)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.scene_list)
        splitter.addWidget(with_banner(self.editor, self.scene_banner, above=True))
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([290, 640])
        splitter.setContentsMargins(8, 4, 4, 4)
        self.setCentralWidget(splitter)
        dock = QDockWidget("Voices", self)
        dock.setObjectName("voicesDock")
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        dock.setWidget(with_banner(self.voices, self.voice_banner, above=False))
        dock.setMinimumWidth(360)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.resizeDocks([dock], [440], Qt.Orientation.Horizontal)
        for title, name, panel in (
            ("Pronunciations", "lexiconDock", self.lexicon_panel),
            ("Cast", "castDock", self.cast_panel),
            ("Review", "reviewDock", self.review_panel),
        ):
            tab = QDockWidget(title, self)
            tab.setObjectName(name)
            tab.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
            tab.setWidget(panel)
            self.tabifyDockWidget(dock, tab)
        dock.raise_()
        self.addAction(self.fix_action)

    def _connect(self) -> None:
        session = self.session
        session.dirty_changed.connect(self.setWindowModified)
        session.project_replaced.connect(self._project_replaced)
        session.model.title_changed.connect(lambda _title: self._update_title())
        session.saved.connect(
            lambda auto: self.status.note("Autosaved" if auto else "Saved", ms=2500)
        )
        session.autosave_failed.connect(self._autosave_failed)
        self.scene_list.scene_selected.connect(self._scene_selected)
        self.splitter.refused.connect(self.scene_banner.show_error)
        self.editor.add_requested.connect(self.scene_list.add_action.trigger)
        # After the list has added and selected the scene (its own slot runs first):
        self.scene_list.add_action.triggered.connect(self.editor.focus_title)
        self.voices.preview_requested.connect(self.preview_voice)
        self.voices.stop_requested.connect(self.listener.stop)
        self.voices.use_requested.connect(self.use_voice)
        self.listener.state_changed.connect(self._listening_changed)
        self.listener.error.connect(self._listening_failed)
        self.listener.first_audio.connect(
            lambda s: log.info("First audio %.2f s after the request", s)
        )
        self.listener.preparing.connect(  # refreshed while it waits; gone soon after it plays
            lambda s: self.status.note(f"Preparing… {s:.1f} s", "busy", 300)
        )
        self.desk.connect(self.play_scene_from)
        self.splitter.leading_actions = [self.fix_action]  # first in the text's context menu

    def _make_direction(self) -> None:
        """The direction panels, highlighting and follow-along (studio.ui.direction_desk)."""
        self.desk = DirectionDesk(
            self.config,
            self.session,
            self.editor,
            self.listener,
            self.worker,
            self.status,
            self,
        )
        self.direction = self.desk.model
        self.lexicon_panel = self.desk.lexicon_panel
        self.cast_panel = self.desk.cast_panel
        self.review_panel = self.desk.review_panel
        self.highlighter = self.desk.highlighter
        self.follow = self.desk.follow

    # --- engine -----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.shown_at is None:
            self.shown_at = time.perf_counter()
            QTimer.singleShot(0, self._first_shown)  # after the first paint: the window is up

    def _first_shown(self) -> None:
        log.info(
            "Window visible %.2f s after it was created; the model now loads in the background",
            time.perf_counter() - self._created_at,
        )
        self.start_engine()

    def start_engine(self) -> None:
        """Start the engine thread, which then loads the model (once the window is shown)."""
        self._engine_thread.start()

    def choose_model_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose the Kokoro Model Folder", self.loader.model_dir or str(Path.home())
        )
        if folder:
            self.loader.use_folder(folder)

    def _project_replaced(self) -> None:
        self._update_title()
        self.setWindowModified(False)
        self.scene_list.select_row(0)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.session.project.title}[*] — Narration Studio")

    def _editor_scene_id(self) -> str:
        return self.editor.scene_id

    def _scene_selected(self, scene_id: str) -> None:
        self.editor.show_scene(scene_id)
        if scene_id:
            scene = self.session.model.scene_by_id(scene_id)
            voice = scene.voice or self.session.project.default_voice
            self.voices.select_spec(voice)

    def save_and_quit(self) -> None:
        """Quit without questions (the terminal's Ctrl+C, a logout): save changes if possible.
        A question already on screen (such as "Save the changes first?") is dismissed, or the
        process would wait for an answer that no one is there to give."""
        if self.session.dirty:
            try:
                self.session.save()
            except StudioError as exc:
                log.error("Quitting without saving: %s", exc.user_text())
            self.session.undo_stack.setClean()
        self._quitting_without_questions = True
        if (question := QApplication.activeModalWidget()) is not None:
            question.close()  # the close it interrupted goes on, and sees the flag
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Quit at once: an export is cancelled (finished scenes are kept), and a model load or
        a sentence under way is left to the engine thread rather than waited for."""
        if not self._may_discard_changes() and not self._quitting_without_questions:
            event.ignore()
            return
        if self.export_dialog is not None:
            self.export_dialog.cancel_and_close()
        self.listener.stop()
        self.review_panel.stop()
        self.engine_stopped = self._engine_thread.stop()
        self.session.close()
        event.accept()

    def engine_running(self) -> bool:
        return self._engine_thread.running()

    def discard_partial_work(self) -> None:
        """Before the process ends with the engine still busy: remove what it was writing (a
        model download under way, an MP3 being encoded); finished files are kept."""
        self.loader.discard_partial_download()
        if self.export_dialog is not None:
            remove_own_temps(self.export_dialog.audio_dir)
