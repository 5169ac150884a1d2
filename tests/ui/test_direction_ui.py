"""Directing the read in the studio, on the real engine and real sound: the lexicon panel, Fix
Pronunciation… from a selected word, the cast panel, highlighting, and follow-along. Screenshots
go to test-artifacts/ to be looked at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QDialogButtonBox

from studio.direction.lexicon import LexiconEntry
from studio.ui.lexicon_panel import EntryDialog
from tests.ui.conftest import PulseServer
from tests.ui.drive import choose_in_combo, click, press, type_into, when_modal

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def fill_entry(qtbot: Any, pronunciation: str, phonemes: bool = False, shot: str = "") -> None:
    """Answer the next entry dialog as a user: type the pronunciation, press OK."""

    def answer(dialog: Any) -> None:
        assert isinstance(dialog, EntryDialog)
        if phonemes:
            click(qtbot, dialog.phonemes)
        dialog.pronunciation.clear()
        dialog.pronunciation.insert(pronunciation)  # pasted: QTest types ASCII keys only
        if shot:
            ARTIFACTS.mkdir(exist_ok=True)
            dialog.grab().save(str(ARTIFACTS / shot))
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        click(qtbot, ok)

    when_modal(answer)


def show_dock(window: Any, name: str) -> None:
    from PySide6.QtWidgets import QDockWidget

    dock = window.findChild(QDockWidget, name)
    dock.raise_()


def test_lexicon_panel_adds_edits_searches_listens_and_deletes(
    qtbot: Any, window: Any, hear: Callable[[Callable[[], None]], str]
) -> None:
    panel = window.lexicon_panel
    show_dock(window, "lexiconDock")
    fill_entry(qtbot, "tomorrow")
    type_into(qtbot, window.editor.text, "I will call you glimbus.")
    panel.open_dialog("glimbus", None, False)
    assert [(e.word, e.say) for e in window.session.project.lexicon] == [("glimbus", "tomorrow")]
    assert panel.table.rowCount() == 1 and panel.table.item(0, 1).text() == "tomorrow"
    assert window.session.dirty  # an undoable project change, autosaved like any edit

    # A bad phoneme keeps the dialog open and says which symbol; nothing changes.
    def bad_then_cancel(dialog: Any) -> None:
        click(qtbot, dialog.phonemes)
        dialog.pronunciation.setText("ɡlˈɪmbəs'")
        click(qtbot, dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok))
        assert dialog.isVisible()
        assert 'use "\'" (U+0027) at position 9' in dialog.problem.text()
        dialog.grab().save(str(ARTIFACTS / "lexicon_entry_refused.png"))
        dialog.reject()

    ARTIFACTS.mkdir(exist_ok=True)
    when_modal(bad_then_cancel)
    panel.table.selectRow(0)
    click(qtbot, panel.edit_button)
    assert window.session.project.lexicon.entries[0].say == "tomorrow"

    # Search filters; Listen plays the entry in the scene's voice, then from memory.
    type_into(qtbot, panel.search, "zzz")
    assert panel.table.isRowHidden(0)
    panel.search.clear()
    assert not panel.table.isRowHidden(0)
    panel.table.selectRow(0)
    heard = hear(lambda: click(qtbot, panel.listen_button))
    assert "tomorrow" in heard.split(), heard
    synthesized: list[Any] = []
    window.worker.chunk_ready.connect(lambda _job, chunk: synthesized.append(chunk))
    with qtbot.waitSignal(window.player.stopped, timeout=30_000):
        click(qtbot, panel.listen_button)
        assert not window.listener.synthesizing
    assert synthesized == []
    window.grab().save(str(ARTIFACTS / "lexicon_panel.png"))

    press(qtbot, window.editor.text, "Ctrl+Z")
    assert len(window.session.project.lexicon) == 0 and panel.table.rowCount() == 0
    press(qtbot, window.editor.text, "Ctrl+Shift+Z")
    assert len(window.session.project.lexicon) == 1
    panel.table.selectRow(0)
    click(qtbot, panel.delete_button)
    assert len(window.session.project.lexicon) == 0


def test_fix_pronunciation_from_a_selected_word_adds_the_entry_and_plays_its_sentence(
    qtbot: Any, window: Any, hear: Callable[[Callable[[], None]], str]
) -> None:
    text = "Pick up the vexnor. The weather was cold and grey all day long."
    type_into(qtbot, window.editor.text, text)
    cursor = window.editor.text.textCursor()
    cursor.setPosition(text.index("vexnor"))
    cursor.setPosition(text.index("vexnor") + len("vexnor"), QTextCursor.MoveMode.KeepAnchor)
    window.editor.text.setTextCursor(cursor)
    heard_chunks: list[Any] = []
    window.listener.chunk_heard.connect(heard_chunks.append)

    def fix_and_play() -> None:
        heard_chunks.clear()
        fill_entry(qtbot, "tˈɛləfˌOn", phonemes=True, shot="fix_pronunciation.png")
        press(qtbot, window.editor.text, "Ctrl+Shift+P")

    heard = hear(fix_and_play)
    (entry,) = window.session.project.lexicon
    assert (entry.word, entry.ipa) == ("vexnor", "tˈɛləfˌOn")
    assert "telephone" in heard.split(), heard
    # Only the word's sentence was played, at once: not the rest of the scene.
    assert [c.text for c in heard_chunks] == ["Pick up the vexnor."]
    window.grab().save(str(ARTIFACTS / "fix_pronunciation_window.png"))


def test_follow_along_highlights_what_is_heard_and_double_click_plays_from_a_sentence(
    qtbot: Any, window: Any, pulse: PulseServer
) -> None:
    text = "The tide came in. [pause 0.5s] Boats rocked at the quay.\nThen the town woke up."
    click(qtbot, window.editor.text)
    window.editor.text.insertPlainText(text)  # pasted: QTest types no line breaks
    seen: list[tuple[Any, Any]] = []
    window.follow.moved.connect(lambda sentence, word: seen.append((sentence, word)))
    shots: list[bool] = []

    def shoot(sentence: Any, word: Any) -> None:
        if word and text[word[0] : word[1]] == "rocked" and not shots:
            shots.append(window.editor.grab().save(str(ARTIFACTS / "follow_along.png")))

    window.follow.moved.connect(shoot)
    with qtbot.waitSignal(window.player.stopped, timeout=180_000):
        press(qtbot, window.editor.text, "Ctrl+Return")
    sentences = [text[s[0] : s[1]] for s, _w in seen if s]
    assert sentences[0] == "The tide came in."
    assert "Boats rocked at the quay." in sentences and sentences[-1] == "Then the town woke up."
    words = [text[w[0] : w[1]] for _s, w in seen if w]
    assert {"tide", "rocked", "town"} <= set(words), words
    for sentence, word in seen:
        if word:
            assert sentence[0] <= word[0] < word[1] <= sentence[1]
    assert seen[-1] == (None, None)  # cleared when the sound ends
    assert shots == [True]

    # Double-click the last sentence: it plays from there (from memory: heard whole above).
    heard: list[Any] = []
    window.listener.chunk_heard.connect(heard.append)
    seen.clear()
    cursor = window.editor.text.textCursor()
    cursor.setPosition(text.index("woke"))
    point = window.editor.text.cursorRect(cursor).center()
    with qtbot.waitSignal(window.player.stopped, timeout=180_000):
        qtbot.mouseDClick(window.editor.text.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert heard and heard[0].text == "Then the town woke up." and heard[0].start == 0.0
    assert next(text[s[0] : s[1]] for s, _w in seen if s) == "Then the town woke up."


def test_cast_panel_and_highlighting(qtbot: Any, window: Any) -> None:
    show_dock(window, "castDock")
    panel = window.cast_panel
    type_into(qtbot, panel.name, "Alice")
    choose_in_combo(qtbot, panel.voice, "af_bella")
    click(qtbot, panel.add_button)
    assert window.session.project.cast.members == {"Alice": "af_bella"}
    # A name with no voice is refused, with the reason; nothing changes.
    type_into(qtbot, panel.name, "Bob")
    click(qtbot, panel.add_button)
    assert "Cast member 'Bob' has no voice" in window.status.text()
    assert window.session.project.cast.members == {"Alice": "af_bella"}
    # The voice of quoted speech, undoable like the cast.
    choose_in_combo(qtbot, panel.dialogue, "am_michael")
    assert window.session.project.dialogue_voice == "am_michael"
    press(qtbot, panel.table, "Ctrl+Z")
    assert window.session.project.dialogue_voice == ""
    assert panel.dialogue.currentData() == ""

    window.direction.put_entry(LexiconEntry("Worcester", ipa="wˈʊstəɹ"), personal=False)
    click(qtbot, window.editor.text)
    window.editor.text.insertPlainText(
        "ALICE: We reached Worcester at noon. [pause 1s]\nSay [tomato](/təmˈɑːtO/), "
        "not this [aside]."
    )
    highlighter = window.highlighter
    assert highlighter.problem is not None and highlighter.problem.line == 2
    qtbot.wait(100)
    window.grab().save(str(ARTIFACTS / "direction_highlighting.png"))
    formats = window.editor.text.document().firstBlock().layout().formats()
    colors = {f.format.foreground().color().name() for f in formats}
    assert {"#0b6e75", "#1f5fa8", "#7a4cc2"} <= colors  # speaker, lexicon word, tag

    # A label in capitals that the cast does not know is struck through: it will not be spoken.
    window.editor.text.moveCursor(QTextCursor.MoveOperation.End)
    window.editor.text.insertPlainText("\nNARRATOR: Nobody said a word.")
    qtbot.wait(50)
    last = window.editor.text.document().lastBlock().layout().formats()
    struck = [f for f in last if f.format.fontStrikeOut()]
    assert [(f.start, f.length) for f in struck] == [(0, len("NARRATOR: "))]


def test_review_panel_lists_listens_fixes_and_keeps_what_was_reviewed(
    qtbot: Any, window: Any, hear: Callable[[Callable[[], None]], str]
) -> None:
    from studio.project.model import Project

    type_into(qtbot, window.editor.text, "Qorvath walked to the harbor. The wind was cold.")
    panel = window.review_panel
    show_dock(window, "reviewDock")
    qtbot.waitUntil(lambda: any(e.word == "Qorvath" for e in panel.entries), timeout=30_000)
    row = next(i for i, e in enumerate(panel.entries) if e.word == "Qorvath")
    assert panel.table.item(row, 1).text() == "KOR-vath"
    assert panel.table.item(row, 2).text() == "guessed"
    panel.table.selectRow(row)
    assert panel.details.text().startswith("/kˈɔɹvæθ/ · ×1 · “Qorvath walked to the harbor.”")
    window.grab().save(str(ARTIFACTS / "review_panel.png"))

    heard = hear(lambda: click(qtbot, panel.listen_button))
    # the word in its sentence, not the rest of the scene ("harbor" or "harbour", as ASR spells)
    assert "walk" in heard and "harbo" in heard and "cold" not in heard, heard

    opened: list[str] = []

    def look_and_cancel(dialog: Any) -> None:
        assert isinstance(dialog, EntryDialog)
        opened.append(dialog.word.text())
        # the reading now, beside the one being typed
        qtbot.waitUntil(lambda: "KOR-vath" in dialog.now_reading.text(), timeout=10_000)
        assert "/kˈɔɹvæθ/" in dialog.now_reading.text()
        dialog.grab().save(str(ARTIFACTS / "fix_pronunciation_reading_now.png"))
        dialog.reject()

    when_modal(look_and_cancel)
    click(qtbot, panel.fix_button)
    assert opened == ["Qorvath"]

    click(qtbot, panel.reviewed_button)
    assert window.session.project.is_reviewed("Qorvath", panel.entries[row].reading)
    assert panel.table.item(row, 2).text() == "guessed ✓"
    window.session.save()
    reopened = Project.load(window.session.project.folder)
    assert reopened.is_reviewed("Qorvath", panel.entries[row].reading)
