"""Error answers of the TTS service back into typed exceptions (the client's side)."""

from __future__ import annotations

from typing import Any, ClassVar

from studio.errors import ErrorCode, StudioError


class TTSError(StudioError):
    """An error answered by the TTS service or raised by its client; ``code`` is a seed code."""

    code_value: ClassVar[ErrorCode] = ErrorCode.SERVICE_ERROR

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(self.code_value, message, hint)


class InvalidVoiceError(TTSError):
    code_value = ErrorCode.INVALID_VOICE


class InvalidInputError(TTSError):
    code_value = ErrorCode.INVALID_INPUT


class InvalidPathError(TTSError):
    code_value = ErrorCode.INVALID_PATH


class ModelNotFoundError(TTSError):
    code_value = ErrorCode.MODEL_NOT_FOUND


class NotInstalledError(TTSError):
    code_value = ErrorCode.NOT_INSTALLED


class ServiceError(TTSError):
    code_value = ErrorCode.SERVICE_ERROR


class ServiceTimeoutError(TTSError):
    code_value = ErrorCode.TIMEOUT


_ERROR_TYPES: dict[str, type[TTSError]] = {
    cls.code_value.value: cls
    for cls in (
        InvalidVoiceError,
        InvalidInputError,
        InvalidPathError,
        ModelNotFoundError,
        NotInstalledError,
        ServiceError,
        ServiceTimeoutError,
    )
}


def error_from_wire(error: object) -> TTSError:
    """The typed exception for an error object from the wire (unknown codes: ServiceError)."""
    if not isinstance(error, dict):
        return ServiceError("The TTS service sent an error without details.")
    message = str(error.get("message") or "The TTS service reported an error.")
    return _ERROR_TYPES.get(str(error.get("code")), ServiceError)(message)


def raise_for_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer itself, or its error raised as a typed exception."""
    if answer.get("success") is False:
        raise error_from_wire(answer.get("error"))
    return answer
