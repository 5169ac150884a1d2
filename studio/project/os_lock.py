"""An exclusive OS lock on an open file: flock on Unix, a locked byte on Windows.

The OS releases it when the process that holds it ends, however it ends (a crash, a kill, a
power cut), so a lock can never be left behind by a process that is gone, and nothing has to
guess from process ids. Advisory: it keeps out those who ask for it, which every writer of a
project does.
"""

from __future__ import annotations

import os
import sys

#: Windows locks a byte range, which readers may not read while it is locked: lock one byte far
#: past what the file holds, so that the holder's description stays readable.
_WINDOWS_LOCKED_BYTE = 1 << 30


def try_lock(fd: int) -> bool:
    """Lock the open file ``fd`` for this process, at once, or return False: another holds it."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCKED_BYTE, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
