"""The open project's lexicon, cast, dialogue voice and reviewed readings, and the personal
lexicon, as the GUI edits them.

Changes to the project go through the window's undo stack (so they autosave and undo like any
edit); the personal lexicon is the user's, not the project's: it is saved to its file at once.
Every change emits ``changed``, which the panels and the editor's highlighting follow.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from studio.direction.cast import Cast
from studio.direction.lexicon import Lexicon, LexiconEntry, load_personal, merged, save_personal
from studio.direction.plan import Direction
from studio.errors import StudioError
from studio.project.model import Project
from studio.speech.voices import parse_voice
from studio.ui.scene_model import SceneModel


class DirectionModel(QObject):
    """Lexicon entries (project and personal) and the cast of the current project."""

    changed = Signal()

    def __init__(self, scenes: SceneModel, undo_stack: QUndoStack, personal_path: Path) -> None:
        super().__init__()
        self._scenes = scenes
        self.undo_stack = undo_stack
        self.personal_path = personal_path
        self.personal_error: StudioError | None = None
        try:
            self.personal = load_personal(personal_path)
        except StudioError as exc:  # kept on disk as it is; shown, and not overwritten
            self.personal_error = exc
            self.personal = Lexicon()
        scenes.modelReset.connect(self.changed)

    @property
    def project(self) -> Project:
        return self._scenes.project

    @property
    def scenes(self) -> SceneModel:
        return self._scenes

    def direction(self) -> Direction:
        return self.project.direction(self.personal)

    def entries(self) -> list[tuple[LexiconEntry, bool]]:
        """(entry, is personal) for every entry, project first; hidden personal ones too."""
        return [(e, False) for e in self.project.lexicon] + [(e, True) for e in self.personal]

    def in_force(self) -> tuple[LexiconEntry, ...]:
        return merged(self.project.lexicon, self.personal)

    # --- changes ----------------------------------------------------------------------------

    def put_entry(
        self, entry: LexiconEntry, personal: bool, replacing: LexiconEntry | None = None
    ) -> None:
        """Add ``entry`` (or put it in place of ``replacing``) in the project or personal lexicon."""
        if personal:
            self._change_personal(lambda lexicon: _replace(lexicon, replacing, entry))
        else:
            self.undo_stack.push(_PutEntry(self, entry, replacing))

    def remove_entry(self, entry: LexiconEntry, personal: bool) -> None:
        if personal:
            self._change_personal(lambda lexicon: _replace(lexicon, entry, None))
        else:
            self.undo_stack.push(_PutEntry(self, None, entry))

    def set_cast(self, name: str, voice: str) -> None:
        """Give ``name`` a voice (checked first: a refusal changes nothing)."""
        trial = Cast(dict(self.project.cast.members))
        trial.set(name, voice)
        self.undo_stack.push(_SetCast(self, trial.members, f"Set Voice of {name}"))

    def remove_cast(self, name: str) -> None:
        trial = Cast(dict(self.project.cast.members))
        if trial.remove(name):
            self.undo_stack.push(_SetCast(self, trial.members, f"Remove {name} from the Cast"))

    def set_dialogue_voice(self, voice: str) -> None:
        """Read quoted speech with ``voice`` ("" : as narration); checked first."""
        if voice:
            parse_voice(voice)
        text = f"Read Quotes with {voice}" if voice else "Read Quotes as Narration"
        self.undo_stack.push(_SetAttribute(self, "dialogue_voice", voice, text))

    def set_reviewed(self, word: str, reading: str | None) -> None:
        """Keep ``reading`` of ``word`` as reviewed in the project, or (None) forget it."""
        reviewed = dict(self.project.reviewed)
        if reading is None:
            reviewed.pop(word.casefold(), None)
        else:
            reviewed[word.casefold()] = reading
        text = f"Mark “{word}” Reviewed" if reading else f"Unmark “{word}”"
        self.undo_stack.push(_SetAttribute(self, "reviewed", reviewed, text))

    def _change_personal(self, change: object) -> None:
        if self.personal_error is not None:
            raise self.personal_error  # never overwrite a file we could not read
        trial = Lexicon(list(self.personal.entries))
        change(trial)  # type: ignore[operator]
        save_personal(trial, self.personal_path)
        self.personal = trial
        self.changed.emit()


def _replace(lexicon: Lexicon, old: LexiconEntry | None, new: LexiconEntry | None) -> None:
    if old is not None and old in lexicon.entries:
        index = lexicon.entries.index(old)
        del lexicon.entries[index]
        if new is not None:
            lexicon.add(new)
            moved = lexicon.entries.pop(lexicon.entries.index(new))
            lexicon.entries.insert(min(index, len(lexicon.entries)), moved)
    elif new is not None:
        lexicon.add(new)


class _PutEntry(QUndoCommand):
    def __init__(
        self, model: DirectionModel, new: LexiconEntry | None, old: LexiconEntry | None
    ) -> None:
        subject = new or old
        word = subject.word if subject is not None else ""
        super().__init__(f"Remove Pronunciation of {word}" if new is None else f"Pronounce {word}")
        self.model = model
        self.before = list(model.project.lexicon.entries)
        trial = Lexicon(list(self.before))
        _replace(trial, old, new)
        self.after = trial.entries

    def redo(self) -> None:
        self.model.project.lexicon.entries = list(self.after)
        self.model.changed.emit()

    def undo(self) -> None:
        self.model.project.lexicon.entries = list(self.before)
        self.model.changed.emit()


class _SetCast(QUndoCommand):
    def __init__(self, model: DirectionModel, members: dict[str, str], text: str) -> None:
        super().__init__(text)
        self.model = model
        self.before = dict(model.project.cast.members)
        self.after = dict(members)

    def redo(self) -> None:
        self.model.project.cast.members = dict(self.after)
        self.model.changed.emit()

    def undo(self) -> None:
        self.model.project.cast.members = dict(self.before)
        self.model.changed.emit()


class _SetAttribute(QUndoCommand):
    """An undoable change of one of the project's direction settings."""

    def __init__(self, model: DirectionModel, name: str, value: object, text: str) -> None:
        super().__init__(text)
        self.model, self.name = model, name
        self.before = copy.copy(getattr(model.project, name))
        self.after = value

    def redo(self) -> None:
        setattr(self.model.project, self.name, copy.copy(self.after))
        self.model.changed.emit()

    def undo(self) -> None:
        setattr(self.model.project, self.name, copy.copy(self.before))
        self.model.changed.emit()
