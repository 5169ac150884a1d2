"""The studio on an HTTP server: it connects, exports through the server, says so clearly when the
server goes away, and its "Use Local Model" button brings the local model back."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from studio.ui.config import StudioConfig
from studio.ui.export_dialog import ExportDialog
from tests.audio_checks import assert_mp3_spec
from tests.http_server import free_port, running_server, stop
from tests.ui.drive import click, type_into

pytestmark = pytest.mark.model

TEXT = "The boats come home at dusk."


def export_all(qtbot: Any, window: Any) -> ExportDialog:
    click(qtbot, window.toolbar.widgetForAction(window.export_all_action))
    dialog: ExportDialog = window.export_dialog
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=300_000)
    return dialog


def test_export_through_a_server_that_then_goes_away(
    qtbot: Any,
    make_window: Callable[..., Any],
    studio_config: StudioConfig,
    tmp_path: Path,
    model_dir: Path,
    onnx_durations_cache: Path,
) -> None:
    with running_server(tmp_path / "server", model_dir, onnx_durations_cache) as server:
        window = make_window(dataclasses.replace(studio_config, server=server.url))
        assert window.status.text() == f"Ready — speaking through the server at {server.url}"
        assert window.status.detail.text().startswith("Kokoro-82M · server 127.0.0.1:")
        type_into(qtbot, window.editor.text, TEXT)
        dialog = export_all(qtbot, window)
        assert dialog.outcome == "finished", dialog.message.text()
        audio = window.session.project.folder / "audio" / "01-scene-1.mp3"
        assert assert_mp3_spec(audio) > 1.0
        assert "Synthesizing text (28 characters)" in server.log()  # the server did it
        dialog.accept()
        stop(server)

    type_into(qtbot, window.editor.text, " Then the lights go out.")
    dialog = export_all(qtbot, window)
    assert dialog.outcome == "failed"
    dialog.accept()
    assert window.status.state == "error"
    assert window.status.text().startswith(f"The server at {server.url} failed:")
    assert "not reachable" in window.status.text()
    assert window.status.action_button.isVisible()
    assert window.status.action_button.text() == "Use Local Model"

    click(qtbot, window.status.action_button)
    qtbot.waitUntil(lambda: window.status.state == "ready", timeout=120_000)
    assert window.status.text().startswith("Ready — model loaded")
    dialog = export_all(qtbot, window)
    assert dialog.outcome == "finished", dialog.message.text()
    assert assert_mp3_spec(audio) > 2.0


def test_an_unreachable_server_offers_the_local_model(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    window = make_window(dataclasses.replace(studio_config, server=url), wait_ready=False)
    qtbot.waitUntil(lambda: window.status.state == "error", timeout=120_000)
    assert window.status.text().startswith("Server not available:")
    assert "not reachable" in window.status.text()
    click(qtbot, window.status.action_button)
    qtbot.waitUntil(lambda: window.status.state == "ready", timeout=120_000)
    assert window.loader.server is None


def test_the_server_setting_is_used_when_no_option_is_given(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    from studio.settings import Settings

    url = f"http://127.0.0.1:{free_port()}"
    Settings(server=url).save(studio_config.settings_path)
    window = make_window(studio_config, wait_ready=False)
    qtbot.waitUntil(lambda: window.status.state == "error", timeout=120_000)
    assert window.loader.server == url
