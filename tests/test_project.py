import json
from pathlib import Path

import pytest

from studio.errors import ErrorCode, StudioError
from studio.project.model import PROJECT_FILE, Project, Scene, slugify
from studio.project.script_import import scenes_from_script


def _project(tmp_path: Path) -> Project:
    return Project.create(
        tmp_path / "p",
        "My Film",
        [
            Scene("Hello there.", "Intro"),
            Scene("The storm came.", "The Storm!", voice="bm_george", speed=1.2),
        ],
    )


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    project = _project(tmp_path)
    loaded = Project.load(project.folder)
    assert loaded.title == "My Film"
    assert [s.to_json() for s in loaded.scenes] == [s.to_json() for s in project.scenes]
    raw = json.loads(project.file.read_text())
    assert raw["schema"] == "narration-studio/project" and raw["version"] == 2


def test_audio_names_follow_order_and_title(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert [project.audio_name(s) for s in project.scenes] == [
        "audio/01-intro.mp3",
        "audio/02-the-storm.mp3",
    ]
    assert slugify("  Ünïcode & Ämbitions: Part 2 ") == "unicode-ambitions-part-2"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("!!!") == ""


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"schema": "other"}',
        b'{"schema": "narration-studio/project", "version": 1}',
        b'{"schema": "narration-studio/project", "version": 1, "scenes": [{"text": 5}]}',
    ],
)
def test_corrupt_file_is_reported_and_left_untouched(tmp_path: Path, content: bytes) -> None:
    (tmp_path / PROJECT_FILE).write_bytes(content)
    with pytest.raises(StudioError) as caught:
        Project.load(tmp_path)
    assert caught.value.code is ErrorCode.PROJECT_CORRUPT
    assert "left untouched" in caught.value.hint
    with pytest.raises(StudioError):
        Project(tmp_path, "overwrite attempt").save()
    assert (tmp_path / PROJECT_FILE).read_bytes() == content


def test_newer_version_is_refused_and_never_overwritten(tmp_path: Path) -> None:
    content = json.dumps({"schema": "narration-studio/project", "version": 99, "scenes": []})
    (tmp_path / PROJECT_FILE).write_text(content)
    with pytest.raises(StudioError) as caught:
        Project.load(tmp_path)
    assert caught.value.code is ErrorCode.PROJECT_TOO_NEW
    with pytest.raises(StudioError):
        Project(tmp_path).save()
    assert (tmp_path / PROJECT_FILE).read_text() == content


def test_missing_project_and_existing_project(tmp_path: Path) -> None:
    with pytest.raises(StudioError) as caught:
        Project.load(tmp_path)
    assert caught.value.code is ErrorCode.PROJECT_NOT_FOUND
    _project(tmp_path)
    with pytest.raises(StudioError) as caught:
        Project.create(tmp_path / "p")
    assert caught.value.code is ErrorCode.PROJECT_EXISTS


def test_a_script_with_headings_makes_one_scene_per_heading() -> None:
    script = (
        "A foreword before any heading.\n\n# Part One\n\n"
        "# Opening\n\nWelcome, friends.\nStill the first scene.\n\n"
        "Second paragraph.\n\n## The Storm ##\nRain fell.\n\nNo new scene here either"
    )
    scenes = scenes_from_script(script)
    assert [(s.title, s.text) for s in scenes] == [
        ("A foreword before any heading", "A foreword before any heading."),
        ("Opening", "Welcome, friends. Still the first scene.\n\nSecond paragraph."),
        ("The Storm", "Rain fell.\n\nNo new scene here either"),
    ]


def test_a_script_without_headings_makes_a_scene_per_paragraph() -> None:
    plain = scenes_from_script("One two three four five six seven.\n\nEight.")
    assert [(s.title, s.text) for s in plain] == [
        ("One two three four five six…", "One two three four five six seven."),
        ("Eight", "Eight."),
    ]


def test_a_long_chapter_under_a_heading_stays_one_scene() -> None:
    paragraph = " ".join(["This sentence is about forty characters."] * 50)
    scenes = scenes_from_script("# Chapter One\n\n" + "\n\n".join([paragraph] * 5))
    assert [s.title for s in scenes] == ["Chapter One"]
    assert scenes[0].text == "\n\n".join([paragraph] * 5)


def test_script_paragraph_over_the_limit_becomes_several_scenes() -> None:
    paragraph = " ".join(["This sentence is about forty characters."] * 300)
    scenes = scenes_from_script(paragraph)
    assert len(scenes) >= 3 and all(len(s.text) <= 5000 for s in scenes)
    assert " ".join(s.text for s in scenes) == paragraph
