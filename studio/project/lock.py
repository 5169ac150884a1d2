"""One writer per project: a lock file in the project folder names who has the project open.

Two studio windows, or a command-line render while the studio has the project open, would
otherwise overwrite each other's work without a word. The holder keeps an OS lock on the file
(studio.project.os_lock), which the OS releases when the holder's process ends, however it
ends: a lock the OS grants is free, whatever the file says, and is taken over silently. The file
says who holds it (process, host, app, since when) for the message others get. A lock written
on another host is respected even when the OS grants it, since a network share may not carry
locks between hosts. "Open Anyway" writes the taker's name without the OS lock; the first
holder sees that before its next save and stops writing. The GUI and the CLI both use this
module; neither needs Qt for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from studio.errors import ErrorCode, StudioError, io_error
from studio.project.os_lock import try_lock

LOCK_FILE = ".narration-studio.lock"
STUDIO = "Narration Studio"  # how the desktop studio names itself as a lock's holder


@dataclass(frozen=True)
class LockOwner:
    """Who holds a project: a process on a host, since when, doing what."""

    pid: int
    host: str
    app: str
    since: str  # ISO 8601, UTC
    token: str  # tells two holders apart even when pids repeat

    @classmethod
    def this_process(cls, app: str) -> LockOwner:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return cls(os.getpid(), socket.gethostname(), app, now, uuid.uuid4().hex)

    def describe(self) -> str:
        """'Narration Studio (process 4242 on this computer, since 10:02)'."""
        where = "this computer" if self.host == socket.gethostname() else self.host
        try:
            since = datetime.fromisoformat(self.since).astimezone().strftime("%H:%M, %d %b")
        except ValueError:
            since = self.since
        return f"{self.app} (process {self.pid} on {where}, since {since})"


class ProjectLocked(StudioError):
    """The project is open elsewhere; ``owner`` says where."""

    def __init__(self, folder: Path, owner: LockOwner) -> None:
        other_host = owner.host != socket.gethostname()
        hint = (
            f"Close it there first. If nothing runs there any more, delete {folder / LOCK_FILE}."
            if other_host
            else "Close it there first, then try again."
        )
        super().__init__(ErrorCode.PROJECT_LOCKED, f"{folder} is open in {owner.describe()}.", hint)
        self.folder = folder
        self.owner = owner


class ProjectLock:
    """A held lock on a project folder. ``acquire`` it, check ``still_held`` before writing,
    ``release`` it when done (also as a context manager)."""

    def __init__(self, folder: Path, owner: LockOwner, fd: int, os_locked: bool) -> None:
        self.folder = folder
        self.owner = owner
        self._fd: int | None = fd
        self._os_locked = os_locked

    @property
    def path(self) -> Path:
        return self.folder / LOCK_FILE

    @classmethod
    def acquire(cls, folder: Path, app: str, take_over: bool = False) -> ProjectLock:
        """Lock ``folder`` for this process, or raise ProjectLocked naming the holder.

        A lock no process holds is taken over; a held one only with ``take_over`` (the user
        chose to).
        """
        folder = Path(folder)
        try:
            fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise io_error("lock", folder, exc) from exc
        os_locked = try_lock(fd)
        holder = read_owner(folder) if os_locked else _owner_of_held(folder)
        elsewhere = holder is not None and holder.host != socket.gethostname()
        if not take_over and (not os_locked or elsewhere):
            os.close(fd)
            raise ProjectLocked(folder, holder or LockOwner(0, "", "another program", "", ""))
        lock = cls(folder, LockOwner.this_process(app), fd, os_locked)
        lock._write()
        return lock

    def still_held(self) -> bool:
        """False once another window has taken the project over ("Open Anyway"). A holder
        that took over gets the OS lock here once the one it took it from lets go."""
        holder = read_owner(self.folder)
        held = holder is not None and holder.token == self.owner.token
        if held and not self._os_locked and self._fd is not None:
            self._os_locked = try_lock(self._fd)
        return held

    def release(self) -> None:
        """Let go: the file goes when this process still holds it; the OS lock goes either way."""
        if self._fd is None:
            return
        if self.still_held():
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        os.close(self._fd)  # the OS lock goes with the descriptor
        self._fd = None

    def __enter__(self) -> ProjectLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def _write(self) -> None:
        """Say who holds the lock, in place: the OS lock is on this file, not on a new one."""
        assert self._fd is not None
        payload = (json.dumps(asdict(self.owner), indent=2) + "\n").encode("utf-8")
        try:
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
            os.write(self._fd, payload)
            os.fsync(self._fd)
        except OSError as exc:
            raise io_error("lock", self.folder, exc) from exc


def _owner_of_held(folder: Path) -> LockOwner | None:
    """The holder of a lock the OS says is held; a holder that has just locked the file may
    not have written its name yet, so wait a moment for it."""
    for _ in range(20):
        owner = read_owner(folder)
        if owner is not None:
            return owner
        time.sleep(0.05)
    return None


def read_owner(folder: Path) -> LockOwner | None:
    """Who holds ``folder``'s lock, or None when it is not locked (or the file is unreadable,
    which counts as stale: a crash while writing it)."""
    try:
        raw = json.loads((Path(folder) / LOCK_FILE).read_text(encoding="utf-8"))
        return LockOwner(
            int(raw["pid"]),
            str(raw["host"]),
            str(raw["app"]),
            str(raw["since"]),
            str(raw["token"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
