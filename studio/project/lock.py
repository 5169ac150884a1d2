"""One writer per project: a lock file in the project folder names who has the project open.

Two studio windows, or a command-line render while the studio has the project open, would
otherwise overwrite each other's work without a word. The lock records the process id, the
host, the machine's boot, what opened it and when; a lock whose process is gone (same host, and
the pid no longer runs or the machine has rebooted since) is stale and is taken over silently.
The GUI and the CLI both use this module; neither needs Qt for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from studio.errors import ErrorCode, StudioError
from studio.fsutil import atomic_write, process_alive

LOCK_FILE = ".narration-studio.lock"
STUDIO = "Narration Studio"  # how the desktop studio names itself as a lock's holder
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")  # Linux: changes at every boot


@dataclass(frozen=True)
class LockOwner:
    """Who holds a project: a process on a host, since when, doing what."""

    pid: int
    host: str
    app: str
    since: str  # ISO 8601, UTC
    token: str  # tells two holders apart even when pids repeat
    boot: str = ""

    @classmethod
    def this_process(cls, app: str) -> LockOwner:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return cls(os.getpid(), socket.gethostname(), app, now, uuid.uuid4().hex, _boot_id())

    def describe(self) -> str:
        """'Narration Studio (process 4242 on this computer, since 10:02)'."""
        where = "this computer" if self.host == socket.gethostname() else self.host
        try:
            since = datetime.fromisoformat(self.since).astimezone().strftime("%H:%M, %d %b")
        except ValueError:
            since = self.since
        return f"{self.app} (process {self.pid} on {where}, since {since})"

    def is_stale(self) -> bool:
        """The owner is certainly gone: same host, and it rebooted since or the pid is not
        running. A lock from another host is never stale: we cannot see its processes."""
        if self.host != socket.gethostname():
            return False
        if self.boot and _boot_id() and self.boot != _boot_id():
            return True
        return not process_alive(self.pid)


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

    def __init__(self, folder: Path, owner: LockOwner) -> None:
        self.folder = folder
        self.owner = owner

    @property
    def path(self) -> Path:
        return self.folder / LOCK_FILE

    @classmethod
    def acquire(cls, folder: Path, app: str, take_over: bool = False) -> ProjectLock:
        """Lock ``folder`` for this process, or raise ProjectLocked naming the holder.

        A stale lock is taken over; a live one only with ``take_over`` (the user chose to).
        """
        folder = Path(folder)
        lock = cls(folder, LockOwner.this_process(app))
        if lock._create():
            return lock
        holder = read_owner(folder)
        if holder is not None and not take_over and not holder.is_stale():
            raise ProjectLocked(folder, holder)
        atomic_write(lock.path, lock._payload())
        if not lock.still_held():  # another process took it over at the same moment
            current = read_owner(folder)
            raise ProjectLocked(folder, current or holder or lock.owner)
        return lock

    def still_held(self) -> bool:
        """False once another window has taken the project over ("Open Anyway")."""
        holder = read_owner(self.folder)
        return holder is not None and holder.token == self.owner.token

    def release(self) -> None:
        if self.still_held():
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def __enter__(self) -> ProjectLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def _create(self) -> bool:
        """Create the lock file if there is none (atomically: O_EXCL); False if there is."""
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        except OSError as exc:
            from studio.errors import io_error

            raise io_error("lock", self.folder, exc) from exc
        with os.fdopen(fd, "wb") as handle:
            handle.write(self._payload())
        return True

    def _payload(self) -> bytes:
        return (json.dumps(asdict(self.owner), indent=2) + "\n").encode("utf-8")


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
            str(raw.get("boot", "")),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _boot_id() -> str:
    try:
        return _BOOT_ID.read_text().strip()
    except OSError:
        return ""
