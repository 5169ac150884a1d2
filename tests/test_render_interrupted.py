"""The manifest matches the MP3s on disk after any cancel, and after a kill -9 of a CLI render
at several points: no MP3 ever stands without its entry, and the next render repairs the rest."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from studio.engine import Engine
from studio.project.model import Project, Scene
from studio.render.events import SceneDone, SceneProgress
from studio.render.export import render_project
from tests.conftest import run_cli

pytestmark = pytest.mark.model

SCENES = [
    ("One", "The first scene is short."),
    ("Two", "The second scene follows it."),
    ("Three", "And the third one ends it."),
]


def _project(tmp_path: Path) -> Project:
    return Project.create(tmp_path / "film", "Film", [Scene(t, title) for title, t in SCENES])


def _entries(project: Project) -> dict[str, dict[str, str]]:
    path = project.audio_dir / "manifest.json"
    if not path.exists():
        return {}
    return {e["file"]: e for e in json.loads(path.read_text())["scenes"].values()}


def _mp3s(project: Project) -> dict[str, str]:
    """Scene MP3s on disk (not temp files) and their SHA-256."""
    return {
        f"audio/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest()
        for p in project.audio_dir.glob("*.mp3")
        if not p.name.startswith(".")
    }


def assert_no_mp3_without_its_entry(project: Project) -> None:
    entries = _entries(project)
    for name, digest in _mp3s(project).items():
        assert name in entries, f"{name} is on disk without a manifest entry"
        assert entries[name]["sha256"] == digest, f"{name} differs from its manifest entry"


def assert_manifest_matches_disk(project: Project) -> None:
    assert_no_mp3_without_its_entry(project)
    assert set(_entries(project)) == set(_mp3s(project))


@pytest.mark.parametrize("stop_after", [SceneDone, SceneProgress])
def test_cancel_at_any_event_leaves_manifest_and_files_matching(
    tmp_path: Path, engine: Engine, stop_after: type
) -> None:
    project = _project(tmp_path)
    events = render_project(project, engine)
    for event in events:
        if isinstance(event, stop_after) and event.scene is project.scenes[1]:
            events.close()  # the user pressed Cancel right after this event
            break
    assert_manifest_matches_disk(project)
    assert len(_mp3s(project)) == (2 if stop_after is SceneDone else 1)
    assert not list(project.audio_dir.glob(".ns-tmp-*"))


def _kill_render_when(project: Project, env: dict[str, str], condition: Callable[[], bool]) -> None:
    """Start a CLI render of ``project`` and kill -9 it as soon as ``condition`` holds."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", "render", str(project.folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600
    try:
        while not condition():
            assert proc.poll() is None, "the render ended before the kill point"
            assert time.monotonic() < deadline
            time.sleep(0.001)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_kill_9_of_a_cli_render_never_leaves_an_mp3_without_its_entry(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    project = _project(tmp_path)
    # 1. the moment the first MP3 appears; 2. the moment the manifest holds a second entry.
    _kill_render_when(project, cli_env, lambda: len(_mp3s(project)) >= 1)
    assert_no_mp3_without_its_entry(project)
    _kill_render_when(project, cli_env, lambda: len(_entries(project)) >= 2)
    assert_no_mp3_without_its_entry(project)
    # 3. the next render repairs whatever a kill left and keeps every finished scene.
    done = run_cli(["render", str(project.folder)], cli_env)
    assert done.returncode == 0, done.stderr
    assert_manifest_matches_disk(project)
    assert len(_mp3s(project)) == 3
    assert not list(project.audio_dir.glob(".ns-tmp-*"))
