"""The studio window at twice the scale, in a process of its own (QT_SCALE_FACTOR is read when Qt
starts): run by tests/ui/test_layout.py as ``python -m tests.ui.scaled_window OUT_DIR``.

No model is loaded (its folder does not exist), so it starts in seconds; the window then shows
its error state too, a long message with a button, which is worth checking at 2× anyway. Prints
a JSON list of the texts that do not fit and saves a screenshot per size into OUT_DIR.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def main(out: Path) -> int:
    from studio.project.model import Project, Scene
    from studio.settings import Settings
    from studio.ui.app import create_application
    from studio.ui.config import StudioConfig
    from studio.ui.main_window import MainWindow
    from tests.ui.layout_checks import clipped_texts
    from tests.ui.test_screenshots import SCENES

    app = create_application([])
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as home:
        config = StudioConfig(
            settings_path=Path(home) / "settings.json",
            documents_dir=Path(home) / "Documents",
            model_dir=str(Path(home) / "no-model"),
        )
        folder = config.documents_dir / "Narration Studio" / "Harbor Documentary"
        Project.create(folder, "Harbor Documentary", [Scene(**vars(s)) for s in SCENES])
        Settings(recent_projects=[str(folder)]).save(config.settings_path)
        window = MainWindow(config)
        window.show()
        deadline = time.monotonic() + 60
        while window.status.state != "error" and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        window.scene_list.select_row(1)
        window.preview_scene()  # fails: the banner says why the model is not loaded
        deadline = time.monotonic() + 60
        while not window.scene_banner.text() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        least = window.minimumSize()
        for width, height in ((least.width(), least.height()), (1280, 800)):
            window.resize(width, height)
            found = _settled(app, window, clipped_texts)
            problems += [f"{width}×{height} at 2×: {p}" for p in found]
            window.grab().save(str(out / f"layout-2x-{width}x{height}.png"))
        window.session.undo_stack.setClean()
        window.close()
    print(json.dumps(problems))
    return 0


def _settled(app: Any, window: Any, check: Any) -> list[str]:
    """The check's findings once the layout has settled: laying out after a resize takes a few
    rounds of events, more on a busy machine; a text that stays cut is reported after 5 s."""
    deadline = time.monotonic() + 5
    while True:
        app.processEvents()
        found: list[str] = check(window)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
