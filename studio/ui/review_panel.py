"""The Pronunciation review panel: the words of the project worth listening to (see
studio.proofing.review), with Listen, Fix and Reviewed for each.

The review runs on a thread of its own, on a copy of the project, so that the window stays
responsive while a book fills the list. It runs again (debounced) after the text, lexicon or
cast change while the panel is shown, and when it is shown after they changed.
"""

from __future__ import annotations

import copy
import threading

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.proofing.review import Review, ReviewEntry, review_project
from studio.ui.direction_model import DirectionModel

_KIND_LABELS = {
    "guessed": "guessed",
    "heteronym": "two readings",
    "number": "number",
    "abbreviation": "abbreviation",
    "symbol": "symbol",
}
_RERUN_AFTER_MS = 600


class _Runner(QObject):
    """Carries the review thread's results to the GUI thread (queued signals)."""

    progress = Signal(int, int)
    finished = Signal(int, object)  # run number, Review or StudioError


class ReviewPanel(QWidget):
    listen_requested = Signal(str, str)  # sentence, voice
    fix_requested = Signal(str)  # word

    def __init__(self, model: DirectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.entries: list[ReviewEntry] = []
        self.review: Review | None = None
        self._run = 0
        self._stopping = threading.Event()  # the current review's: set when it is overtaken
        self._thread: threading.Thread | None = None
        self._runner = _Runner()
        self._runner.progress.connect(self._progress)
        self._runner.finished.connect(self._finished)
        self._rerun = QTimer(self, singleShot=True, interval=_RERUN_AFTER_MS)
        self._rerun.timeout.connect(self.refresh)

        self.summary = QLabel("Open the panel to review the project's pronunciations.")
        self.summary.setObjectName("reviewSummary")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("reviewTable")
        self.table.setHorizontalHeaderLabels(["Word", "Sounds like", "Kind"])
        self.table.setWordWrap(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self._listen())
        self.details = QLabel()  # the selected word: its phonemes, count and sentence
        self.details.setObjectName("reviewDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.listen_button = QPushButton("Listen")
        self.fix_button = QPushButton("Fix…")
        self.reviewed_button = QPushButton("Reviewed")
        self.reviewed_button.setCheckable(True)
        self.listen_button.setToolTip("Hear the word in its sentence")
        self.fix_button.setToolTip("Add a pronunciation for the word")
        self.reviewed_button.setToolTip("Keep this reading as heard and accepted")
        self.listen_button.clicked.connect(self._listen)
        self.fix_button.clicked.connect(self._fix)
        self.reviewed_button.clicked.connect(self._toggle_reviewed)
        buttons = QHBoxLayout()
        for button in (self.listen_button, self.fix_button, self.reviewed_button):
            buttons.addWidget(button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        self._stale = True
        for signal in (
            model.changed,
            model.scenes.scene_edited,
            model.scenes.modelReset,
            model.scenes.rowsInserted,
            model.scenes.rowsRemoved,
        ):
            signal.connect(self._changed)
        self._update_buttons()

    def _changed(self, *_args: object) -> None:
        self._stale = True
        if self.isVisible():
            self._rerun.start()

    def refresh(self) -> None:
        """Review the project as it is now, on a thread of its own."""
        self._run += 1
        self._stale = False
        self._stopping.set()  # a review still running is overtaken: it ends at its next word
        self._stopping = stopping = threading.Event()
        run, runner = self._run, self._runner
        project = copy.deepcopy(self.model.project)
        personal = self.model.personal
        self.summary.setText("Reviewing…")

        def work() -> None:
            try:
                result: object = review_project(
                    project,
                    personal,
                    progress=lambda done, total: runner.progress.emit(done, total),
                    stop=stopping.is_set,
                )
            except StudioError as exc:
                result = exc
            if not stopping.is_set():
                runner.finished.emit(run, result)

        self._thread = threading.Thread(target=work, name="studio-review", daemon=True)
        self._thread.start()

    def stop(self, wait_s: float = 2.0) -> None:
        """End a review under way (the window is closing): it stops at its next word, within
        a fraction of a second, so that the process never ends while it runs spaCy."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(wait_s)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def selected(self) -> ReviewEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows else None

    def _progress(self, done: int, total: int) -> None:
        self.summary.setText(f"Reviewing… {done} of {total} scenes")

    def _finished(self, run: int, result: object) -> None:
        if run != self._run:
            return  # an older review, overtaken by a newer one
        if isinstance(result, StudioError):
            self.summary.setText(f"Could not review: {result.user_text()}")
            return
        assert isinstance(result, Review)
        self.review, self.entries = result, list(result.entries)
        self._fill()

    def _fill(self) -> None:
        chosen = self.selected()
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            cells = (
                entry.word,
                entry.respelling,
                _KIND_LABELS[entry.kind] + (" ✓" if entry.reviewed else ""),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"×{entry.count}: “{entry.sentence.strip()}”")
                self.table.setItem(row, column, item)
            if chosen is not None and (entry.word, entry.reading) == (chosen.word, chosen.reading):
                self.table.selectRow(row)
        review = self.review
        assert review is not None
        left = sum(1 for e in self.entries if not e.reviewed)
        labels = ", ".join(f"{label.label}:" for label in review.labels)
        self.summary.setText(
            f"{len(self.entries)} of {review.distinct_words} distinct words to listen to, "
            f"{left} not reviewed."
            + (f" Not in the cast, so not spoken: {labels}" if labels else "")
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        entry = self.selected()
        for button in (self.listen_button, self.fix_button, self.reviewed_button):
            button.setEnabled(entry is not None)
        self.reviewed_button.setChecked(bool(entry and entry.reviewed))
        self.details.setText(
            f"/{entry.reading}/ · ×{entry.count} · “{entry.sentence.strip()}”" if entry else ""
        )

    def _listen(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.listen_requested.emit(entry.sentence.strip(), entry.voice)

    def _fix(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.fix_requested.emit(entry.word)

    def _toggle_reviewed(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        entry.reviewed = not entry.reviewed
        self.model.set_reviewed(entry.word, entry.reading if entry.reviewed else None)
        self._fill()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
