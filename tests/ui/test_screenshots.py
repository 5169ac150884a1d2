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


def test_the_docs_picture_script_drives_the_real_studio(tmp_path: Path, model_dir: Path) -> None:
    """scripts/screenshots.py, as the docs say to run it: on a virtual X server (xcb) where one
    is installed, else offscreen; its own process, its own model load."""
    import os
    import shutil
    import subprocess
    import sys

    script = [sys.executable, str(ARTIFACTS.parent / "scripts" / "screenshots.py")]
    args = ["--model-dir", str(model_dir), "--out", str(tmp_path), "--timeout", "300"]
    env = dict(os.environ)
    if shutil.which("xvfb-run"):
        env.pop("QT_QPA_PLATFORM", None)
        command = ["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", *script, *args]
    else:
        command = [*script, *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    from PySide6.QtGui import QImage

    picture = QImage(str(tmp_path / "studio.png"))
    assert (picture.width(), picture.height()) == (1280, 780)
    assert (tmp_path / "studio.png").stat().st_size > 50_000  # a drawn window, not a blank one
