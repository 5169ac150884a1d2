"""Export: each scene's status while its MP3 is rendered, Cancel, and Open Folder at the end.

The render runs on the engine thread with the core's naming and render cache (unchanged scenes
are skipped); the dialog only follows the worker's events. The scenes are checked before any is
rendered, so the dialog says at once which will fail and why; the others are exported anyway, and
the failures are listed with their reasons at the end. The dialog does not block the window: the
user can go on editing and listening (a preview pauses the export between two sentences).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import ErrorCode, StudioError
from studio.project import Project
from studio.render import (
    FileRemoved,
    SceneDone,
    SceneFailed,
    SceneProgress,
    ScenesChecked,
    SceneStarted,
)
from studio.ui.scene_model import display_title
from studio.ui.worker import EngineWorker, Export

_STATUS = {"rendered": "Rendered", "cached": "Unchanged", "renamed": "Renamed"}
#: The longest forms a status takes, so that its column never has to grow (or cut) mid-export.
_WIDEST_STATUSES = ("Unchanged · 999.9 s", "Rendering 100 %", "Not exported", "Will fail")
_SCENE_COLUMN_MIN = 200
_COLUMNS = ("#", "Scene", "Status", "File")


class ExportDialog(QDialog):
    """Renders the given scenes of a project snapshot (all when ``scene_ids`` is None)."""

    def __init__(
        self,
        worker: EngineWorker,
        project: Project,
        scene_ids: list[str] | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Export — {project.title}")
        self._worker = worker
        self._project = project
        self._scene_ids = scene_ids
        chosen = [project.scene(s) for s in scene_ids] if scene_ids else project.scenes
        self._rows = {scene.id: row for row, scene in enumerate(chosen)}
        self._finished_rows: set[int] = set()
        self._current_row = -1
        self.job: int | None = None
        self.exported: list[SceneDone] = []
        self.failures: list[SceneFailed] = []
        self.outcome = ""  # "finished", "partly" (some scenes failed), "failed" or "cancelled"

        self.headline = QLabel(f"Exporting {len(chosen)} scene(s) to {project.audio_dir}")
        self.headline.setWordWrap(True)
        self.table = QTableWidget(len(chosen), len(_COLUMNS))
        self.table.setObjectName("exportTable")
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        for scene in chosen:
            row = self._rows[scene.id]
            number = project.scenes.index(scene)
            file = Path(project.audio_name(scene)).name  # known before rendering: shown at once
            cells = (str(number + 1), display_title(scene, number), "Waiting", file)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.overall = QProgressBar()
        self.overall.setRange(0, max(1, len(chosen)) * 100)
        self.overall.setValue(0)
        self.message = QLabel("Waiting for the speech engine…")
        self.message.setObjectName("exportMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox()
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = QPushButton("Open Folder")
        self.open_button.setEnabled(False)
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.open_button.clicked.connect(self.open_folder)

        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.table, 1)
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
        for column in (0, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        metrics = table.fontMetrics()
        margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
        status = max(metrics.horizontalAdvance(text) for text in _WIDEST_STATUSES) + margin + 8
        table.setColumnWidth(2, status)
        table.resizeColumnsToContents()
        table.setColumnWidth(2, status)
        columns = sum(table.columnWidth(c) for c in (0, 2, 3)) + _SCENE_COLUMN_MIN
        scrollbar = table.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        layout = self.layout()
        sides = layout.contentsMargins().left() + layout.contentsMargins().right() if layout else 0
        around = 2 * table.frameWidth() + scrollbar + sides
        self.setMinimumSize(columns + around, 380)
        self.resize(max(columns + around, 760), 460)

    def start(self) -> None:
        self.job = self._worker.submit(Export(self._project, self._scene_ids))
        self.show()  # not modal: the window stays usable while the scenes render

    @property
    def audio_dir(self) -> Path:
        return self._project.audio_dir

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._project.audio_dir)))

    def cancel_and_close(self) -> None:
        """The app is quitting: cancel a running export and close now (finished MP3s stay)."""
        if not self.outcome and self.job is not None:
            self._worker.cancel(self.job)
        super().reject()

    def reject(self) -> None:
        """Escape or the window's close button: cancel first when still running."""
        if not self.outcome:
            self._cancel_or_close()
        else:
            super().reject()

    def _cancel_or_close(self) -> None:
        if self.outcome:
            self.accept()
            return
        self.message.setText("Cancelling after the current sentence…")
        self.cancel_button.setEnabled(False)
        if self.job is not None:
            self._worker.cancel(self.job)

    def _set(
        self, row: int, status: str, file: str | None = None, reason: StudioError | None = None
    ) -> None:
        cells = [(2, status)] + ([(3, file)] if file is not None else [])
        for column, text in cells:
            item = self.table.item(row, column)
            if item is not None:
                item.setText(text)
        status_item = self.table.item(row, 2)
        if status_item is not None:
            status_item.setToolTip(reason.user_text() if reason else "")

    @Slot(int, object)
    def _on_progress(self, job: int, event: object) -> None:
        if job != self.job:
            return
        if isinstance(event, SceneStarted):
            row = self._current_row = self._rows[event.scene.id]
            self._set(row, "Rendering…")
            self.message.setText(f"Scene {event.position} of {event.total}…")
        elif isinstance(event, SceneProgress):
            row = self._rows[event.scene.id]
            share = event.done_chars / max(1, event.total_chars)
            self._set(row, f"Rendering {int(share * 100)} %")
            self.overall.setValue(len(self._finished_rows) * 100 + int(share * 100))
        elif isinstance(event, SceneDone):
            row = self._rows[event.scene.id]
            self._finished_rows.add(row)
            status = f"{_STATUS[event.status]} · {event.duration:.1f} s"
            self._set(row, status, event.file.name)
            self.overall.setValue(len(self._finished_rows) * 100)
        elif isinstance(event, FileRemoved):
            self.message.setText(f"Removed {event.file.name} (its scene was deleted)")
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

    @Slot(int, object)
    def _on_finished(self, job: int, result: object) -> None:
        if job != self.job:
            return
        self.exported = list(result)  # type: ignore[call-overload]
        counts = {status: sum(d.status == status for d in self.exported) for status in _STATUS}
        summary = (
            f"{counts['rendered']} rendered, {counts['cached']} unchanged"
            + (f", {counts['renamed']} renamed" if counts["renamed"] else "")
            + f". The MP3s are in {self._project.audio_dir}."
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
