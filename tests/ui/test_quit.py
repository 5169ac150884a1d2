"""Quitting always ends the studio at once: Ctrl+Q works from any of its windows, an export under
way is cancelled (finished MP3s kept, nothing half-written left), and a model that is still
downloading is not waited for (issue 15, item 7; issue 13, "quitting can hang")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from studio.project.model import Project, Scene
from studio.render.events import SceneProgress
from studio.settings import Settings
from studio.ui.config import StudioConfig
from tests.audio_checks import assert_mp3_spec
from tests.fake_hub import send_hub_headers
from tests.ui.drive import click, press

LONG = (
    "The harbor was quiet before dawn. Gulls circled over the empty boats. "
    "A bell rang twice from the old church. Then the first fishermen arrived."
)


def open_project(config: StudioConfig, scenes: list[Scene]) -> Path:
    folder = config.documents_dir / "Narration Studio" / "Harbor"
    Project.create(folder, "Harbor", scenes)
    Settings(recent_projects=[str(folder)]).save(config.settings_path)
    return folder


def test_ctrl_q_quits_from_the_export_window_after_a_failed_export(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    open_project(studio_config, [Scene(title="Dots", text="... !!! ???")])
    window = make_window(studio_config)
    press(qtbot, window.scene_list.view, "Ctrl+E")
    dialog = window.export_dialog
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=120_000)
    assert dialog.isVisible()  # it says why the scene failed, and has the focus

    press(qtbot, dialog.cancel_button, "Ctrl+Q")
    assert not window.isVisible() and not dialog.isVisible()


def test_ctrl_q_during_an_export_closes_at_once_and_leaves_no_partial_file(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    folder = open_project(studio_config, [Scene(title=f"Part {n}", text=LONG) for n in (1, 2, 3)])
    window = make_window(studio_config)
    press(qtbot, window.scene_list.view, "Ctrl+E")
    dialog = window.export_dialog
    click(qtbot, dialog.export_button)
    sentences: list[object] = []
    window.worker.progress.connect(
        lambda _job, event: sentences.append(event) if isinstance(event, SceneProgress) else None
    )
    qtbot.waitUntil(lambda: len(sentences) >= 1, timeout=120_000)

    press(qtbot, window.scene_list.view, "Ctrl+Q")  # the export window is open beside it
    assert not window.isVisible() and not dialog.isVisible()
    # the export's end reaches the hidden dialog as a queued event, once the engine has stopped
    qtbot.waitUntil(lambda: not window.engine_running() and bool(dialog.outcome), timeout=120_000)
    assert dialog.outcome == "cancelled"
    audio = folder / "audio"
    assert not [p.name for p in audio.iterdir() if p.name.startswith(".ns-tmp-")]
    for mp3 in audio.glob("*.mp3"):  # only whole files: each one decodes to the end
        assert_mp3_spec(mp3)
    assert len(list(audio.glob("*.mp3"))) < 3  # it did not wait for the export to finish


# --- quitting during the first run's model download, in a real process ---------------------


class StalledHub(BaseHTTPRequestHandler):
    """Answers like the Hugging Face hub; the weights arrive for a while, then stall until the
    test ends, as on a slow connection. Every other file is served whole."""

    files: ClassVar[dict[str, bytes]] = {}
    weights_size = 327_000_000
    release = threading.Event()
    weights_requested = threading.Event()

    def _headers(self, name: str) -> None:
        if name.endswith(".pth"):
            send_hub_headers(self, name, self.weights_size)
        else:
            data = self.files.get(name)
            send_hub_headers(self, name, None if data is None else len(data))

    def do_HEAD(self) -> None:
        self._headers(self.path.rsplit("/resolve/main/", 1)[-1])

    def do_GET(self) -> None:
        name = self.path.rsplit("/resolve/main/", 1)[-1]
        self._headers(name)
        if not name.endswith(".pth"):
            self.wfile.write(self.files.get(name, b""))
            return
        self.weights_requested.set()
        try:
            for _ in range(4):
                self.wfile.write(b"\0" * 256 * 1024)
                self.wfile.flush()
            self.release.wait(600)
        except OSError:  # the studio went away, as it should
            pass

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def stalled_hub(model_dir: Path) -> Iterator[str]:
    StalledHub.files = {"config.json": (model_dir / "config.json").read_bytes()}
    StalledHub.release.clear()
    StalledHub.weights_requested.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), StalledHub)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    StalledHub.release.set()
    server.shutdown()
    server.server_close()


def test_quitting_during_the_first_download_ends_the_process_and_leaves_no_partial_file(
    tmp_path: Path, stalled_hub: str
) -> None:
    hf_home = tmp_path / "hf"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("HF_", "NARRATION_STUDIO_"))},
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DOCUMENTS_DIR": str(tmp_path / "Documents"),
        "HF_HOME": str(hf_home),
        "HF_ENDPOINT": stalled_hub,
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_XET": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "studio", "-v"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert StalledHub.weights_requested.wait(120), "the studio never asked for the weights"
        deadline = time.monotonic() + 60
        while not list(hf_home.rglob("*.incomplete")):
            assert time.monotonic() < deadline, "no partial download appeared"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)  # a logout; Ctrl+Q takes the same way out
        code = process.wait(timeout=60)  # the download would never have finished
    finally:
        if process.poll() is None:
            process.kill()
        stderr = process.communicate()[1]
    assert code == 0, stderr
    assert not StalledHub.release.is_set()  # the weights never finished downloading
    assert list(hf_home.rglob("*.incomplete")) == [], stderr
    assert "Traceback" not in stderr and "QThread" not in stderr, stderr
    assert "Removed the partial download" in stderr


def test_a_logout_while_the_save_question_is_open_saves_and_quits(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    folder = open_project(studio_config, [Scene(title="Harbor", text="The harbor was quiet.")])
    window = make_window(studio_config)
    scene_id = window.session.project.scenes[0].id
    window.session.model.edit(scene_id, "text", "The harbor was never quiet.")
    asked: list[str] = []

    def logout() -> None:  # what SIGTERM does, while "Save the changes first?" waits
        question = QApplication.activeModalWidget()
        asked.append(question.windowTitle() if question is not None else "")
        window.save_and_quit()

    QTimer.singleShot(300, logout)
    window.close()  # asks about the unsaved change, and would wait for an answer
    assert asked == ["Unsaved Changes"]
    assert not window.isVisible()
    assert Project.load(folder).scenes[0].text == "The harbor was never quiet."
