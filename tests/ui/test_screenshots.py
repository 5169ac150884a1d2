"""Screenshots of the real window with a real project, saved under test-artifacts/ to look at."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.project.model import Project, Scene
from studio.settings import Settings
from studio.ui.config import StudioConfig

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

SCENES = [
    Scene(
        title="Cold open",
        text="The harbor was quiet before dawn. Gulls circled over the empty boats.",
        voice="am_michael",
    ),
    Scene(
        title="The storm",
        text=(
            "By noon the sky had turned the colour of slate. Old Tomas tied down the nets twice, "
            "then a third time, because his father had always done it that way.\n\n"
            "Nobody on the quay said a word. They all watched the water."
        ),
        voice="bf_emma",
        speed=0.95,
        pause_after=1.0,
    ),
    Scene(title="Morning after", text="Morning came slowly over the water.", voice="sarah"),
]


def test_screenshot_of_the_window_with_a_project(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    folder = studio_config.documents_dir / "Narration Studio" / "Harbor Documentary"
    Project.create(folder, "Harbor Documentary", [Scene(**vars(s)) for s in SCENES])
    settings = Settings(recent_projects=[str(folder)])
    settings.save(studio_config.settings_path)

    window = make_window(studio_config)
    assert window.session.project.title == "Harbor Documentary"
    window.scene_list.select_row(1)
    assert window.editor.title.text() == "The storm"
    assert window.voices.selected_spec() == "bf_emma"
    ARTIFACTS.mkdir(exist_ok=True)
    qtbot.wait(200)  # let pending layout and paint events run, as they would on screen
    shot = ARTIFACTS / "main_window.png"
    assert window.grab().save(str(shot))
    assert shot.stat().st_size > 20_000

    window.export(selected_only=False)
    dialog = window.export_dialog
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=300_000)
    assert dialog.outcome == "finished", dialog.message.text()
    assert dialog.grab().save(str(ARTIFACTS / "export_dialog.png"))
    dialog.accept()
