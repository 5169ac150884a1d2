"""Take the docs' picture of the real studio: a sample project open, its model loaded, a scene
selected. Run it on a virtual X server, so the pictures are drawn as on
a desktop (the xcb platform users get):

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots.py \
        --model-dir ~/.cache/narration-studio-test/model

It writes docs/images/studio.png (or into --out). Settings and
documents go to a temporary folder: the user's own are never touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"

SCENES = [
    (
        "Cold open",
        "The harbor was quiet before dawn. Gulls circled over the empty boats.",
        "am_michael",
    ),
    (
        "The storm",
        "By noon the sky had turned the colour of slate. Old Tomas tied down the nets twice, "
        "then a third time, because his father had always done it that way.\n\n"
        "TOMAS: Help me with this rope. [pause 1s]\nANNA: It will hold.",
        "bf_emma",
    ),
    ("Morning after", "Morning came slowly over the water.", "sarah"),
]


def take(out: Path, model_dir: str | None, timeout: float) -> list[Path]:
    """Open the studio on a sample project and save its picture into ``out``."""
    home = Path(tempfile.mkdtemp(prefix="narration-studio-shots-"))
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["HF_HUB_OFFLINE"] = "1"
    from PySide6.QtCore import QCoreApplication

    from studio.direction.cast import Cast
    from studio.project.model import Project, Scene
    from studio.settings import Settings
    from studio.ui.app import create_application
    from studio.ui.config import StudioConfig
    from studio.ui.main_window import MainWindow

    app = create_application([])
    folder = home / "Documents" / "Narration Studio" / "Harbor Documentary"
    scenes = [Scene(text, title, voice=voice) for title, text, voice in SCENES]
    project = Project.create(folder, "Harbor Documentary", scenes, author="Ann Lee")
    project.cast = Cast({"TOMAS": "am_michael", "ANNA": "af_bella"})
    project.save()
    config = StudioConfig(
        settings_path=home / "config" / "narration-studio" / "settings.json",
        documents_dir=home / "Documents",
        model_dir=model_dir,
    )
    Settings(recent_projects=[str(folder)]).save(config.settings_path)
    window = MainWindow(config)
    window.resize(1280, 780)
    window.show()

    def settle(until: float, done: object = None) -> None:
        while time.monotonic() < until and not (callable(done) and done()):
            QCoreApplication.processEvents()
            time.sleep(0.02)

    settle(time.monotonic() + timeout, lambda: window.status.state in ("ready", "error"))
    if window.status.state != "ready":
        raise SystemExit(f"The model did not load within {timeout:.0f} s: {window.status.text()}")
    window.scene_list.select_row(1)
    settle(time.monotonic() + 0.5)
    out.mkdir(parents=True, exist_ok=True)
    shots = [out / "studio.png"]
    if not window.grab().save(str(shots[0])):
        raise SystemExit(f"Could not save {shots[0]}")
    window.session.undo_stack.setClean()
    window.close()
    app.processEvents()
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", help="a local Kokoro model folder (else the hub's cache)")
    parser.add_argument("--out", type=Path, default=IMAGES, help="where to save the picture")
    parser.add_argument("--timeout", type=float, default=180, help="seconds to wait for the model")
    args = parser.parse_args()
    for shot in take(args.out, args.model_dir, args.timeout):
        print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
