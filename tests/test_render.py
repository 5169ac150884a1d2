"""Rendering real projects with the real model: files, cache, manifest and refusals."""

import json
import os
from pathlib import Path

import pytest

from studio.engine import Engine
from studio.errors import ErrorCode, StudioError
from studio.project.model import PROJECT_FILE, Project, Scene
from studio.render.events import SceneDone, SceneProgress
from studio.render.export import render_project
from tests.audio_checks import assert_mp3_spec, mp3_audio

pytestmark = pytest.mark.model

SCENES = [
    ("Opening", "Welcome to the harbour town. The boats are coming home."),
    ("The Storm", "The wind rose over the hills, and the rain came down hard."),
    ("Morning", "By morning the sky was clear again."),
]


def _new_project(tmp_path: Path) -> Project:
    scenes = [Scene(text, title) for title, text in SCENES]
    scenes[1].voice = "am_michael"
    return Project.create(tmp_path / "film", "Film", scenes)


def _render(project: Project, engine: Engine, **kwargs: object) -> list[object]:
    return list(render_project(project, engine, **kwargs))  # type: ignore[arg-type]


def _visible_files(project: Project) -> list[str]:
    """What audio/ shows a user (audio/.timings/ keeps word timings for captions)."""
    return sorted(p.name for p in project.audio_dir.iterdir() if not p.name.startswith("."))


def _mtimes(project: Project) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in project.audio_dir.glob("*.mp3")}


def test_three_scenes_give_three_valid_mp3s(tmp_path: Path, engine: Engine) -> None:
    project = _new_project(tmp_path)
    events = _render(project, engine)
    done = [e for e in events if isinstance(e, SceneDone)]
    assert [e.status for e in done] == ["rendered"] * 3
    assert _visible_files(project) == [
        "01-opening.mp3",
        "02-the-storm.mp3",
        "03-morning.mp3",
        "manifest.json",
    ]
    for event in done:
        engine_seconds = sum(
            e.chunk.duration
            for e in events
            if isinstance(e, SceneProgress) and e.scene is event.scene
        )
        expected = engine_seconds + event.scene.pause_after
        assert assert_mp3_spec(event.file) == pytest.approx(expected, rel=0.05)

    manifest = json.loads((project.audio_dir / "manifest.json").read_text())
    entries = list(manifest["scenes"].values())
    assert [e["file"] for e in entries] == [
        "audio/01-opening.mp3",
        "audio/02-the-storm.mp3",
        "audio/03-morning.mp3",
    ]
    assert [e["voice"] for e in entries] == ["af_heart", "am_michael", "af_heart"]
    assert all(
        e["duration"] > 1 and len(e["sha256"]) == 64 and len(e["key"]) == 64 for e in entries
    )


def test_scene_is_intelligible(tmp_path: Path, engine: Engine, transcribe, word_error_rate) -> None:
    # Kokoro's decoder adds random noise, so audio differs run to run; this text is recognised
    # reliably (WER 0.05 in 5 of 5 runs), so a failure here means garbled or dropped speech.
    text = (
        "Please open the door and bring the books to the kitchen table. "
        "We will read them together after dinner."
    )
    project = Project.create(tmp_path / "asr", "ASR", [Scene(text, "Books")])
    _render(project, engine)
    heard = transcribe(project.audio_dir / "01-books.mp3")
    assert word_error_rate(text, heard) <= 0.35, heard


def test_cache_skips_unchanged_and_rerenders_only_what_changed(
    tmp_path: Path, engine: Engine
) -> None:
    project = _new_project(tmp_path)
    _render(project, engine)
    before = _mtimes(project)

    again = [e for e in _render(project, engine) if isinstance(e, SceneDone)]
    assert [e.status for e in again] == ["cached"] * 3
    assert _mtimes(project) == before

    project.scenes[1].text = "The storm passed quickly."
    project.save()
    changed = [e for e in _render(project, engine) if isinstance(e, SceneDone)]
    assert [e.status for e in changed] == ["cached", "rendered", "cached"]
    after = _mtimes(project)
    assert after["01-opening.mp3"] == before["01-opening.mp3"]
    assert after["03-morning.mp3"] == before["03-morning.mp3"]
    assert after["02-the-storm.mp3"] != before["02-the-storm.mp3"]

    forced = [e for e in _render(project, engine, force=True) if isinstance(e, SceneDone)]
    assert [e.status for e in forced] == ["rendered"] * 3


def test_deleted_scene_audio_is_removed_and_moved_scene_is_renamed(
    tmp_path: Path, engine: Engine
) -> None:
    project = _new_project(tmp_path)
    _render(project, engine)
    morning = mp3_audio(project.audio_dir / "03-morning.mp3")
    del project.scenes[1]
    project.save()
    done = [e for e in _render(project, engine) if isinstance(e, SceneDone)]
    assert [e.status for e in done] == ["cached", "cached"]
    assert sorted(p.name for p in project.audio_dir.glob("*.mp3")) == [
        "01-opening.mp3",
        "02-morning.mp3",
    ]
    assert mp3_audio(project.audio_dir / "02-morning.mp3") == morning  # moved, retagged 2/2


def test_swapping_two_scenes_with_the_same_title_keeps_both(tmp_path: Path, engine: Engine) -> None:
    project = Project.create(
        tmp_path / "swap", "Swap", [Scene("First one.", "Part"), Scene("Second one.", "Part")]
    )
    _render(project, engine)
    first = mp3_audio(project.audio_dir / "01-part.mp3")
    second = mp3_audio(project.audio_dir / "02-part.mp3")
    project.scenes.reverse()
    project.save()
    done = [e for e in _render(project, engine) if isinstance(e, SceneDone)]
    assert [e.status for e in done] == ["cached", "cached"]
    assert mp3_audio(project.audio_dir / "01-part.mp3") == second
    assert mp3_audio(project.audio_dir / "02-part.mp3") == first


def test_render_selected_scenes_only(tmp_path: Path, engine: Engine) -> None:
    project = _new_project(tmp_path)
    _render(project, engine, scene_ids=[project.scenes[2].id])
    assert [p.name for p in project.audio_dir.glob("*.mp3")] == ["03-morning.mp3"]
    with pytest.raises(StudioError) as caught:
        _render(project, engine, scene_ids=["nope"])
    assert caught.value.code is ErrorCode.INVALID_INPUT


@pytest.mark.parametrize(
    ("text", "voice", "code"),
    [
        ("Hello.", "nobody", ErrorCode.INVALID_VOICE),
        ("   ", None, ErrorCode.INVALID_INPUT),
        ("x" * 5001, None, ErrorCode.INVALID_INPUT),
    ],
)
def test_bad_scene_fails_clearly_and_writes_nothing(
    tmp_path: Path, engine: Engine, text: str, voice: str | None, code: ErrorCode
) -> None:
    project = Project.create(tmp_path / "bad", "Bad", [Scene(text, "Broken", voice=voice)])
    saved = project.file.read_bytes()
    with pytest.raises(StudioError) as caught:
        _render(project, engine)
    assert caught.value.code is code
    assert caught.value.message.startswith("Scene 1 'Broken':")
    assert list(project.audio_dir.iterdir()) == []
    assert project.file.read_bytes() == saved


def test_cancel_keeps_finished_scenes_and_leaves_no_partial_file(
    tmp_path: Path, engine: Engine
) -> None:
    project = _new_project(tmp_path)
    events = render_project(project, engine)
    for event in events:
        if isinstance(event, SceneProgress) and event.scene is project.scenes[1]:
            events.close()  # the user pressed Cancel during scene 2
            break
    assert _visible_files(project) == [
        "01-opening.mp3",
        "manifest.json",
    ]
    done = [e for e in _render(project, engine) if isinstance(e, SceneDone)]
    assert [e.status for e in done] == ["cached", "rendered", "rendered"]


def test_tampered_manifest_pointing_outside_is_refused(tmp_path: Path, engine: Engine) -> None:
    project = _new_project(tmp_path)
    _render(project, engine, scene_ids=[project.scenes[0].id])
    outside = tmp_path / "precious.mp3"
    outside.write_bytes(b"keep me")
    manifest_path = project.audio_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = next(iter(manifest["scenes"].values()))
    manifest["scenes"]["deleted-scene"] = dict(entry, file="../precious.mp3")
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(StudioError) as caught:
        _render(project, engine)
    assert caught.value.code is ErrorCode.INVALID_PATH
    assert outside.read_bytes() == b"keep me"


def test_audio_folder_linked_outside_the_project_is_refused(tmp_path: Path, engine: Engine) -> None:
    project = _new_project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, project.audio_dir)
    with pytest.raises(StudioError) as caught:
        _render(project, engine)
    assert caught.value.code is ErrorCode.INVALID_PATH
    assert list(elsewhere.iterdir()) == []


def test_corrupt_project_file_is_not_rendered_or_touched(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text('{"schema": "narration-studio/project", "version": 1,')
    with pytest.raises(StudioError) as caught:
        Project.load(tmp_path)
    assert caught.value.code is ErrorCode.PROJECT_CORRUPT
    assert not (tmp_path / "audio").exists()
