"""`narration-studio` with no arguments, as a real process: the window first, the model after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from studio.errors import EXIT_CODES, ErrorCode
from tests.conftest import run_cli


def _studio_process(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "studio", "-v"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_lines(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line.rstrip("\n"))


def _wait_for(lines: list[str], words: str, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for number, line in enumerate(lines):
            if words in line:
                return number
        time.sleep(0.05)
    raise AssertionError(f"{words!r} never appeared in:\n" + "\n".join(lines))


def test_no_arguments_opens_the_window_then_loads_the_model(
    tmp_path: Path, model_dir: Path
) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "NARRATION_STUDIO_MODEL_DIR": str(model_dir),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DOCUMENTS_DIR": str(tmp_path / "Documents"),
        "HF_HUB_OFFLINE": "1",
    }
    process = _studio_process(env)
    lines: list[str] = []
    reader = threading.Thread(target=_read_lines, args=(process, lines), daemon=True)
    reader.start()
    try:
        visible = _wait_for(lines, "Window visible", timeout=60)
        loaded = _wait_for(lines, "Model loaded from local folder", timeout=300)
        assert visible < loaded, "the model must load after the window is shown"
        process.send_signal(signal.SIGTERM)  # a logout: quits cleanly, no questions
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()
    assert not any("Traceback" in line for line in lines), "\n".join(lines)


def test_without_a_display_it_explains_instead_of_crashing(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    result = run_cli([], env)
    assert result.returncode == EXIT_CODES[ErrorCode.NOT_INSTALLED], result.stderr
    assert "No display was found" in result.stderr and "narration-studio --help" in result.stderr
    assert "Traceback" not in result.stderr
