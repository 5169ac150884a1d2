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


def test_a_lock_left_by_a_process_that_is_gone_is_taken_over(folder: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(gone.stdout)
    (folder / LOCK_FILE).write_text(
        json.dumps(
            {
                "pid": dead_pid,
                "host": socket.gethostname(),
                "app": STUDIO,
                "since": "2026-01-01T10:00:00+00:00",
                "token": "x",
            }
        )
    )
    lock = ProjectLock.acquire(folder, "narration-studio render")
    assert lock.still_held() and read_owner(folder) == lock.owner


def test_a_lock_from_before_a_reboot_is_stale_even_if_its_pid_runs_again(folder: Path) -> None:
    if not Path("/proc/sys/kernel/random/boot_id").exists():
        pytest.skip("this platform has no boot id")
    owner = {"pid": os.getppid(), "host": socket.gethostname(), "app": STUDIO}
    extra = {"since": "2026-01-01T10:00:00+00:00", "token": "x", "boot": "an-earlier-boot"}
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
