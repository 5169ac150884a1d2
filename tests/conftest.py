"""Shared fixtures: the real Kokoro model folder (built once per machine from ../shared), a loaded
engine, and the offline speech recogniser used to check that audio says the right words."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NARRATION_STUDIO_SHARED", REPO.parent / "shared"))
MODEL_DIR = Path(
    os.environ.get(
        "NARRATION_STUDIO_TEST_MODEL_DIR",
        Path.home() / ".cache" / "narration-studio-test" / "model",
    )
)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The real Kokoro-82M folder, laid out by shared/kokoro-offline/prepare.sh (idempotent)."""
    prepare = SHARED / "kokoro-offline" / "prepare.sh"
    if not prepare.exists():
        pytest.fail(f"{prepare} is missing: the tests need the offline Kokoro assets in ../shared")
    subprocess.run(
        ["bash", str(prepare), str(MODEL_DIR), sys.executable],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return MODEL_DIR


@pytest.fixture(scope="session")
def engine(model_dir: Path) -> Any:
    from studio.engine import Engine, LocalModelSource

    engine = Engine(LocalModelSource(model_dir))
    engine.load()
    return engine


@pytest.fixture(autouse=True)
def fresh_sentence_cache(request: pytest.FixtureRequest) -> None:
    """Each test starts with the session engine's sentence cache empty, so that what it hears is
    made by the model unless the test itself heard it before: no test depends on the order."""
    if "engine" in request.fixturenames:
        request.getfixturevalue("engine").sentence_cache.clear()


@pytest.fixture(scope="session")
def transcribe() -> Callable[[Path], str]:
    return shared_asr().transcribe


@pytest.fixture(scope="session")
def word_error_rate() -> Callable[[str, str], float]:
    return shared_asr().word_error_rate


def shared_asr() -> Any:
    """../shared/asr/transcribe.py as a module: transcribe(path), word_error_rate(ref, heard)."""
    spec = importlib.util.spec_from_file_location("shared_asr", SHARED / "asr" / "transcribe.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def cli_env(model_dir: Path, tmp_path: Path) -> dict[str, str]:
    """Environment for running the real CLI in a subprocess, offline, with isolated settings."""
    env = dict(os.environ)
    env["NARRATION_STUDIO_MODEL_DIR"] = str(model_dir)
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["HF_HUB_OFFLINE"] = "1"
    return env


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


def python_json(code: str) -> Any:
    """Run ``code`` in a fresh interpreter of this environment; the JSON of its last output
    line. The test fails with the child's stderr if it exits with an error."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def onnx_durations_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where server subprocesses keep the onnx backend's durations export (made once)."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture(scope="session")
def http_server(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path, onnx_durations_cache: Path
) -> Any:
    """One real ``serve --http`` (one worker, a token) shared by the client, OpenAI, remote and
    studio tests; the hostile-input tests start their own (tests/service/test_http.py)."""
    from tests.http_server import running_server

    with running_server(
        tmp_path_factory.mktemp("http-server"),
        model_dir,
        onnx_durations_cache,
        token="test-token",
    ) as server:
        yield server
