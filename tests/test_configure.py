"""One configuration path for every face: an option, else the environment, else the settings
file the face was given, else the default. The CLI, the service and the GUI are each tested."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from studio.engine.configure import configured_engine
from studio.errors import StudioError
from tests.conftest import SHARED
from tests.service.helpers import RawService, service_env, wait_until

INT8_EXPORT = SHARED / "kokoro-offline" / "kokoro-v1.0.int8.onnx"


@pytest.fixture
def no_choice_in_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "default-config"))
    for name in ("BACKEND", "ONNX_MODEL", "PRECISION"):
        monkeypatch.delenv(f"NARRATION_STUDIO_{name}", raising=False)


def _settings(path: Path, **choices: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(choices), encoding="utf-8")
    return path


def test_option_beats_environment_beats_the_given_settings_file(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_choice_in_environment: None
) -> None:
    given = _settings(tmp_path / "given.json", backend="onnx", precision="fp8")
    _settings(tmp_path / "default-config" / "narration-studio" / "settings.json", backend="torch")
    assert configured_engine(str(model_dir), settings_path=given).backend.name == "onnx"
    monkeypatch.setenv("NARRATION_STUDIO_BACKEND", "torch")
    with pytest.raises(StudioError, match="Unknown precision 'fp8'"):  # the given file's
        configured_engine(str(model_dir), settings_path=given)
    monkeypatch.setenv("NARRATION_STUDIO_PRECISION", "fp32")
    assert configured_engine(str(model_dir), settings_path=given).backend.name == "torch"
    assert configured_engine(str(model_dir), "onnx", settings_path=given).backend.name == "onnx"


def test_gui_engine_uses_the_settings_file_the_studio_was_given(
    model_dir: Path, tmp_path: Path, no_choice_in_environment: None
) -> None:
    from studio.ui.config import StudioConfig

    given = _settings(tmp_path / "studio" / "settings.json", backend="onnx")
    config = StudioConfig(settings_path=given, documents_dir=tmp_path / "Documents")
    assert config.engine_factory(str(model_dir)).backend.name == "onnx"
    options = StudioConfig.from_environment(str(model_dir), backend="torch", precision="fp8")
    with pytest.raises(StudioError, match="Unknown precision 'fp8'"):
        options.engine_factory(str(model_dir))


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--backend", "onnx", "--onnx-model", str(INT8_EXPORT)], "with the onnx backend"),
        (["--precision", "fp32"], "Torch backend on cpu in fp32"),
    ],
)
def test_studio_started_without_a_command_takes_the_engine_options(
    model_dir: Path, tmp_path: Path, options: list[str], says: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARRATION_STUDIO_")}
    env |= {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DOCUMENTS_DIR": str(tmp_path / "Documents"),
        "QT_QPA_PLATFORM": "offscreen",
        "HF_HUB_OFFLINE": "1",
    }
    log = tmp_path / "studio.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "studio", "-v", "--model-dir", str(model_dir), *options],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            loaded = wait_until(lambda: "Model loaded from" in log.read_text(), timeout=300)
        finally:
            proc.send_signal(signal.SIGTERM)  # the studio saves and quits
            proc.wait(timeout=60)
    text = log.read_text()
    assert loaded, text
    assert says in text


def test_service_takes_its_options_and_its_settings_file(model_dir: Path, tmp_path: Path) -> None:
    env = {
        k: v for k, v in service_env(model_dir, tmp_path).items() if k != "NARRATION_STUDIO_BACKEND"
    }
    settings = tmp_path / "config" / "narration-studio" / "settings.json"
    _settings(settings, backend="onnx", onnx_model=str(INT8_EXPORT))
    from_settings = RawService(tmp_path, env)
    from_settings.wait_ready()
    assert from_settings.close() == 0
    assert any("with the onnx backend" in line for line in from_settings.stderr_lines)

    _settings(settings, backend="torch")
    from_option = RawService(tmp_path, env, ["--backend", "onnx", "--onnx-model", str(INT8_EXPORT)])
    from_option.wait_ready()
    assert from_option.close() == 0
    assert any("with the onnx backend" in line for line in from_option.stderr_lines)
