"""Directing the read in the window: the Pronunciations, Cast and Review panels, the editor's
highlighting and follow-along, and the actions that hear and fix a pronunciation.

The window makes one and lays its panels out; everything here acts through the collaborators it
is given (the project session, the editor, the listener), never through the window itself.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from studio.direction.lexicon import LexiconEntry, language_of_voice, personal_lexicon_path
from studio.direction.plan import Direction
from studio.engine.request import SpeechRequest
from studio.speech.voices import parse_voice
from studio.ui.cast_panel import CastPanel
from studio.ui.config import StudioConfig
from studio.ui.direction_highlight import DirectionHighlighter
from studio.ui.direction_model import DirectionModel
from studio.ui.follow_along import FollowAlong
from studio.ui.lexicon_panel import EntryDialog, LexiconPanel
from studio.ui.listen import Listener, Listening
from studio.ui.review_panel import ReviewPanel
from studio.ui.scene_editor import SceneEditor
from studio.ui.session import ProjectSession
from studio.ui.status import StatusPanel
from studio.ui.word_reader import WordReader
from studio.ui.worker import EngineWorker

#: Plays the shown scene from an index of its text, that many sentences (None: to the end).
PlayFrom = Callable[..., None]


class DirectionDesk:
    def __init__(
        self,
        config: StudioConfig,
        session: ProjectSession,
        editor: SceneEditor,
        listener: Listener,
        worker: EngineWorker,
        status: StatusPanel,
        dialog_parent: QWidget,
    ) -> None:
        self.session, self.editor, self.listener = session, editor, listener
        self.worker, self.status, self._parent = worker, status, dialog_parent
        self.play_from: PlayFrom = lambda *_args, **_kw: None  # the window's, once it is made
        self.model = DirectionModel(
            session.model, session.undo_stack, personal_lexicon_path(config.settings_path)
        )
        self.lexicon_panel = LexiconPanel(self.model, self._entry_dialog)
        self.cast_panel = CastPanel(self.model)
        self.review_panel = ReviewPanel(self.model)
        self.word_reader = WordReader()
        self.highlighter = DirectionHighlighter(editor.text.document())
        self.follow = FollowAlong(listener, editor.text, lambda: editor.scene_id)

    def connect(self, play_from: PlayFrom) -> None:
        self.play_from = play_from
        note_error = lambda text: self.status.note(text, "error", 12000)  # noqa: E731
        self.model.changed.connect(self.direction_changed)
        self.lexicon_panel.listen_requested.connect(self.audition)
        self.lexicon_panel.error.connect(note_error)
        self.cast_panel.error.connect(note_error)
        self.review_panel.listen_requested.connect(self.hear_in_sentence)
        self.review_panel.fix_requested.connect(self.fix_word)
        self.follow.play_from.connect(play_from)
        self.direction_changed()

    def scene_voice(self) -> str:
        model = self.session.model
        if self.editor.scene_id:
            return model.voice_of(model.scene_by_id(self.editor.scene_id))
        return self.session.project.default_voice

    def audition_as_read(self, word: str) -> None:
        """Hear a word as the model reads it without any entry."""
        self._hear_word(word, f"word:{word}", "as read now", None)

    def audition(self, entry: LexiconEntry) -> None:
        """Hear an entry in the scene's voice (from memory when heard before)."""
        self._hear_word(entry.word, f"entry:{entry.word}", "", Direction.of([entry]))

    def _hear_word(self, word: str, key: str, how: str, direction: Direction | None) -> None:
        voice = self.scene_voice()
        label = f"“{word}” {how} · {voice}" if how else f"“{word}” · {voice}"
        request = SpeechRequest(f"{word}.", voice, 1.0, direction)
        self.listener.play(Listening("voice", key, label), request)

    def fix_pronunciation(self) -> None:
        """Add (or change) the entry for the word at the editor's cursor, then hear its sentence."""
        if not self.editor.scene_id:
            self.status.note("Select a scene and a word in it first.", "error")
            return
        cursor = self.editor.text.textCursor()
        if not cursor.hasSelection():
            cursor.select(cursor.SelectionType.WordUnderCursor)
        word = cursor.selectedText().strip()
        if not word:
            self.status.note("Select the word to fix first.", "error")
            return
        at = cursor.selectionStart()
        if self.fix_word(word):
            self.play_from(at, sentences=1)

    def fix_word(self, word: str) -> bool:
        """The lexicon editor, opened with ``word`` (and its entry, if it has one); whether the
        user saved an entry."""
        existing = next(((e, p) for e, p in self.model.entries() if e.matches(word)), (None, False))
        return self.lexicon_panel.open_dialog(word, existing[0], existing[1])

    def hear_in_sentence(self, sentence: str, voice: str) -> None:
        """A reviewed word in its sentence, as the project reads it (from memory when heard)."""
        self.listener.play(
            Listening("voice", f"review:{sentence}", f"In its sentence · {voice}"),
            SpeechRequest(sentence, voice, 1.0, self.model.direction()),
        )

    def direction_changed(self) -> None:
        project = self.session.project
        self.highlighter.update_direction(self.model.in_force(), project.cast.names())

    def _entry_dialog(self, word: str, entry: LexiconEntry | None, personal: bool) -> EntryDialog:
        lang = parse_voice(self.scene_voice()).lang
        dialog = EntryDialog(
            word,
            self.worker.phoneme_symbols,
            language_of_voice(lang),
            entry,
            personal,
            self._parent,
        )
        dialog.listen_requested.connect(self.audition)
        # The reading now: the entry's where there is one, else the model's own.
        dialog.listen_current_requested.connect(
            lambda: self.audition(entry) if entry else self.audition_as_read(word)
        )
        if entry is not None and entry.ipa is not None:
            dialog.show_current(entry.ipa)
        else:
            dialog.asked = entry.say if entry is not None and entry.say else word
            self.word_reader.read.connect(dialog.take_reading)  # gone with the dialog
            self.word_reader.ask(dialog.asked, lang)
        return dialog
