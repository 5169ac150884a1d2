"""Putting a finished file in place inside the audio root, where no folder swapped for a symlink
can lead it out.

The service checks an outputPath when the request arrives and writes the file later, after the
syntheses queued before it. A folder inside the root replaced by a symlink in between would lead
the write out of the root. So the file is first written under the root itself (a temp name that
the stale-temp sweep knows), then moved through directory file descriptors: from the root down,
each folder is opened with O_NOFOLLOW (a symlink is refused, never followed) and the rename is
made relative to the last folder's descriptor. Where the OS has no ``dir_fd`` (Windows), the path
is checked again just before the rename instead.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from studio.errors import ErrorCode, StudioError, io_error
from studio.fsutil import ensure_inside, temp_name_for

_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_HAS_DIR_FD = {os.open, os.mkdir, os.replace} <= os.supports_dir_fd and hasattr(os, "O_NOFOLLOW")


def staging_path(root: Path, target: Path) -> Path:
    """A fresh temp name directly in ``root`` to write ``target`` to before ``place_inside``."""
    return root / temp_name_for(target).name


def place_inside(root: Path, target: Path, staged: Path) -> None:
    """Move ``staged`` (from ``staging_path``) to ``target``, a resolved path inside ``root``,
    atomically; TTS_INVALID_PATH if a folder on the way is no longer a real folder."""
    try:
        if _HAS_DIR_FD:
            _place_through_descriptors(root, target, staged)
        else:
            _place_after_second_check(root, target, staged)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()


def _place_through_descriptors(root: Path, target: Path, staged: Path) -> None:
    *folders, name = target.relative_to(root).parts
    root_fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    fd = os.dup(root_fd)
    try:
        for folder in folders:
            with contextlib.suppress(FileExistsError):
                os.mkdir(folder, dir_fd=fd)
            child = os.open(folder, _FOLDER_FLAGS, dir_fd=fd)  # ELOOP/ENOTDIR: not a folder now
            os.close(fd)
            fd = child
        os.replace(staged.name, name, src_dir_fd=root_fd, dst_dir_fd=fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EISDIR, errno.EMLINK):
            raise _moved(target) from exc
        raise io_error("write", target, exc) from exc
    finally:
        os.close(fd)
        os.close(root_fd)


def _place_after_second_check(root: Path, target: Path, staged: Path) -> None:
    try:
        again = ensure_inside(root, target)
    except (StudioError, OSError, RuntimeError):
        raise _moved(target) from None
    if again != target:
        raise _moved(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
    except OSError as exc:
        raise io_error("write", target, exc) from exc


def _moved(target: Path) -> StudioError:
    return StudioError(
        ErrorCode.INVALID_PATH,
        f"The folder of {target} was replaced by a link or a file while the request waited; "
        "nothing was written.",
        "Give an .mp3 file path inside the audio root, and keep its folders in place.",
    )
