"""settings.json: what the studio remembers, loaded without ever failing the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.settings import Settings


def test_settings_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    settings = Settings(model_dir="/models/kokoro", backend="onnx", server="http://box:11435")
    settings.remember_project(tmp_path / "show")
    settings.save(path)
    assert Settings.load(path) == settings
    assert json.loads(path.read_text())["recent_projects"] == [str((tmp_path / "show").resolve())]


def test_a_value_of_the_wrong_type_falls_back_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps(
            {
                "model_dir": "/models/kokoro",
                "recent_projects": "not a list",
                "backend": 5,
                "server": "http://box:11435",
                "from_a_newer_version": True,
            }
        )
    )
    settings = Settings.load(path)
    assert settings == Settings(model_dir="/models/kokoro", server="http://box:11435")
    assert "recent_projects" in caplog.text and "backend" in caplog.text


@pytest.mark.parametrize("content", ["", "{not json", "[1, 2]", "null"])
def test_an_unreadable_file_means_the_defaults(tmp_path: Path, content: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(content)
    assert Settings.load(path) == Settings()
