"""A user always learns why nothing happened: failed previews and plays say why, and how to fix
it, where the user is looking; a scene with nothing to voice says so; export goes on past a
failing scene and lists what failed (issue 15, items 1–3)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtWidgets import QDockWidget, QLabel, QWidget

from studio.ui.config import StudioConfig
from tests.ui.conftest import BROKEN_VOICE, PulseServer
from tests.ui.drive import click, press, type_into


def shown_in(area: QWidget, words: str) -> bool:
    """Whether a label the user can see inside ``area`` says ``words``."""
    return any(words in label.text() and label.isVisible() for label in area.findChildren(QLabel))


def test_a_failed_scene_preview_says_why_beside_the_scene_and_it_stays(
    qtbot: Any,
    make_window: Callable[..., Any],
    broken_voice_config: StudioConfig,
    pulse: PulseServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken_voice_config.autosave_ms = 200
    window = make_window(broken_voice_config)
    type_into(qtbot, window.editor.text, "This line cannot be heard.")
    window.session.model.edit(window.editor.scene_id, "voice", BROKEN_VOICE)
    editor_area = window.centralWidget()
    with caplog.at_level(logging.WARNING):
        press(qtbot, window.editor.text, "Ctrl+Return")
        qtbot.waitUntil(lambda: shown_in(editor_area, "could not be read"), timeout=60_000)
    assert shown_in(editor_area, "Download the model's voices again")  # the fix
    assert any("could not be read" in r.getMessage() for r in caplog.records)  # and the log
    assert window.listener.current is None and window.play_action.text() == "▶  Play Scene"
    fix = window.scene_banner.action_button
    assert fix.isVisible() and fix.text() == "Choose Model Folder…"

    # The status bar's notes come and go (an autosave here); the message beside the scene stays.
    qtbot.waitUntil(lambda: window.status.text() == "Autosaved", timeout=10_000)
    assert shown_in(editor_area, "could not be read")
    click(qtbot, window.scene_banner.close_button)
    assert not shown_in(editor_area, "could not be read")

    # Play Scene in the toolbar fails the same way, and says so again.
    click(qtbot, window.transport.button)
    qtbot.waitUntil(lambda: shown_in(editor_area, "could not be read"), timeout=60_000)


def test_a_failed_voice_preview_says_why_beside_the_voices(
    qtbot: Any,
    make_window: Callable[..., Any],
    broken_voice_config: StudioConfig,
    pulse: PulseServer,
) -> None:
    window = make_window(broken_voice_config)
    picker = window.voices
    type_into(qtbot, picker.search, "nicole")
    assert picker.selected_spec() == BROKEN_VOICE
    click(qtbot, picker.preview_button)
    voices_area = window.findChild(QDockWidget, "voicesDock")
    qtbot.waitUntil(lambda: shown_in(voices_area, "could not be read"), timeout=60_000)
    assert shown_in(voices_area, "Download the model's voices again")
    assert not shown_in(window.centralWidget(), "could not be read")
    assert picker.preview_button.text() == "▶  Preview"

    # Another voice works, and hearing it clears the old message.
    type_into(qtbot, picker.search, "\b" * 6 + "bella")
    with qtbot.waitSignal(window.player.started, timeout=120_000):
        click(qtbot, picker.preview_button)
    assert not shown_in(voices_area, "could not be read")
    window.listener.stop()


@pytest.mark.parametrize("text", ["😀🎉 👍", "... !!! ??? -- ;;"])
def test_a_scene_with_nothing_to_voice_says_so_instead_of_playing_noise(
    qtbot: Any, window: Any, pulse: PulseServer, text: str
) -> None:
    window.editor.text.setPlainText(text)
    started: list[bool] = []
    window.player.started.connect(lambda: started.append(True))
    press(qtbot, window.scene_list.view, "Space")
    assert shown_in(window.centralWidget(), "Nothing to voice in this scene")
    assert "Nothing to voice in this scene" in window.status.text()
    assert window.listener.current is None and started == []
