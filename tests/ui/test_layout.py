"""Every text can be read in full at the window's minimum size, on the common screens and at
twice the scale: labels, buttons, boxes, table cells, the scene list's second line, the playback
bar during a voice preview, the export dialog (issue 15, items 9 and 10). Each size is saved as
a screenshot under test-artifacts/ to look at."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from pytestqt.exceptions import TimeoutError as WaitTimeout

from studio.project.model import Project, Scene
from studio.settings import Settings
from studio.ui.config import StudioConfig
from tests.ui.conftest import PulseServer
from tests.ui.drive import click, type_into
from tests.ui.layout_checks import clipped_texts
from tests.ui.test_screenshots import SCENES

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
#: What the window opens at on a 1280×800 screen (nine tenths of it), and the issue's sizes.
SIZES = ((1152, 720), (1280, 800), (1920, 1080))


def open_harbor(config: StudioConfig, extra: list[Scene] | None = None) -> Path:
    folder = config.documents_dir / "Narration Studio" / "Harbor Documentary"
    Project.create(folder, "Harbor Documentary", [Scene(**vars(s)) for s in SCENES] + (extra or []))
    Settings(recent_projects=[str(folder)]).save(config.settings_path)
    return folder


def settled(qtbot: Any, widget: Any) -> list[str]:
    """What does not fit once the layout has settled (a few rounds of events after a resize,
    more on a busy machine); a text that stays cut is reported after 5 s."""
    with contextlib.suppress(WaitTimeout):
        qtbot.waitUntil(lambda: clipped_texts(widget) == [], timeout=5000)
    return clipped_texts(widget)


def test_every_text_fits_at_the_minimum_size_and_on_common_screens(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    open_harbor(studio_config)
    window = make_window(studio_config)
    window.scene_list.select_row(1)
    least = window.minimumSize()
    assert least.width() <= 1152 and least.height() <= 720  # opens whole on a 1280×800 screen
    ARTIFACTS.mkdir(exist_ok=True)
    problems = []
    for width, height in ((least.width(), least.height()), *SIZES):
        window.resize(width, height)
        qtbot.waitUntil(lambda w=width, h=height: (window.width(), window.height()) == (w, h))
        problems += [f"{width}×{height}: {p}" for p in settled(qtbot, window)]
        window.grab().save(str(ARTIFACTS / f"layout-{width}x{height}.png"))
    assert problems == [], "\n".join(problems)


def test_voice_counts_and_every_language_read_in_full(qtbot: Any, window: Any) -> None:
    picker = window.voices
    type_into(qtbot, picker.search, "gongitsune")
    assert picker.count.text() == "1 voice"
    picker.search.clear()
    picker.language.setCurrentIndex(picker.language.findData("z"))  # Mandarin Chinese
    assert picker.count.text() == "8 voices"
    assert settled(qtbot, picker) == []
    picker.language.setCurrentIndex(0)
    assert picker.count.text() == "60 voices" and settled(qtbot, picker) == []


def _seconds(clock: str) -> float:
    minutes, seconds = clock.split(":")
    return int(minutes) * 60 + float(seconds)


def test_the_playback_bar_agrees_with_its_clock_during_a_voice_preview(
    qtbot: Any, window: Any, pulse: PulseServer
) -> None:
    picker = window.voices
    picker.select_spec("af_bella")
    bar = window.transport.bar
    seen: list[tuple[float, float, float]] = []  # (bar's share, played, known) by its clock

    def look() -> None:
        match = re.match(r"(\d+:[\d.]+) / (\d+:[\d.]+)", bar.text())
        if match:
            seen.append((bar.value() / 1000, _seconds(match[1]), _seconds(match[2])))

    timer = QTimer(interval=70)
    timer.timeout.connect(look)
    timer.start()
    with qtbot.waitSignal(window.player.stopped, timeout=120_000):
        click(qtbot, picker.preview_button)
        qtbot.waitUntil(lambda: bar.value() > 0, timeout=120_000)
        assert settled(qtbot, window.transport) == []
        window.grab().save(str(ARTIFACTS / "layout-voice-preview.png"))
    timer.stop()
    assert len(seen) >= 5
    for share, played, known in seen:  # what the bar shows is what its clock says
        assert abs(share * known - played) <= 0.15, (share, played, known)


def test_the_export_dialog_shows_titles_statuses_and_file_names_in_full(
    qtbot: Any, make_window: Callable[..., Any], studio_config: StudioConfig
) -> None:
    long_title = "An epilogue with a rather long title, as narrators write them"
    open_harbor(studio_config, [Scene(title=long_title, text="The end.")])
    window = make_window(studio_config)
    window.export(selected_only=False)
    dialog = window.export_dialog
    files = [dialog.table.item(row, 5).text() for row in range(4)]
    assert files[3] == "04-an-epilogue-with-a-rather-long-title-as.mp3"  # shown before rendering
    assert settled(qtbot, dialog) == []
    click(qtbot, dialog.export_button)
    qtbot.waitUntil(lambda: dialog.outcome != "", timeout=300_000)
    assert dialog.outcome == "finished", dialog.message.text()
    assert settled(qtbot, dialog) == []
    ARTIFACTS.mkdir(exist_ok=True)
    dialog.grab().save(str(ARTIFACTS / "layout-export-dialog.png"))


def test_at_twice_the_scale_every_text_fits_too(tmp_path: Path, pulse: PulseServer) -> None:
    """With a sound device (the pulse fixture), the failed preview's banner carries the model's
    long error and its Choose Model Folder button: the hardest case for a narrow pane."""
    ARTIFACTS.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QT_SCALE_FACTOR": "2",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HF_HUB_OFFLINE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.ui.scaled_window", str(ARTIFACTS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr, result.stderr
