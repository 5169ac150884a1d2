"""Timestamped snapshots of the project file: kept on save, pruned, listed and reverted to (also
from the command line)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from studio.errors import EXIT_CODES, ErrorCode, StudioError
from studio.project.model import PROJECT_FILE, Project, Scene
from studio.project.revert import revert
from studio.project.snapshots import (
    KEEP_RECENT,
    SNAPSHOT_DIR,
    find_snapshot,
    list_snapshots,
    prune,
)
from tests.conftest import run_cli

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=timezone.utc)


def _project(tmp_path: Path) -> Project:
    return Project.create(tmp_path / "film", "Film", [Scene("Hello there.", "Intro")])


def _age(project: Project, seconds: float) -> None:
    """Make the file on disk look saved ``seconds`` later than now (instead of waiting)."""
    stamp = project.file.stat().st_mtime + seconds
    os.utime(project.file, (stamp, stamp))


def test_a_save_keeps_the_version_it_replaces_as_a_timestamped_snapshot(tmp_path: Path) -> None:
    project = _project(tmp_path)
    first = project.file.read_bytes()
    project.title = "Renamed"
    project.save()
    [snapshot] = list_snapshots(project.folder)
    assert snapshot.path.read_bytes() == first
    assert snapshot.path.parent == project.folder / SNAPSHOT_DIR
    assert snapshot.path.name.startswith("project-") and snapshot.path.name.endswith("Z.json")
    assert sorted(p.name for p in project.folder.iterdir()) == [SNAPSHOT_DIR, PROJECT_FILE]
    assert Project.load(project.folder).title == "Renamed"


def test_at_most_one_snapshot_a_minute(tmp_path: Path) -> None:
    project = _project(tmp_path)
    for title in ("Two", "Three", "Four"):  # autosaves seconds apart
        project.title = title
        project.save()
    assert len(list_snapshots(project.folder)) == 1
    _age(project, 90)  # the next version on disk was saved a minute and a half later
    project.title = "Five"
    project.save()
    kept = list_snapshots(project.folder)
    assert len(kept) == 2 and json.loads(kept[0].path.read_text())["title"] == "Four"


def _fake(folder: Path, when: datetime, tag: str = "") -> Path:
    directory = folder / SNAPSHOT_DIR
    directory.mkdir(exist_ok=True)
    suffix = f"-{tag}" if tag else ""
    path = directory / f"project-{when.strftime('%Y%m%dT%H%M%SZ')}{suffix}.json"
    path.write_text("{}")
    return path


def test_pruning_keeps_the_newest_twenty_and_one_a_day_for_a_week_and_every_tagged_one(
    tmp_path: Path,
) -> None:
    folder = tmp_path
    recent = [_fake(folder, NOW - timedelta(minutes=5 * n)) for n in range(30)]  # today
    days = [_fake(folder, NOW - timedelta(days=d, hours=h)) for d in range(1, 10) for h in (1, 2)]
    migrated = _fake(folder, NOW - timedelta(days=30), "before-v2")
    prune(folder, NOW)
    left = {s.path for s in list_snapshots(folder)}
    assert set(recent[:KEEP_RECENT]) <= left and not set(recent[KEEP_RECENT:]) & left
    kept_days = [p for p in days if p in left]
    # the last of each of days 1–6 (day 7's last is 7 days and 1 hour old), none older
    assert kept_days == [days[2 * d] for d in range(6)]
    assert migrated in left  # a schema upgrade's original is never deleted
    assert len(left) == KEEP_RECENT + 6 + 1


def test_revert_restores_a_snapshot_and_keeps_what_it_replaced(tmp_path: Path) -> None:
    project = _project(tmp_path)
    original = project.file.read_bytes()
    project.scenes.append(Scene("A second scene.", "Two"))
    project.save()
    snapshot = find_snapshot(project.folder, "1")
    assert snapshot.path.read_bytes() == original
    before_revert = project.file.read_bytes()
    kept = revert(project.folder, snapshot)
    assert project.file.read_bytes() == original
    assert kept is not None and kept.read_bytes() == before_revert  # the revert can be reverted
    assert [s.title for s in Project.load(project.folder).scenes] == ["Intro"]


def test_revert_repairs_a_damaged_project_file(tmp_path: Path) -> None:
    project = _project(tmp_path)
    good = project.file.read_bytes()
    project.save()  # now there is a snapshot of the good version
    project.file.write_text("{damaged")
    with pytest.raises(StudioError) as caught:
        Project.load(project.folder)
    assert "narration-studio revert" in caught.value.hint
    revert(project.folder, list_snapshots(project.folder)[-1])
    assert project.file.read_bytes() == good
    assert any(s.path.read_text() == "{damaged" for s in list_snapshots(project.folder))


def test_a_damaged_snapshot_or_an_unknown_one_is_refused_clearly(tmp_path: Path) -> None:
    project = _project(tmp_path)
    bad = _fake(project.folder, NOW)
    with pytest.raises(StudioError) as caught:
        revert(project.folder, find_snapshot(project.folder, bad.name))
    assert caught.value.message.startswith(f"The snapshot {bad.name} cannot be used: it is")
    with pytest.raises(StudioError) as caught:
        find_snapshot(project.folder, "7")
    assert "narration-studio snapshots" in caught.value.hint


@pytest.mark.model
def test_the_cli_lists_snapshots_and_reverts_to_one(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    project = _project(tmp_path)
    project.title = "Second title"
    project.save()
    listed = run_cli(["snapshots", str(project.folder)], cli_env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[1].split()[0] == "1" and "1 scene" in lines[1] and lines[1].endswith("Z.json")
    assert "narration-studio revert" in lines[-1]

    reverted = run_cli(["revert", str(project.folder), "1"], cli_env)
    assert reverted.returncode == 0, reverted.stderr
    assert Project.load(project.folder).title == "Film"
    assert "was kept as project-" in reverted.stdout
    again = run_cli(["snapshots", str(project.folder)], cli_env)
    assert len(again.stdout.splitlines()) == 4  # two snapshots now: the revert kept the other

    missing = run_cli(["revert", str(project.folder), "9"], cli_env)
    assert missing.returncode == EXIT_CODES[ErrorCode.INVALID_INPUT]
    assert "No snapshot '9'" in missing.stderr
