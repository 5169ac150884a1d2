"""A render on ``auto`` weighs how much speech it has left to make: the quick-starting ONNX export
for a little, torch's faster pace for more, where the two choices differ (a CPU with native
bf16). Either's files are kept, so switching never voices a scene again.

The machine is stated, not this one's: a wrapper tells the CLI it runs on a CPU with native bf16,
so the test means the same on every CPU (torch then computes in whatever this CPU can).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studio.engine.auto import quick_start_pays
from studio.project.model import Project, Scene
from tests.audio_checks import assert_mp3_spec
from tests.test_onnx_backend import auto_on_weights_and_export

ON_A_BF16_CPU = """
import sys
from studio.engine import backends
from studio.engine.auto import Machine
backends.this_machine = lambda device=None: Machine(cuda=False, native_bf16=True, onnxruntime=True)
from studio.cli import main
sys.argv = ["narration-studio", *sys.argv[1:]]
main()
"""

SHORT = (
    "The harbor was quiet at dawn.",
    "A gull called twice, and the boats rocked on the grey water.",
)
#: About 700 characters: some 40 s of speech, past the point where torch's pace pays.
LONG = " ".join(
    f"On the {day} morning the ferry left late, and the fishermen watched it go from the pier, "
    "talking about the weather and the price of fuel."
    for day in ("first", "second", "third", "fourth", "fifth")
)


@pytest.mark.parametrize(
    ("seconds", "gpu", "backend"),
    [
        (5, False, "onnx"),
        (15, False, "onnx"),
        (25, False, "torch"),
        (600, False, "torch"),
        (5, True, "onnx"),
        (20, True, "torch"),
    ],
)
def test_the_quick_start_pays_for_a_little_speech(seconds: float, gpu: bool, backend: str) -> None:
    choice = quick_start_pays(seconds, gpu=gpu)
    assert choice.name == backend
    assert f"about {seconds} s of speech is left to make" in choice.reason


@pytest.mark.model
def test_render_takes_the_quick_start_for_a_little_and_keeps_either_backends_files(
    model_dir: Path, tmp_path: Path, cli_env: dict[str, str], onnx_durations_cache: Path
) -> None:
    env = auto_on_weights_and_export(model_dir, tmp_path / "model", cli_env, onnx_durations_cache)
    project = Project.create(tmp_path / "film", "Film", [Scene(text) for text in SHORT])

    def render() -> str:
        return _render_on_a_bf16_cpu(project.folder, env)

    def manifest() -> dict[str, dict[str, str]]:
        return json.loads((project.folder / "audio" / "manifest.json").read_text())["scenes"]

    first = render()
    assert "Backend for this render: onnx, because about" in first, first
    assert "Done: 2 rendered, 0 unchanged" in first
    for entry in manifest().values():
        assert_mp3_spec(project.folder / entry["file"])
    made_by_onnx = manifest()

    project = Project.load(project.folder)
    project.scenes.append(Scene(LONG))
    project.save()
    second = render()
    assert "Backend for this render: torch, because about" in second, second
    assert "Done: 1 rendered, 2 unchanged" in second
    # the same audio (only the tags, now of three tracks, are rewritten)
    assert all(manifest()[sid]["key"] == entry["key"] for sid, entry in made_by_onnx.items())

    third = render()  # nothing left to make: the quick start, and torch's scene is kept
    assert "Backend for this render: onnx, because about 0 s" in third, third
    assert "Done: 0 rendered, 3 unchanged" in third


@pytest.mark.model
def test_a_folder_with_only_the_export_renders_on_it_every_time(
    model_dir: Path, tmp_path: Path, cli_env: dict[str, str], onnx_durations_cache: Path
) -> None:
    """torch is the long-lived choice on such a CPU, but its weights are not there to key on."""
    env = auto_on_weights_and_export(
        model_dir, tmp_path / "model", cli_env, onnx_durations_cache, weights=False
    )
    project = Project.create(tmp_path / "film", "Film", [Scene(SHORT[0])])
    first = _render_on_a_bf16_cpu(project.folder, env)
    assert "Backend for this render: onnx, as torch's weights are not at hand" in first, first
    assert "Done: 1 rendered, 0 unchanged" in first
    again = _render_on_a_bf16_cpu(project.folder, env)
    assert "Done: 0 rendered, 1 unchanged" in again, again


def _render_on_a_bf16_cpu(project: Path, env: dict[str, str]) -> str:
    """``narration-studio -v render`` told it runs on a CPU with native bf16; its stderr."""
    done = subprocess.run(
        [sys.executable, "-c", ON_A_BF16_CPU, "-v", "render", str(project)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr
