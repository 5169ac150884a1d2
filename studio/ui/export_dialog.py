"""Export: the export settings, then each scene's status while its file is rendered, with its
measured loudness and peak, Cancel, the ACX report when that preset is used, and Open Folder.

The render runs on the engine thread with the core's naming and render cache (unchanged scenes
are skipped); the dialog only follows the worker's events. The settings chosen are remembered in
the project (``settings_chosen``) when the export starts. The scenes are checked before any is
rendered, so the dialog says at once which will fail and why; the others are exported anyway, and
the failures are listed with their reasons at the end. The dialog does not block the window: the
user can go on editing and listening (a preview pauses the export between two sentences).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.audio.acx import report_text
from studio.direction.lexicon import Lexicon
from studio.errors import ErrorCode, StudioError
from studio.project.model import Project
from studio.render.events import (
    FileRemoved,
    SceneDone,
    SceneFailed,
    SceneProgress,
    ScenesChecked,
    SceneStarted,
)
from studio.render.extras import JoinedWritten, ReportWritten
from studio.ui.engine_jobs import Export
from studio.ui.export_settings_panel import ExportSettingsPanel
from studio.ui.scene_model import display_title
from studio.ui.worker import EngineWorker

_STATUS = {"rendered": "Rendered", "cached": "Unchanged", "renamed": "Renamed"}
#: The longest forms a status takes, so that its column never has to grow (or cut) mid-export.
_WIDEST_STATUSES = ("Unchanged · 999.9 s", "Rendering 100 %", "Not exported", "Will fail")
_SCENE_COLUMN_MIN = 200
_COLUMNS = ("#", "Scene", "Status", "Loudness", "Peak", "File")
_STATUS_COLUMN, _LOUDNESS_COLUMN, _PEAK_COLUMN, _FILE_COLUMN = 2, 3, 4, 5
_NBSP = "\u00a0"


class ExportDialog(QDialog):
    """Renders the given scenes of a project snapshot (all when ``scene_ids`` is None) once the
    user presses Export."""

    settings_chosen = Signal(object)  # the ExportSettings to remember in the project

    def __init__(
        self,
        worker: EngineWorker,
        project: Project,
        scene_ids: list[str] | None,
        parent: QWidget | None = None,
        personal: Lexicon | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export — {project.title}")
        self._worker = worker
        self._project = project
        self._scene_ids = scene_ids
        self._personal = personal  # the personal lexicon, under the project's
        chosen = [project.scene(s) for s in scene_ids] if scene_ids else project.scenes
        self._rows = {scene.id: row for row, scene in enumerate(chosen)}
        self._finished_rows: set[int] = set()
        self._current_row = -1
        self.job: int | None = None
        self.exported: list[SceneDone] = []
        self.failures: list[SceneFailed] = []
        self.joined: JoinedWritten | None = None
        self._preset = project.export.preset
        self.outcome = ""  # "finished", "partly" (some scenes failed), "failed" or "cancelled"

        self.headline = QLabel(f"Export {len(chosen)} scene(s) to {project.audio_dir}")
        self.headline.setWordWrap(True)
        self.settings_panel = ExportSettingsPanel(project.export, can_join=scene_ids is None)
        self.table = QTableWidget(len(chosen), len(_COLUMNS))
        self.table.setObjectName("exportTable")
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        extension = f".{project.export.format}"
        for scene in chosen:
            row = self._rows[scene.id]
            number = project.scenes.index(scene)
            # the file name is known before rendering: shown at once
            file = Path(project.audio_name(scene)).with_suffix(extension).name
            cells = (str(number + 1), display_title(scene, number), "Waiting", "", "", file)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.overall = QProgressBar()
        self.overall.setRange(0, max(1, len(chosen)) * 100)
        self.overall.setValue(0)
        self.message = QLabel("Choose the settings, then Export.")
        self.message.setObjectName("exportMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report = QPlainTextEdit()
        self.report.setObjectName("acxReport")
        self.report.setReadOnly(True)
        self.report.hide()
        self.buttons = QDialogButtonBox()
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.clicked.connect(self._export)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = QPushButton("Open Folder")
        self.open_button.setEnabled(False)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.open_button.clicked.connect(self.open_folder)

        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.settings_panel)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.overall)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._fit_columns()

        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)

    def _fit_columns(self) -> None:
        """Every file name and status in full: those columns fit their widest text (a status is
        given room for its longest form before it appears); scene titles wrap in what is left,
        and the dialog is made wide enough for that."""
        table, header = self.table, self.table.horizontalHeader()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        fitted = (0, _LOUDNESS_COLUMN, _PEAK_COLUMN, _FILE_COLUMN)
        for column in fitted:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_STATUS_COLUMN, QHeaderView.ResizeMode.Fixed)
        metrics = table.fontMetrics()
        margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
        status = max(metrics.horizontalAdvance(text) for text in _WIDEST_STATUSES) + margin + 8
        table.setColumnWidth(_STATUS_COLUMN, status)
        table.resizeColumnsToContents()
        table.setColumnWidth(_STATUS_COLUMN, status)
        columns = sum(table.columnWidth(c) for c in (*fitted, _STATUS_COLUMN)) + _SCENE_COLUMN_MIN
        scrollbar = table.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        layout = self.layout()
        sides = layout.contentsMargins().left() + layout.contentsMargins().right() if layout else 0
        around = 2 * table.frameWidth() + scrollbar + sides
        self.setMinimumSize(max(columns + around, 680), 420)
        self.resize(max(columns + around, 820), 520)

    def start(self) -> None:
        """Show the dialog (not modal: the window stays usable while the scenes render); the
        export itself starts with the Export button."""
        self.show()
        self.export_button.setFocus()

    @property
    def audio_dir(self) -> Path:
        return self._project.audio_dir

    def _export(self) -> None:
        try:
            settings = self.settings_panel.settings()
        except StudioError as exc:
            self._say(exc.user_text(), error=True)
            return
        self._preset = settings.preset
        self.settings_chosen.emit(self.settings_panel.remembered())
        self.settings_panel.setEnabled(False)
        self.export_button.setEnabled(False)
        extension = f".{settings.format}"
        for row in self._rows.values():
            item = self.table.item(row, _FILE_COLUMN)
            if item is not None:
                item.setText(Path(item.text()).with_suffix(extension).name)
        self._say("Waiting for the speech engine…")
        self.job = self._worker.submit(
            Export(self._project, self._scene_ids, self._personal, settings)
        )

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._project.audio_dir)))

    def cancel_and_close(self) -> None:
        """The app is quitting: cancel a running export and close now (finished files stay)."""
        if not self.outcome and self.job is not None:
            self._worker.cancel(self.job)
        super().reject()

    def reject(self) -> None:
        """Escape or the window's close button: cancel first when still running."""
        if not self.outcome and self.job is not None:
            self._cancel_or_close()
        else:
            super().reject()

    def _cancel_or_close(self) -> None:
        if self.outcome or self.job is None:  # over, or never started
            self.done(
                QDialog.DialogCode.Rejected if self.job is None else QDialog.DialogCode.Accepted
            )
            return
        self._say("Cancelling after the current sentence…")
        self.cancel_button.setEnabled(False)
        self._worker.cancel(self.job)

    def _set(
        self, row: int, status: str, file: str | None = None, reason: StudioError | None = None
    ) -> None:
        cells = [(_STATUS_COLUMN, status)] + ([(_FILE_COLUMN, file)] if file is not None else [])
        self._set_cells(row, cells)
        status_item = self.table.item(row, _STATUS_COLUMN)
        if status_item is not None:
            status_item.setToolTip(reason.user_text() if reason else "")

    def _set_cells(self, row: int, cells: list[tuple[int, str]]) -> None:
        for column, text in cells:
            item = self.table.item(row, column)
            if item is not None:
                item.setText(text)

    @Slot(int, object)
    def _on_progress(self, job: int, event: object) -> None:
        if job != self.job:
            return
        if isinstance(event, SceneStarted):
            row = self._current_row = self._rows[event.scene.id]
            self._set(row, "Rendering…")
            self._say(f"Scene {event.position} of {event.total}…")
        elif isinstance(event, SceneProgress):
            row = self._rows[event.scene.id]
            share = event.done_chars / max(1, event.total_chars)
            self._set(row, f"Rendering {int(share * 100)} %")
            self.overall.setValue(len(self._finished_rows) * 100 + int(share * 100))
        elif isinstance(event, SceneDone):
            self._scene_done(event)
        elif isinstance(event, FileRemoved):
            self._say(f"Removed {event.file.name} (its scene was deleted)")
        elif isinstance(event, ReportWritten):
            self.report.setPlainText(report_text(event.reports))
            self.report.show()
        elif isinstance(event, JoinedWritten):
            self.joined = event
        elif isinstance(event, ScenesChecked):
            for failure in event.failing:
                self._set(self._rows[failure.scene.id], "Will fail", reason=failure.error)
            if event.failing:
                count, total = len(event.failing), len(self._rows)
                self._say(
                    f"{count} of {total} scenes will fail:\n{_reasons(event.failing)}\n"
                    "Exporting the others…",
                    error=True,
                )
        elif isinstance(event, SceneFailed):
            row = self._rows[event.scene.id]
            self.failures.append(event)
            self._finished_rows.add(row)
            self._set(row, "Failed", reason=event.error)
            self.overall.setValue(len(self._finished_rows) * 100)

    def _scene_done(self, event: SceneDone) -> None:
        row = self._rows[event.scene.id]
        self._finished_rows.add(row)
        self._set(row, f"{_STATUS[event.status]} · {event.duration:.1f} s", event.file.name)
        if event.measurement is not None:
            m = event.measurement
            loudness = f"{m.integrated_lufs:.1f} LUFS"
            if self._preset == "acx":
                loudness += f" · RMS {m.rms_dbfs:.1f} dB"
            peak = f"{m.true_peak_dbtp:.1f} dBTP"
            unbroken = [loudness.replace(" ", _NBSP), peak.replace(" ", _NBSP)]  # a figure per line
            self._set_cells(row, list(zip((_LOUDNESS_COLUMN, _PEAK_COLUMN), unbroken, strict=True)))
        self.overall.setValue(len(self._finished_rows) * 100)

    @Slot(int, object)
    def _on_finished(self, job: int, result: object) -> None:
        if job != self.job:
            return
        self.exported = list(result)  # type: ignore[call-overload]
        counts = {status: sum(d.status == status for d in self.exported) for status in _STATUS}
        joined = (
            f" Joined: {self.joined.files[0].name} ({len(self.joined.chapters)} chapters)."
            if self.joined
            else ""
        )
        summary = (
            f"{counts['rendered']} rendered, {counts['cached']} unchanged"
            + (f", {counts['renamed']} renamed" if counts["renamed"] else "")
            + f". The files are in {self._project.audio_dir}."
            + joined
        )
        if self.failures:
            self._say(
                f"{len(self.failures)} failed, {summary}\n{_reasons(self.failures)}", error=True
            )
            self._end("partly")
        else:
            self._say(f"Done: {summary}")
            self._end("finished")
        self.open_button.setFocus()

    @Slot(int, str, str)
    def _on_failed(self, job: int, code: str, message: str) -> None:
        if job != self.job:
            return
        cancelled = code == ErrorCode.CANCELLED.value
        for row in range(self.table.rowCount()):
            if row == self._current_row and not cancelled:
                self._set(row, "Failed")
            elif row not in self._finished_rows:
                self._set(row, "Cancelled" if cancelled else "Not exported")
        self._say(
            "Export cancelled. Scenes already exported were kept."
            if cancelled
            else f"Export stopped: {message}",
            error=not cancelled,
        )
        self._end("cancelled" if cancelled else "failed")

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setProperty("kind", "error" if error else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)

    def _end(self, outcome: str) -> None:
        self.outcome = outcome
        self.job = None
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.open_button.setEnabled(bool(self._finished_rows))


def _reasons(failures: tuple[SceneFailed, ...] | list[SceneFailed]) -> str:
    return "\n".join(f"• {failure.error.user_text()}" for failure in failures)
