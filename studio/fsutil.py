"""Safe file writes and path checks shared by projects, renders and the service.

Every write of a user's file goes through ``atomic_write``: a temp file in the same folder, fsync,
then ``os.replace``, so a crash or a full disk never leaves a half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from studio.errors import ErrorCode, StudioError, io_error

TEMP_PREFIX = ".ns-tmp-"
#: Temp files are named ``.ns-tmp-<pid>-<random><suffix>``: the pid tells a stale file (its writer
#: was killed) from one a live process is still writing.
_STALE_TEMP = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-")


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path beside ``target``; on success it replaces ``target``, on error it vanishes."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(
            prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=target.suffix, dir=target.parent
        )
        os.close(fd)
    except OSError as exc:
        raise io_error("create", target.parent, exc) from exc
    temp = Path(temp_name)
    try:
        yield temp
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temp, _file_mode(target))
        os.replace(temp, target)
    except OSError as exc:
        raise io_error("write", target, exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _read_umask() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()  # read once at import: os.umask() can only be read by setting it


def _file_mode(target: Path) -> int:
    """Keep an existing file's permissions; give a new one the usual 0666 less the umask.

    (mkstemp creates 0600 files, which would hide exports from other users and apps.)
    """
    try:
        return target.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_UMASK


def temp_name_for(target: Path) -> Path:
    """A fresh temp name beside ``target`` (same suffix), one that ``remove_stale_temps`` sweeps
    if this process is killed before renaming it into place."""
    return target.with_name(f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}{target.suffix}")


def atomic_write(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as temp:
        temp.write_bytes(data)


def write_if_changed(target: Path, data: bytes) -> bool:
    """``atomic_write`` unless ``target`` already holds exactly ``data``; returns whether it wrote.
    (An unchanged re-export leaves every file, and its modification time, as it was.)"""
    try:
        if Path(target).read_bytes() == data:
            return False
    except OSError:
        pass  # missing or unreadable: write it
    atomic_write(target, data)
    return True


def ensure_inside(root: Path, candidate: str | os.PathLike[str]) -> Path:
    """``candidate`` (relative to ``root`` or absolute) resolved, or TTS_INVALID_PATH if it leaves ``root``.

    Resolving follows symlinks, so a link that points out of ``root`` is refused too.
    """
    root_resolved = Path(root).resolve()
    raw = Path(candidate)
    if "\x00" in str(candidate):
        raise StudioError(ErrorCode.INVALID_PATH, "Path contains a NUL byte.")
    resolved = (raw if raw.is_absolute() else root_resolved / raw).resolve()
    if resolved != root_resolved and root_resolved not in resolved.parents:
        raise StudioError(
            ErrorCode.INVALID_PATH,
            f"Path '{candidate}' is outside {root_resolved}.",
            f"Use a path inside {root_resolved}.",
        )
    return resolved


def remove_stale_temps(root: Path) -> list[Path]:
    """Delete temp files under ``root`` left by writers that were killed (their pid is gone).

    A ``kill -9`` between creating a temp file and renaming it leaves the temp behind; files of
    live processes are kept, so several writers may share ``root``.
    """
    removed: list[Path] = []
    if not Path(root).is_dir():
        return removed
    for temp in Path(root).rglob(f"{TEMP_PREFIX}*"):
        match = _STALE_TEMP.match(temp.name)
        if match and temp.is_file() and not process_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                temp.unlink()
                removed.append(temp)
    return removed


def remove_own_temps(root: Path) -> list[Path]:
    """Delete this process's temp files under ``root``: called when it ends with a writer cut
    short (quitting mid-export), so that no partial file is left behind."""
    removed: list[Path] = []
    if not Path(root).is_dir():
        return removed
    for temp in Path(root).rglob(f"{TEMP_PREFIX}{os.getpid()}-*"):
        with contextlib.suppress(OSError):
            temp.unlink()
            removed.append(temp)
    return removed


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists, on every OS (psutil; os.kill(pid, 0) would end a process
    on Windows). A process of another user counts as alive."""
    import psutil

    return pid == os.getpid() or psutil.pid_exists(pid)
