"""Project safety in the studio: one window (or command) writes a project at a time, with a clear
choice when a second one wants it; earlier versions can be restored from File ▸ Revert to…
(issue 13, "two instances on one project" and "one backup, two seconds old")."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.errors import EXIT_CODES, ErrorCode
from studio.project.lock import LOCK_FILE
from studio.project.model import Project, Scene
from studio.project.snapshots import list_snapshots
from studio.settings import Settings
from studio.ui.config import StudioConfig
from tests.conftest import run_cli
from tests.ui.drive import press, type_into, when_modal


def make_project(config: StudioConfig, scenes: list[Scene]) -> Path:
    folder = config.documents_dir / "Narration Studio" / "Harbor"
    Project.create(folder, "Harbor", scenes)
    Settings(recent_projects=[str(folder)]).save(config.settings_path)
    return folder


def texts(folder: Path) -> list[str]:
    return [s["text"] for s in json.loads((folder / "project.json").read_text())["scenes"]]


def test_a_second_window_asks_before_taking_a_project_and_the_first_stops_saving_it(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    folder = make_project(studio_config, [Scene("The first window's text.", "One")])
    first = make_window(studio_config)
    assert first.session.project.folder == folder
    assert json.loads((folder / LOCK_FILE).read_text())["pid"] == os.getpid()

    # A second window starts on a new project instead, and says why.
    second = make_window(studio_config)
    assert second.session.project.folder != folder
    assert "is open in Narration Studio" in second.scene_banner.text()

    # Asked to open it, it says who has it and lets the user choose; Cancel changes nothing.
    questions: list[str] = []

    def answer(button: str) -> Callable[[Any], None]:
        def click(box: Any) -> None:
            questions.append(box.text())
            chosen = next(b for b in box.buttons() if b.text().replace("&", "") == button)
            chosen.click()

        return click

    when_modal(answer("Cancel"))
    assert not second.open_project(folder)
    assert "is open in Narration Studio (process" in questions[0]
    when_modal(answer("Open Here Anyway"))
    assert second.open_project(folder)
    assert second.session.project.folder == folder

    # The first window no longer writes the project, and says so instead of overwriting it.
    type_into(qtbot, first.editor.text, " Typed after the other window took over.")
    warnings: list[str] = []

    def read(box: Any) -> None:
        warnings.append(box.text())
        box.accept()

    when_modal(read)
    press(qtbot, first.editor.text, "Ctrl+S")
    assert "no longer saves it" in warnings[0] and "Save As" in warnings[0]
    assert texts(folder) == ["The first window's text."]
    type_into(qtbot, second.editor.text, " Second.")
    press(qtbot, second.editor.text, "Ctrl+S")
    assert texts(folder) == ["The first window's text. Second."]
    second.close()
    assert not (folder / LOCK_FILE).exists()  # closing lets others have it


def test_a_command_line_render_is_refused_while_the_studio_has_the_project(
    qtbot: Any,
    make_window: Callable[..., Any],
    studio_config: StudioConfig,
    cli_env: dict[str, str],
) -> None:
    folder = make_project(studio_config, [Scene("Hello.", "One")])
    window = make_window(studio_config)
    result = run_cli(["render", str(folder)], cli_env)
    assert result.returncode == EXIT_CODES[ErrorCode.PROJECT_LOCKED], result.stderr
    said = " ".join(result.stderr.split())
    assert "is open in Narration Studio" in said and "Ctrl+E exports" in said
    assert not (folder / "audio").exists()
    window.close()
    assert run_cli(["snapshots", str(folder)], cli_env).returncode == 0


def test_revert_to_an_earlier_version_and_undo_it(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    folder = make_project(studio_config, [Scene("Version one.", "One")])
    project = Project.load(folder)
    project.scenes.append(Scene("Version two adds a scene.", "Two"))
    project.save()  # the first version is now a snapshot
    window = make_window(studio_config)
    assert len(window.session.project.scenes) == 2

    def choose_oldest(dialog: Any) -> None:
        dialog.list.setCurrentRow(dialog.list.count() - 1)
        dialog.revert_button.click()

    when_modal(choose_oldest)
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    [revert] = [a for a in file_menu.actions() if a.text() == "Re&vert to…"]
    revert.trigger()
    assert [s.text for s in window.session.project.scenes] == ["Version one."]
    assert window.editor.text.toPlainText() == "Version one."
    assert texts(folder) == ["Version one."]  # saved at once
    # The version it replaced was kept as a snapshot, and one undo takes the revert back.
    assert any("Version two adds a scene." in s.path.read_text() for s in list_snapshots(folder))
    assert window.session.undo_stack.undoText().startswith("Revert to ")
    press(qtbot, window.scene_list.view, "Ctrl+Z")
    assert [s.title for s in window.session.project.scenes] == ["One", "Two"]
