"""The lexicon panel: every pronunciation entry (this project's and the personal ones), with
search, Add, Edit, Delete and Listen; and the dialog that makes or edits one entry, also used by
the editor's *Fix Pronunciation…*."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.direction.lexicon import LexiconEntry, check_phonemes
from studio.errors import ErrorCode, StudioError
from studio.speech.respelling import respell
from studio.ui.direction_model import DirectionModel

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1


class EntryDialog(QDialog):
    """Make or edit one entry. OK checks it first (phonemes against the model's symbols); a
    refused entry keeps the dialog open with the reason shown, so nothing typed is lost."""

    listen_requested = Signal(object)  # a LexiconEntry to hear, before it is saved
    listen_current_requested = Signal()  # hear the word as it is read now

    def __init__(
        self,
        word: str,
        symbols: Callable[[], frozenset[str] | None],
        language: str,
        entry: LexiconEntry | None = None,
        personal: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pronunciation")
        self.setObjectName("entryDialog")
        self._symbols = symbols
        self._language = entry.language if entry else language
        self.entry: LexiconEntry | None = None
        self.asked = ""  # the text whose reading now is shown (see take_reading)
        self.word = QLineEdit(entry.word if entry else word)
        self.word.setObjectName("entryWord")
        self.respelling = QRadioButton("Sounds like")
        self.phonemes = QRadioButton("Phonemes")
        kinds = QButtonGroup(self)
        kinds.addButton(self.respelling)
        kinds.addButton(self.phonemes)
        self.pronunciation = QLineEdit(entry.pronunciation if entry else "")
        self.pronunciation.setObjectName("entryPronunciation")
        self.pronunciation.setPlaceholderText("wuster — or phonemes: wˈʊstəɹ")
        (self.phonemes if entry and entry.ipa is not None else self.respelling).setChecked(True)
        self.case_sensitive = QCheckBox("Match case exactly")
        self.case_sensitive.setChecked(bool(entry and entry.case_sensitive))
        self.personal = QCheckBox("In all my projects (personal lexicon)")
        self.personal.setChecked(personal)
        self.problem = QLabel()
        self.problem.setObjectName("entryProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        self.listen = QPushButton("▶  Listen")
        self.listen.setObjectName("entryListen")
        self.listen.setToolTip("Hear the word as you say it here")
        self.listen.clicked.connect(self._listen)
        self.now_reading = QLabel("…")
        self.now_reading.setObjectName("entryNowReading")
        self.now_reading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.listen_now = QPushButton("▶  Now")
        self.listen_now.setObjectName("entryListenNow")
        self.listen_now.setToolTip("Hear the word as it is read now")
        self.listen_now.clicked.connect(self.listen_current_requested)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        kind_row = QHBoxLayout()
        kind_row.addWidget(self.respelling)
        kind_row.addWidget(self.phonemes)
        kind_row.addStretch()
        now_row = QHBoxLayout()
        now_row.addWidget(self.now_reading, 1)
        now_row.addWidget(self.listen_now)
        form = QFormLayout()
        form.addRow("Word or phrase", self.word)
        form.addRow("Read now as", now_row)
        form.addRow("Say it as", kind_row)
        form.addRow("", self.pronunciation)
        form.addRow("", self.case_sensitive)
        form.addRow("", self.personal)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        bottom = QHBoxLayout()
        bottom.addWidget(self.listen)
        bottom.addStretch()
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.setMinimumWidth(460)
        self.pronunciation.setFocus()

    def checked_entry(self) -> LexiconEntry:
        """The entry as typed, or a StudioError saying what is wrong with it."""
        pronunciation = self.pronunciation.text()
        as_phonemes = self.phonemes.isChecked()
        entry = LexiconEntry(
            self.word.text(),
            None if as_phonemes else pronunciation,
            pronunciation if as_phonemes else None,
            self.case_sensitive.isChecked(),
            self._language,
        )
        if entry.ipa is not None:
            symbols = self._symbols()
            if symbols is None:
                raise StudioError(
                    ErrorCode.MODEL_NOT_FOUND,
                    "The model is still loading; phonemes are checked against it.",
                    "Wait until the status bar says Ready, then press OK again.",
                )
            check_phonemes(entry.ipa, symbols, f"'{entry.word}'")
        return entry

    def accept(self) -> None:
        try:
            self.entry = self.checked_entry()
        except StudioError as exc:
            self._show_problem(exc)
            return
        super().accept()

    def take_reading(self, text: str, phonemes: str) -> None:
        """A WordReader's answer: shown when it is about what this dialog asked."""
        if text == self.asked:
            self.show_current(phonemes)

    def show_current(self, phonemes: str) -> None:
        """The word's reading now, as a respelling and phonemes ("" when it cannot be read)."""
        self.now_reading.setText(
            f"{respell(phonemes)}   /{phonemes}/" if phonemes else "cannot be read as it is"
        )

    def _show_problem(self, exc: StudioError) -> None:
        self.problem.setText(exc.user_text())
        self.adjustSize()  # the reason may take several lines: show all of it

    def _listen(self) -> None:
        try:
            entry = self.checked_entry()
        except StudioError as exc:
            self._show_problem(exc)
            return
        self.problem.clear()
        self.listen_requested.emit(entry)


class LexiconPanel(QWidget):
    """Lists the entries; Add/Edit open an EntryDialog; Listen plays the selected entry."""

    listen_requested = Signal(object)  # LexiconEntry
    error = Signal(str)

    def __init__(
        self,
        model: DirectionModel,
        make_dialog: Callable[[str, LexiconEntry | None, bool], EntryDialog],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self._make_dialog = make_dialog
        self.search = QLineEdit(placeholderText="Search words and pronunciations…")
        self.search.setObjectName("lexiconSearch")
        self.search.setClearButtonEnabled(True)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("lexiconTable")
        self.table.setHorizontalHeaderLabels(["Word", "Say as", "Kind", "Where"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.delete_button = QPushButton("Delete")
        self.listen_button = QPushButton("▶  Listen")
        for name, button in [
            ("lexiconAdd", self.add_button),
            ("lexiconEdit", self.edit_button),
            ("lexiconDelete", self.delete_button),
            ("lexiconListen", self.listen_button),
        ]:
            button.setObjectName(name)
        self.add_button.clicked.connect(lambda: self.open_dialog("", None, False))
        self.edit_button.clicked.connect(self._edit_selected)
        self.delete_button.clicked.connect(self._delete_selected)
        self.listen_button.clicked.connect(self._listen_selected)
        self.table.itemDoubleClicked.connect(lambda _item: self._edit_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.search.textChanged.connect(self._filter)
        model.changed.connect(self.refresh)

        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch()
        buttons.addWidget(self.listen_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        selected = self.selected()
        in_force = set(self.model.in_force())
        self.table.setRowCount(0)
        for entry, personal in self.model.entries():
            row = self.table.rowCount()
            self.table.insertRow(row)
            where = "All projects" if personal else "This project"
            if entry not in in_force:
                where += " (hidden by the project's)"
            kind = "phonemes" if entry.ipa is not None else "sounds like"
            if entry.case_sensitive:
                kind += ", case"
            for column, text in enumerate([entry.word, entry.pronunciation, kind, where]):
                item = QTableWidgetItem(text)
                item.setData(ENTRY_ROLE, (entry, personal))
                self.table.setItem(row, column, item)
            if selected == (entry, personal):
                self.table.selectRow(row)
        self._filter(self.search.text())
        self._update_buttons()

    def selected(self) -> tuple[LexiconEntry, bool] | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.data(ENTRY_ROLE) if item else None

    def open_dialog(self, word: str, entry: LexiconEntry | None, personal: bool) -> bool:
        """Make or edit an entry in a dialog; True when one was saved."""
        dialog = self._make_dialog(word, entry, personal)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.entry is None:
            return False
        try:
            if entry is not None and personal != dialog.personal.isChecked():
                self.model.remove_entry(entry, personal)
                entry = None
            self.model.put_entry(dialog.entry, dialog.personal.isChecked(), entry)
        except StudioError as exc:
            self.error.emit(exc.user_text())
            return False
        return True

    def _edit_selected(self) -> None:
        selected = self.selected()
        if selected is not None:
            self.open_dialog(selected[0].word, selected[0], selected[1])

    def _delete_selected(self) -> None:
        selected = self.selected()
        if selected is not None:
            try:
                self.model.remove_entry(*selected)
            except StudioError as exc:
                self.error.emit(exc.user_text())

    def _listen_selected(self) -> None:
        selected = self.selected()
        if selected is not None:
            self.listen_requested.emit(selected[0])

    def _filter(self, text: str) -> None:
        wanted = text.casefold().strip()
        for row in range(self.table.rowCount()):
            items = [self.table.item(row, c) for c in (0, 1)]
            cells = [item.text().casefold() for item in items if item is not None]
            self.table.setRowHidden(row, bool(wanted) and not any(wanted in c for c in cells))

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        for button in (self.edit_button, self.delete_button, self.listen_button):
            button.setEnabled(chosen)
