"""The voice picker: every voice with language, gender and quality grade, the seed's profiles,
filters and search, and a Preview button that speaks a short sample in the chosen voice."""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from studio.speech.voices import CATALOG, LANGUAGES, PROFILES, Voice, list_voices

SPEC_ROLE = Qt.ItemDataRole.UserRole + 1
LANG_ROLE = Qt.ItemDataRole.UserRole + 2
GENDER_ROLE = Qt.ItemDataRole.UserRole + 3
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 4
COLUMNS = ("Voice", "Language", "Gender", "Grade")

#: A short sample per language, in that language, so each voice is heard speaking its own tongue.
SAMPLES = {
    "a": "Hi, I'm {name}. This is how your script sounds in my voice.",
    "b": "Hello, I'm {name}. This is how your script sounds in my voice.",
    "e": "Hola, soy {name}. Así suena tu guion con mi voz.",
    "f": "Bonjour, je suis {name}. Voici votre texte avec ma voix.",
    "h": "नमस्ते, मेरा नाम {name} है। आपकी कहानी मेरी आवाज़ में ऐसी लगती है।",
    "i": "Ciao, sono {name}. Ecco il tuo testo con la mia voce.",
    "j": "こんにちは、{name}です。あなたの台本をこの声で読みます。",
    "p": "Olá, eu sou {name}. Assim fica o seu roteiro na minha voz.",
    "z": "你好，我是{name}。这是用我的声音朗读你的稿子。",
}


def sample_text(spec: str) -> str:
    """The preview sentence for a voice id or profile name."""
    voice = CATALOG[PROFILES.get(spec, spec)]
    name = spec.capitalize() if spec in PROFILES else voice.name
    return SAMPLES[voice.lang].format(name=name)


def _row(label: str, spec: str, voice: Voice, bold: bool = False) -> list[QStandardItem]:
    cells = [
        QStandardItem(label),
        QStandardItem(voice.language),
        QStandardItem(voice.gender),
        QStandardItem(voice.grade or "–"),
    ]
    search = f"{label} {spec} {voice.id} {voice.language} {voice.gender}".lower()
    for cell in cells:
        cell.setEditable(False)
        cell.setData(spec, SPEC_ROLE)
        cell.setData(voice.lang, LANG_ROLE)
        cell.setData(voice.gender, GENDER_ROLE)
        cell.setData(search, SEARCH_ROLE)
    cells[0].setToolTip(f"{spec}: {voice.label}")
    if bold:
        font = QFont()
        font.setBold(True)
        cells[0].setFont(font)
    return cells


def voice_table_model() -> QStandardItemModel:
    model = QStandardItemModel(0, len(COLUMNS))
    model.setHorizontalHeaderLabels(list(COLUMNS))
    for name, voice_id in PROFILES.items():
        model.appendRow(_row(f"★ {name.capitalize()} ({voice_id})", name, CATALOG[voice_id], True))
    for voice in list_voices():
        model.appendRow(_row(f"{voice.name} ({voice.id})", voice.id, voice))
    return model


class VoiceFilter(QSortFilterProxyModel):
    """Keeps the rows matching the language, the gender and every word of the search."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.gender = ""
        self.words: list[str] = []

    def set_filter(self, lang: str, gender: str, search: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            self.lang, self.gender, self.words = lang, gender, search.lower().split()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.lang, self.gender, self.words = lang, gender, search.lower().split()
            self.invalidateRowsFilter()

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        index = self.sourceModel().index(source_row, 0, source_parent)
        if self.lang and index.data(LANG_ROLE) != self.lang:
            return False
        if self.gender and index.data(GENDER_ROLE) != self.gender:
            return False
        haystack = str(index.data(SEARCH_ROLE))
        return all(word in haystack for word in self.words)


class VoicePicker(QWidget):
    """Browse and audition voices; 'Use for Scene' sets the selected scene's voice."""

    preview_requested = Signal(str, str)  # voice spec, sample text
    stop_requested = Signal()
    use_requested = Signal(str)  # voice spec

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._playing: str | None = None
        self.search = QLineEdit(placeholderText="Search voices…", clearButtonEnabled=True)
        self.language = QComboBox()
        self.language.addItem("All languages", "")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        self.gender = QComboBox()
        for label, value in (("Any gender", ""), ("Female", "female"), ("Male", "male")):
            self.gender.addItem(label, value)
        self.filter = VoiceFilter()
        self.filter.setSourceModel(voice_table_model())
        self.table = QTableView()
        self.table.setObjectName("voiceTable")
        self.table.setModel(self.filter)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        # Every column as wide as its widest cell in any row (not only the rows in view), and
        # the table at least as wide as its columns: no voice, language or grade is ever cut.
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(-1)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.preview_button = QPushButton("▶  Preview")
        self.preview_button.setObjectName("previewVoice")
        self.preview_button.setToolTip("Hear a short sample in the selected voice")
        self.use_button = QPushButton("Use for Scene")
        self.use_button.setToolTip("Set the selected scene's voice")
        self.count = QLabel()
        self.count.setObjectName("dimLabel")

        self.search.textChanged.connect(self._refilter)
        self.language.currentIndexChanged.connect(self._refilter)
        self.gender.currentIndexChanged.connect(self._refilter)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self._preview_clicked)
        self.preview_button.clicked.connect(self._preview_clicked)
        self.use_button.clicked.connect(self._use_clicked)

        filters = QHBoxLayout()
        filters.addWidget(self.language, 3)
        filters.addWidget(self.gender, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.use_button)
        buttons.addStretch()
        buttons.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._refilter()
        self.table.setMinimumWidth(self.columns_width())

    def columns_width(self) -> int:
        """The table's width with every column as wide as its widest cell in any row."""
        header = self.table.horizontalHeader()
        columns = sum(
            max(self.table.sizeHintForColumn(c), header.sectionSizeHint(c))
            for c in range(header.count())
        )
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        return columns + scrollbar + 2 * self.table.frameWidth()

    def selected_spec(self) -> str | None:
        index = self.table.currentIndex()
        return str(index.data(SPEC_ROLE)) if index.isValid() else None

    def select_spec(self, spec: str) -> bool:
        """Select the row of a voice id or profile, if it is shown; True when found."""
        for row in range(self.filter.rowCount()):
            if self.filter.index(row, 0).data(SPEC_ROLE) == spec:
                self.table.selectRow(row)
                self.table.scrollTo(self.filter.index(row, 0))
                return True
        return False

    def set_playing(self, spec: str | None) -> None:
        """Show which voice is being previewed (None: none), so its button can stop it."""
        self._playing = spec
        self._update_buttons()

    def _refilter(self) -> None:
        self.filter.set_filter(
            str(self.language.currentData()), str(self.gender.currentData()), self.search.text()
        )
        shown = self.filter.rowCount()
        self.count.setText("1 voice" if shown == 1 else f"{shown} voices")
        if not self.table.currentIndex().isValid() and self.filter.rowCount():
            self.table.selectRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        spec = self.selected_spec()
        playing_this = spec is not None and spec == self._playing
        self.preview_button.setText("■  Stop" if playing_this else "▶  Preview")
        self.preview_button.setEnabled(spec is not None)
        self.use_button.setEnabled(spec is not None)

    def _preview_clicked(self) -> None:
        spec = self.selected_spec()
        if spec is None:
            return
        if spec == self._playing:
            self.stop_requested.emit()
        else:
            self.preview_requested.emit(spec, sample_text(spec))

    def _use_clicked(self) -> None:
        spec = self.selected_spec()
        if spec is not None:
            self.use_requested.emit(spec)
