"""One writer per project: the lock file, stale locks, taking over, and the CLI's refusal."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from studio.errors import EXIT_CODES, ErrorCode
from studio.project.lock import LOCK_FILE, STUDIO, ProjectLock, ProjectLocked, read_owner
from studio.project.model import PROJECT_FILE, Project, Scene
from tests.conftest import run_cli


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Project.create(tmp_path / "film", "Film", [Scene("Hello.", "One")]).folder


def test_the_lock_names_this_process_and_goes_away_on_release(folder: Path) -> None:
    with ProjectLock.acquire(folder, STUDIO) as lock:
        raw = json.loads((folder / LOCK_FILE).read_text())
        assert (raw["pid"], raw["host"], raw["app"]) == (os.getpid(), socket.gethostname(), STUDIO)
        assert lock.still_held()
    assert not (folder / LOCK_FILE).exists()


def test_a_second_holder_is_refused_with_who_has_it(folder: Path) -> None:
    first = ProjectLock.acquire(folder, STUDIO)
    with pytest.raises(ProjectLocked) as caught:
        ProjectLock.acquire(folder, "narration-studio render")
    error = caught.value
    assert error.code is ErrorCode.PROJECT_LOCKED and error.owner.pid == os.getpid()
    assert f"is open in {STUDIO} (process {os.getpid()} on this computer, since" in error.message
    assert first.still_held()


def test_taking_over_leaves_the_first_holder_knowing_it(folder: Path) -> None:
    first = ProjectLock.acquire(folder, STUDIO)
    second = ProjectLock.acquire(folder, STUDIO, take_over=True)
    assert second.still_held() and not first.still_held()
    first.release()  # must not remove the lock it no longer holds
    assert read_owner(folder) == second.owner


_HOLD = """
import sys, time
from pathlib import Path
from studio.project.lock import ProjectLock
ProjectLock.acquire(Path(sys.argv[1]), "narration-studio render")
print("held", flush=True)
time.sleep(600)
"""


def test_a_lock_is_freed_by_the_os_when_its_holder_dies(folder: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(folder)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(ProjectLocked) as caught:
            ProjectLock.acquire(folder, STUDIO)
        assert f"narration-studio render (process {holder.pid} on this computer" in str(
            caught.value.message
        )
    finally:
        holder.kill()  # as a crash would: no release, the lock file stays behind
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]
    assert read_owner(folder) is not None and read_owner(folder).pid == holder.pid  # type: ignore[union-attr]
    lock = ProjectLock.acquire(folder, STUDIO)
    assert lock.still_held() and read_owner(folder) == lock.owner


def test_a_lock_file_no_process_holds_is_taken_over(folder: Path) -> None:
    owner = {"pid": os.getppid(), "host": socket.gethostname(), "app": STUDIO}
    extra = {"since": "2026-01-01T10:00:00+00:00", "token": "x"}
    (folder / LOCK_FILE).write_text(json.dumps(owner | extra))
    assert ProjectLock.acquire(folder, STUDIO).still_held()


def test_a_lock_held_on_another_host_is_respected_and_says_how_to_clear_it(folder: Path) -> None:
    owner = {
        "pid": 1,
        "host": "laptop-elsewhere",
        "app": STUDIO,
        "since": "2026-01-01T10:00:00+00:00",
        "token": "x",
    }
    (folder / LOCK_FILE).write_text(json.dumps(owner))
    with pytest.raises(ProjectLocked) as caught:
        ProjectLock.acquire(folder, STUDIO)
    assert "on laptop-elsewhere" in caught.value.message
    assert str(folder / LOCK_FILE) in caught.value.hint


def test_the_cli_refuses_to_change_a_project_open_in_the_studio(
    folder: Path, cli_env: dict[str, str]
) -> None:
    changes = (
        ["render", str(folder)],
        ["revert", str(folder), "1"],
        ["lexicon", "add", str(folder), "Nguyen", "--say", "win"],
        ["lexicon", "remove", str(folder), "Nguyen"],
        ["cast", "set", str(folder), "ANNA", "af_bella"],
    )
    with ProjectLock.acquire(folder, STUDIO):  # as the studio holds it (a live process: ours)
        Project.load(folder).save()  # something to revert to
        before = (folder / PROJECT_FILE).read_bytes()
        for args in changes:
            result = run_cli(args, cli_env)
            assert result.returncode == EXIT_CODES[ErrorCode.PROJECT_LOCKED], result.stderr
            said = " ".join(result.stderr.split())
            assert f"is open in {STUDIO} (process {os.getpid()}" in said
            assert "Close the project in the studio first" in said
            assert "Traceback" not in said
    assert not (folder / "audio").exists()
    assert (folder / PROJECT_FILE).read_bytes() == before  # nothing was written over
