"""Errors as data: a stable code, a message a user can act on, and a hint.

The ``TTS_*`` codes are the seed service's contract; the others are the studio's own. Every face of
the app (GUI, CLI, service) shows ``message`` and ``hint`` and never a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from enum import Enum


class ErrorCode(str, Enum):
    INVALID_VOICE = "TTS_INVALID_VOICE"
    INVALID_INPUT = "TTS_INVALID_INPUT"
    INVALID_PATH = "TTS_INVALID_PATH"
    MODEL_NOT_FOUND = "TTS_MODEL_NOT_FOUND"
    NOT_INSTALLED = "TTS_NOT_INSTALLED"
    SERVICE_ERROR = "TTS_SERVICE_ERROR"
    TIMEOUT = "TTS_TIMEOUT"
    PROJECT_NOT_FOUND = "PROJECT_NOT_FOUND"
    PROJECT_CORRUPT = "PROJECT_CORRUPT"
    PROJECT_TOO_NEW = "PROJECT_TOO_NEW"
    PROJECT_EXISTS = "PROJECT_EXISTS"
    PROJECT_LOCKED = "PROJECT_LOCKED"
    IO_ERROR = "IO_ERROR"
    CANCELLED = "CANCELLED"


#: Process exit status for each code, so scripts can tell failures apart (0 is success, 1 is a bug,
#: 2 is click's usage error).
EXIT_CODES: dict[ErrorCode, int] = {
    ErrorCode.INVALID_INPUT: 3,
    ErrorCode.INVALID_VOICE: 4,
    ErrorCode.INVALID_PATH: 5,
    ErrorCode.MODEL_NOT_FOUND: 6,
    ErrorCode.NOT_INSTALLED: 7,
    ErrorCode.SERVICE_ERROR: 8,
    ErrorCode.TIMEOUT: 9,
    ErrorCode.PROJECT_NOT_FOUND: 10,
    ErrorCode.PROJECT_CORRUPT: 11,
    ErrorCode.PROJECT_TOO_NEW: 12,
    ErrorCode.PROJECT_EXISTS: 13,
    ErrorCode.IO_ERROR: 14,
    ErrorCode.PROJECT_LOCKED: 15,
    ErrorCode.CANCELLED: 130,
}


class StudioError(Exception):
    """A failure the user can act on. ``str(err)`` is the message; ``hint`` says what to do."""

    def __init__(self, code: ErrorCode, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.code]

    def user_text(self) -> str:
        """The message and hint as one paragraph, for dialogs and terminals."""
        return f"{self.message} {self.hint}".strip()

    def to_dict(self) -> dict[str, str]:
        """The seed's error object: ``{"code": ..., "message": ...}``."""
        return {"code": self.code.value, "message": self.user_text()}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' Did you mean X?' suffix naming the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def io_error(action: str, path: object, exc: OSError) -> StudioError:
    """Turn an OSError (full disk, permissions, read-only medium) into an actionable StudioError."""
    import errno

    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EACCES: "permission was denied",
        errno.EPERM: "permission was denied",
        errno.EROFS: "the disk is read-only",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return StudioError(
        ErrorCode.IO_ERROR,
        f"Could not {action} {path}: {reason}.",
        "Free some space or choose a folder you can write to, then try again. Nothing was lost.",
    )
