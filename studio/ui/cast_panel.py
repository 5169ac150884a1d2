"""The cast panel: speaker names and their voices, and the voice of quoted speech. A script line
'NAME: …' of a cast member is voiced by that member's voice; text in quotation marks by the
dialogue voice, where one is chosen. Changing a voice here is undoable like any edit."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.ui.direction_model import DirectionModel
from studio.ui.scene_editor import voice_choices

_NO_VOICE = ""


def _voice_box(current: str) -> QComboBox:
    box = QComboBox()
    box.setMaxVisibleItems(20)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(14)
    box.addItem("Choose a voice…", _NO_VOICE)
    for label, spec in voice_choices()[1:]:  # every voice; the project default is not a choice
        box.addItem(label, spec)
    index = box.findData(current)
    if index < 0 and current:
        box.addItem(f"{current} (blend)", current)
        index = box.count() - 1
    box.setCurrentIndex(max(index, 0))
    return box


class CastPanel(QWidget):
    """Add a speaker with a voice, change a speaker's voice, remove a speaker."""

    error = Signal(str)

    def __init__(self, model: DirectionModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("castTable")
        self.table.setHorizontalHeaderLabels(["Speaker", "Voice"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.name = QLineEdit(placeholderText="Speaker name, e.g. ALICE")
        self.name.setObjectName("castName")
        self.voice = _voice_box("")
        self.voice.setObjectName("castVoice")
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("castAdd")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("castRemove")
        self.add_button.clicked.connect(self._add)
        self.name.returnPressed.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.dialogue = _voice_box("")
        self.dialogue.setObjectName("castDialogue")
        self.dialogue.setItemText(0, "Read as narration")
        self.dialogue.setToolTip(
            'The voice of text in quotation marks (“…”, "…", «…»); the narration around it '
            "keeps the scene's voice"
        )
        self.dialogue.activated.connect(lambda _i: self._set_dialogue())
        model.changed.connect(self.refresh)
        quoted = QHBoxLayout()
        quoted.addWidget(QLabel("Quoted speech"))
        quoted.addWidget(self.dialogue, 1)
        adder = QHBoxLayout()
        adder.addWidget(self.name, 1)
        adder.addWidget(self.voice, 2)
        adder.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(adder)
        layout.addWidget(self.remove_button)
        layout.addLayout(quoted)
        self.refresh()

    def refresh(self) -> None:
        current = self.model.project.dialogue_voice
        index = self.dialogue.findData(current)
        if index < 0:
            self.dialogue.addItem(f"{current} (blend)", current)
            index = self.dialogue.count() - 1
        self.dialogue.setCurrentIndex(index)
        self.table.setRowCount(0)
        for name, voice in self.model.project.cast.members.items():
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(name))
            box = _voice_box(voice)
            box.activated.connect(lambda _i, n=name, b=box: self._set(n, str(b.currentData())))
            self.table.setCellWidget(row, 1, box)

    def _set(self, name: str, voice: str) -> None:
        try:
            self.model.set_cast(name, voice)
        except StudioError as exc:
            self.error.emit(exc.user_text())
            self.refresh()

    def _set_dialogue(self) -> None:
        try:
            self.model.set_dialogue_voice(str(self.dialogue.currentData()))
        except StudioError as exc:
            self.error.emit(exc.user_text())
            self.refresh()

    def _add(self) -> None:
        try:
            self.model.set_cast(self.name.text(), str(self.voice.currentData()))
        except StudioError as exc:
            self.error.emit(exc.user_text())
            return
        self.name.clear()
        self.voice.setCurrentIndex(0)

    def _remove(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        item = self.table.item(rows[0].row(), 0) if rows else None
        if item is not None:
            self.model.remove_cast(item.text())
