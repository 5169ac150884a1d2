"""Export settings in project.json (optional, tolerant) and their refusals, from the core and the
command line. No model: every refusal comes before any model work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.errors import ErrorCode, StudioError
from studio.project.export_settings import ExportSettings
from studio.project.file_model import SCHEMA_VERSION
from studio.project.model import Project, Scene
from tests.conftest import run_cli


def test_absent_means_the_defaults_and_the_file_is_unchanged(tmp_path: Path) -> None:
    """A project from before presets (no 'export' in its file) keeps exporting as voiced."""
    project = Project.create(tmp_path / "p", "P", [Scene("Hello.")], export=ExportSettings())
    raw = json.loads(project.file.read_text())
    assert "export" not in raw and raw["version"] == SCHEMA_VERSION
    assert Project.load(project.folder).export == ExportSettings()
    assert Project.load(project.folder).export.preset == "none"
    assert ExportSettings().mp3_bitrate == 128 and ExportSettings().output_signature() == ""


def test_a_new_project_is_mastered_for_podcasts(tmp_path: Path, cli_env: dict[str, str]) -> None:
    made_by_core = Project.create(tmp_path / "core", "P", [Scene("Hello.")])
    assert json.loads(made_by_core.file.read_text())["export"]["preset"] == "podcast"
    assert run_cli(["new", str(tmp_path / "cli")], cli_env).returncode == 0
    assert Project.load(tmp_path / "cli").export.loudness.target_lufs == -16.0


def test_settings_round_trip_and_unknown_keys_are_kept(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p", "P", [Scene("Hello.")])
    raw = json.loads(project.file.read_text())
    raw["export"] = {"preset": "acx", "captions": True, "loudness_range": 7, "format": "mp3"}
    project.file.write_text(json.dumps(raw))
    loaded = Project.load(project.folder)
    assert loaded.export.preset == "acx" and loaded.export.captions
    assert loaded.export.mp3_bitrate == 192  # acx asks for 192 kbps unless told otherwise
    loaded.save()
    saved = json.loads(project.file.read_text())["export"]
    assert saved["loudness_range"] == 7 and saved["preset"] == "acx"
    assert json.loads(project.file.read_text())["version"] == SCHEMA_VERSION  # no schema change


def test_a_wrongly_typed_setting_is_a_damaged_file(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p", "P", [Scene("Hello.")])
    raw = json.loads(project.file.read_text())
    raw["export"] = {"captions": "yes"}
    project.file.write_text(json.dumps(raw))
    with pytest.raises(StudioError) as caught:
        Project.load(project.folder)
    assert caught.value.code is ErrorCode.PROJECT_CORRUPT and "captions" in caught.value.message


def test_overrides_are_checked() -> None:
    base = ExportSettings(preset="podcast")
    assert base.with_overrides(format="flac").output_signature() == "podcast/flac"
    assert base.with_overrides(bitrate=320).output_signature() == "podcast/mp3/320k"
    assert base.with_overrides(m4b=True).join  # an M4B is made from the joined file
    for changes, words in (
        ({"preset": "loud"}, "Unknown loudness preset 'loud'"),
        ({"bitrate": 96}, "cannot write 96 kbps"),
        ({"format": "flac", "bitrate": 192}, "applies to MP3 only"),
        ({"format": "ogg"}, "Unknown audio format 'ogg'"),
    ):
        with pytest.raises(StudioError) as caught:
            base.with_overrides(**changes)
        assert caught.value.code is ErrorCode.INVALID_INPUT and words in caught.value.message


def test_the_command_line_refuses_bad_settings_before_any_work(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    folder = tmp_path / "film"
    assert run_cli(["new", str(folder)], cli_env).returncode == 0
    for args, words in (
        (["--preset", "podcats"], "Did you mean 'podcast'?"),
        (["--bitrate", "100"], "cannot write 100 kbps"),
        (["--format", "wma"], "Unknown audio format 'wma'"),
    ):
        result = run_cli(["render", str(folder), *args], cli_env)
        assert result.returncode == 3, result.stderr
        assert words in result.stderr and "Traceback" not in result.stderr
    assert not (folder / "audio").exists()
