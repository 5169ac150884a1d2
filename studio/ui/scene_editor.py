"""The selected scene: its title, voice, speed, pause after, and text with a live character count.

Every change goes to the SceneModel, which records it on the undo stack; changes made by undo
and redo come back through the model and are shown without moving the user's cursor needlessly.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeyEvent, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.project.file_model import LONG_SCENE_CHARS, MAX_PAUSE_AFTER
from studio.project.model import Scene
from studio.speech.speed import MAX_SPEED, MIN_SPEED
from studio.speech.voices import CATALOG, LANGUAGES, PROFILES, Voice, list_voices
from studio.ui.scene_model import SceneModel

_DEFAULT = "__project_default__"


class _UndoGoesToTheWindow(QObject):
    """Let Ctrl+Z / Ctrl+Shift+Z in a text field reach the window's undo stack, not the field's."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        keys = QKeySequence.StandardKey
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (event.matches(keys.Undo) or event.matches(keys.Redo))
        ):
            event.ignore()
            return True
        return False


def replace_text_keeping_cursor(editor: QPlainTextEdit, new: str) -> None:
    """Change only the part of the text that differs, so the cursor stays where the change was."""
    old = editor.toPlainText()
    if old == new:
        return
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    cursor = QTextCursor(editor.document())
    cursor.setPosition(start)
    cursor.setPosition(end_old, QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText(new[start:end_new])
    editor.setTextCursor(cursor)


def _describe(voice: Voice) -> str:
    """'bf_emma (female, B-)': short, so that the box fits a narrow window without cutting it."""
    grade = f", {voice.grade}" if voice.grade else ""
    return f"{voice.id} ({voice.gender}{grade})"


def voice_choices() -> list[tuple[str, str | None]]:
    """(label, voice spec) for the voice box: the project default, the profiles, then every voice
    under its language's heading (a heading's spec is "": it cannot be chosen)."""
    choices: list[tuple[str, str | None]] = [("Project default", None), ("Profiles", "")]
    for name, voice_id in PROFILES.items():
        choices.append((f"★ {name.capitalize()} — {_describe(CATALOG[voice_id])}", name))
    for lang, language in LANGUAGES.items():
        choices.append((language, ""))
        for voice in list_voices(lang):
            choices.append((f"{voice.name} — {_describe(voice)}", voice.id))
    return choices


class SceneEditor(QWidget):
    """Edits one scene of the model; shows a hint and an Add button when there is none."""

    add_requested = Signal()

    def __init__(self, model: SceneModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.scene_id = ""
        self.title = QLineEdit(placeholderText="Scene title (names the MP3 file)")
        self.voice = QComboBox()
        self.voice.setObjectName("sceneVoice")
        self.voice.setMaxVisibleItems(20)
        self.voice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        heading_font = QFont(self.voice.font())
        heading_font.setBold(True)
        for label, spec in voice_choices():
            if spec == "":  # a language's heading
                self.voice.addItem(label)
                heading = self.voice.model().item(self.voice.count() - 1)  # type: ignore[attr-defined]
                heading.setEnabled(False)
                heading.setFont(heading_font)
            else:
                self.voice.addItem(label, spec or _DEFAULT)
        self.speed = QDoubleSpinBox(
            minimum=MIN_SPEED, maximum=MAX_SPEED, singleStep=0.05, decimals=2, suffix=" ×"
        )
        self.pause = QDoubleSpinBox(
            minimum=0.0, maximum=MAX_PAUSE_AFTER, singleStep=0.1, decimals=1, suffix=" s"
        )
        for box in (self.speed, self.pause):  # a number is taken when editing ends, not per key
            box.setKeyboardTracking(False)
        self.speed.setToolTip("Speaking speed: 1.00 × is normal, from 0.50 to 2.00")
        self.pause.setToolTip("Silence added after this scene in its MP3")
        self.text = QPlainTextEdit()
        self.text.setObjectName("sceneText")
        self.text.setPlaceholderText("Type or paste what this scene says…")
        self.text.setUndoRedoEnabled(False)  # the window's undo stack records typing
        self._undo_filter = _UndoGoesToTheWindow(self)
        for field in (self.text, self.title, self.speed, self.pause):
            field.installEventFilter(self._undo_filter)
        self.count = QLabel()
        self.count.setObjectName("charCount")
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.split_button = QToolButton()  # shown when the text is over the limit: the way out
        self.split_button.setObjectName("splitButton")
        self.split_button.hide()

        self.title.textEdited.connect(lambda text: self._edit("title", text))
        self.voice.activated.connect(self._voice_chosen)
        self.speed.valueChanged.connect(lambda value: self._edit("speed", round(value, 2)))
        self.pause.valueChanged.connect(lambda value: self._edit("pause_after", round(value, 1)))
        self.text.textChanged.connect(self._text_changed)
        model.scene_edited.connect(self._on_scene_edited)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Title", self.title)
        form.addRow("Voice", self.voice)
        numbers = QHBoxLayout()
        numbers.addWidget(self.speed)
        numbers.addSpacing(16)
        numbers.addWidget(QLabel("Pause after"))
        numbers.addWidget(self.pause)
        numbers.addStretch()
        form.addRow("Speed", numbers)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.text, 1)
        count_row = QHBoxLayout()
        count_row.addWidget(self.split_button)
        count_row.addWidget(self.count, 1)
        layout.addLayout(count_row)

        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        hint = QLabel("This project has no scenes yet.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        add = QPushButton("Add a Scene")
        add.clicked.connect(self.add_requested)
        empty_layout.addStretch()
        empty_layout.addWidget(hint)
        empty_layout.addWidget(add, 0, Qt.AlignmentFlag.AlignCenter)
        empty_layout.addStretch()

        self._pages = QStackedWidget()
        self._pages.addWidget(empty)
        self._pages.addWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._pages)
        self.show_scene("")

    def set_split_action(self, action: QAction) -> None:
        """The action the over-the-limit counter offers (Split at Paragraphs)."""
        self.split_button.setDefaultAction(action)

    def finish_editing(self) -> None:
        """Take a number still being typed (Ctrl+Enter straight from the Speed field)."""
        for box in (self.speed, self.pause):
            if box.hasFocus():
                box.interpretText()

    def focus_title(self) -> None:
        """Put the cursor in the title, selected, so that typing names the scene."""
        self.title.setFocus(Qt.FocusReason.OtherFocusReason)
        self.title.selectAll()

    def show_scene(self, scene_id: str) -> None:
        """Show ``scene_id`` ("" for none)."""
        self.scene_id = scene_id if scene_id and self.model.row_of(scene_id) >= 0 else ""
        self._pages.setCurrentIndex(1 if self.scene_id else 0)
        if self.scene_id:
            scene = self.model.scene_by_id(self.scene_id)
            for field in ("title", "voice", "speed", "pause_after", "text"):
                self._show_field(scene, field)

    def _show_field(self, scene: Scene, field: str) -> None:
        if field == "title":
            if self.title.text() != scene.title:
                with QSignalBlocker(self.title):
                    self.title.setText(scene.title)
        elif field == "voice":
            self._show_voice(scene.voice)
        elif field == "speed":
            with QSignalBlocker(self.speed):
                self.speed.setValue(scene.speed)
        elif field == "pause_after":
            with QSignalBlocker(self.pause):
                self.pause.setValue(scene.pause_after)
        elif field == "text":
            with QSignalBlocker(self.text):
                if self.text.toPlainText() != scene.text:
                    replace_text_keeping_cursor(self.text, scene.text)
            self._update_count()

    def _show_voice(self, voice: str | None) -> None:
        data = voice or _DEFAULT
        index = self.voice.findData(data)
        if index < 0:  # a blend typed elsewhere: show it as it is
            self.voice.addItem(f"{voice} (blend)", data)
            index = self.voice.count() - 1
        default = self.model.project.default_voice
        self.voice.setItemText(0, f"Project default ({default})")
        with QSignalBlocker(self.voice):
            self.voice.setCurrentIndex(index)

    def _on_scene_edited(self, scene_id: str, field: str) -> None:
        if scene_id == self.scene_id:
            self._show_field(self.model.scene_by_id(scene_id), field)

    def _edit(self, field: str, value: object) -> None:
        if self.scene_id:
            self.model.edit(self.scene_id, field, value)

    def _voice_chosen(self, index: int) -> None:
        data = self.voice.itemData(index)
        self._edit("voice", None if data == _DEFAULT else data)

    def _text_changed(self) -> None:
        self._edit("text", self.text.toPlainText())
        self._update_count()

    def _update_count(self) -> None:
        """The length, and whether the scene is long (a chapter renders whole, but one split at
        its paragraphs is easier to direct and preview)."""
        used = len(self.text.toPlainText().strip())
        over = used > LONG_SCENE_CHARS
        self.count.setText(f"{used:,} characters" + (" — long scene" if over else ""))
        self.count.setProperty("over", over)
        self.split_button.setVisible(over and self.split_button.defaultAction() is not None)
