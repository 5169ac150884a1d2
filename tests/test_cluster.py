"""Rendering on a real local Ray cluster (started once by a fixture): the output is a local
render's, scenes spread over the workers, and a worker killed mid-scene costs nothing."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.direction.lexicon import LexiconEntry
from studio.engine import Engine
from studio.errors import ErrorCode, StudioError
from studio.project.model import Project, Scene
from studio.render.events import SceneDone, SceneStarted
from studio.render.export import render_project
from tests.audio_checks import assert_mp3_spec
from tests.conftest import run_cli

pytestmark = pytest.mark.model

needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None,
    reason="Ray is not installed: pip install -e '.[cluster]' to test rendering on a cluster",
)

SCENES = [
    ("Harbour", "The boats came home at dusk."),
    ("Storm", "ANNA: The wind rose over Worcester. [pause 0.3] Then it rained."),
    ("Morning", "By morning the sky was clear again."),
]


@pytest.fixture(scope="module")
def stable_model(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model folder as hard links (a copy on another file system): a rebuild of the shared
    folder while a test runs (another session's prepare.sh) cannot change its files under the
    test, where the workers' model identity would then differ from this process's."""

    def link(source: str, destination: str) -> None:
        try:
            os.link(source, destination)
        except OSError:
            shutil.copy2(source, destination)

    folder = tmp_path_factory.mktemp("cluster") / "model"
    shutil.copytree(model_dir, folder, copy_function=link)
    return folder


@pytest.fixture(scope="module")
def stable_engine(stable_model: Path) -> Engine:
    """The cache keys' engine on ``stable_model`` (keys need its files, not a loaded model)."""
    from studio.engine import LocalModelSource

    return Engine(LocalModelSource(stable_model))


@pytest.fixture
def cluster_env(cli_env: dict[str, str], stable_model: Path) -> dict[str, str]:
    return {**cli_env, "NARRATION_STUDIO_MODEL_DIR": str(stable_model)}


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """A real local cluster of two workers' CPUs (local:2), shared by the module; its address."""
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed: pip install -e '.[cluster]'")
    import ray

    from studio.render.cluster import connected

    with connected("local:2") as cpus:
        assert cpus == 2
        yield ray.get_runtime_context().gcs_address


def _project(folder: Path) -> Project:
    """Three short scenes; the second is directed (a cast member, a lexicon word, a pause), so
    the direction travels to the workers and into the cache keys."""
    project = Project.create(folder, "Cluster", [Scene(text, title) for title, text in SCENES])
    project.lexicon.add(LexiconEntry("Worcester", say="wuster"))
    project.cast.set("ANNA", "af_bella")
    project.save()
    return project


def _engine_options(model_dir: Path) -> dict[str, Any]:
    return {"model_dir": str(model_dir), "backend": None, "onnx_model": None, "precision": None}


def _manifest(project: Project) -> dict[str, Any]:
    return json.loads((project.audio_dir / "manifest.json").read_text(encoding="utf-8"))["scenes"]


def _assert_files_valid(project: Project) -> None:
    """Every scene has its entry, and its file decodes to the entry's duration and hash."""
    import hashlib

    entries = _manifest(project)
    assert list(entries) == [s.id for s in project.scenes]
    for entry in entries.values():
        path = project.folder / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
        assert assert_mp3_spec(path) == pytest.approx(entry["duration"], abs=0.06)
    assert not [p for p in project.audio_dir.iterdir() if p.name.startswith(".ns-")]


@needs_ray
def test_cli_cluster_render_is_what_a_local_render_makes(
    ray_cluster: str, stable_engine: Engine, cluster_env: dict[str, str], tmp_path: Path
) -> None:
    project = _project(tmp_path / "film")
    result = run_cli(["render", str(project.folder), "--cluster", ray_cluster], cluster_env)
    assert result.returncode == 0, result.stderr
    assert "Done: 3 rendered" in result.stderr
    assert "worker(s) of the cluster" in result.stderr
    _assert_files_valid(project)
    names = sorted(p.name for p in project.audio_dir.glob("*.mp3"))
    assert names == ["01-harbour.mp3", "02-storm.mp3", "03-morning.mp3"]
    # A local render keys, names and checks every file as the cluster render left it: the same
    # cache keys and files, so it has nothing to do.
    before = _manifest(project)
    local = [e.status for e in render_project(project, stable_engine) if isinstance(e, SceneDone)]
    assert local == ["cached"] * 3
    assert _manifest(project) == before


@pytest.fixture(scope="module")
def voicer(ray_cluster: str, stable_engine: Engine, stable_model: Path) -> Iterator[Any]:
    """Two workers on the module's cluster, shared by the Python API tests."""
    from studio.render.cluster import ClusterVoicer

    voicer = ClusterVoicer(stable_engine, _engine_options(stable_model), 2)
    try:
        yield voicer
    finally:
        voicer.close()


@needs_ray
def test_three_scenes_render_across_two_workers(
    voicer: Any, stable_engine: Engine, tmp_path: Path
) -> None:
    assert len(set(voicer.ready())) == 2  # both loaded: scenes 1 and 2 go out at once
    project = _project(tmp_path / "film")
    events = list(render_project(project, stable_engine, voicer=voicer))
    assert [e.status for e in events if isinstance(e, SceneDone)] == ["rendered"] * 3
    assert len(set(voicer.voiced_by.values())) == 2
    _assert_files_valid(project)


@needs_ray
def test_a_worker_killed_mid_scene_has_its_scene_voiced_again(
    voicer: Any, stable_engine: Engine, tmp_path: Path
) -> None:
    import ray

    project = _project(tmp_path / "film")
    deaths = voicer.deaths
    assert len(set(voicer.ready())) == 2  # both loaded: the kill lands mid-scene
    events, killed = [], []
    for event in render_project(project, stable_engine, voicer=voicer):
        events.append(event)
        if isinstance(event, SceneStarted) and not killed:
            ray.kill(voicer.in_flight()[event.scene.id])  # scenes 1 and 2 are being voiced
            killed.append(event.scene.id)
    assert voicer.deaths == deaths + 1
    assert [e.status for e in events if isinstance(e, SceneDone)] == ["rendered"] * 3
    assert {s.id for s in project.scenes} <= set(voicer.voiced_by)
    _assert_files_valid(project)


@needs_ray
def test_ctrl_c_mid_scene_ends_the_workers_and_the_local_cluster(
    cluster_env: dict[str, str], tmp_path: Path
) -> None:
    """Its own local:2 cluster, in the CLI: Ctrl-C while a worker voices a scene exits 130, leaves
    no partial file, and every process the render started (Ray's and the workers) ends."""
    import psutil

    project = _project(tmp_path / "film")
    # Ctrl-C's default action, as a terminal gives it, even when this test run was started with
    # SIGINT ignored (a script's background job is), which the render would otherwise inherit
    with_ctrl_c = (
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from studio.cli import main; main()"
    )
    render = subprocess.Popen(
        [sys.executable, "-c", with_ctrl_c, "render", str(project.folder), "--cluster", "local:2"],
        env=cluster_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = psutil.Process(render.pid)
        processes = _wait_for_a_worker_voicing(started)
        render.send_signal(signal.SIGINT)
        _, stderr = render.communicate(timeout=120)
    finally:
        if render.poll() is None:
            render.kill()
    assert render.returncode == 130, stderr
    assert "Cancelled." in stderr and "Traceback" not in stderr
    _, alive = psutil.wait_procs(processes, timeout=60)
    assert not alive, f"still running after Ctrl-C: {[p.pid for p in alive]}"
    audio = (
        sorted(p.name for p in project.audio_dir.iterdir()) if project.audio_dir.exists() else []
    )
    entries = _manifest(project) if "manifest.json" in audio else {}
    # nothing half-written: every scene file stands with its manifest entry
    assert {n for n in audio if n.endswith(".mp3")} == {
        Path(e["file"]).name for e in entries.values()
    }
    assert not [n for n in audio if n.startswith(".ns-")]


def _wait_for_a_worker_voicing(render: Any) -> list[Any]:
    """The render's processes once one of its workers is voicing a scene (its title says so)."""
    import psutil

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert render.is_running(), "the render ended before any worker voiced a scene"
        processes = render.children(recursive=True)
        for process in processes:
            try:
                if "SceneWorker.voice" in " ".join(process.cmdline()):
                    return processes
            except psutil.Error:
                continue
        time.sleep(0.05)
    raise AssertionError("no worker started voicing within 300 s")


def test_cluster_without_ray_says_how_to_install_it(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    _project(tmp_path / "film")
    hide_ray = "import sys; sys.modules['ray'] = None; from studio.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", hide_ray, "render", str(tmp_path / "film"), "--cluster", "auto"],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 7, result.stderr  # TTS_NOT_INSTALLED
    assert "Rendering on a cluster needs Ray" in result.stderr
    assert "pip install 'narration-studio[cluster]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "film" / "audio").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--server", "http://127.0.0.1:9", "render", "FILM", "--cluster", "local:1"], "--server"),
        (["render", "FILM", "--workers", "2"], "--workers"),
        (["render", "FILM", "--cluster", "local:zero"], "local cluster size"),
    ],
)
def test_cluster_options_that_cannot_work_are_refused(
    options: list[str], message: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    project = _project(tmp_path / "film")
    args = [str(project.folder) if arg == "FILM" else arg for arg in options]
    result = run_cli(args, cli_env)
    assert result.returncode == 3, result.stderr  # TTS_INVALID_INPUT
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not project.audio_dir.exists()


@pytest.mark.parametrize("address", ["local:0", "local:two", "local:"])
def test_a_bad_local_cluster_size_is_refused(address: str) -> None:
    from studio.render.cluster import local_workers

    with pytest.raises(StudioError) as caught:
        local_workers(address)
    assert caught.value.code == ErrorCode.INVALID_INPUT
    assert "local:N" in caught.value.hint


def test_a_ray_address_is_not_a_local_cluster() -> None:
    from studio.render.cluster import local_workers

    assert local_workers("ray://head:10001") is None
    assert local_workers("auto") is None
    assert local_workers("local:3") == 3
