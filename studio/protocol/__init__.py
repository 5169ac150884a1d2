"""The TTS service's JSON-lines contract: the seed's protocol, plus ids, voices, metrics, streaming.

Pure: each request's fields and JSON Schema as a pydantic model (``messages``), a request line
parsed into a typed request (``requests``), answer and event lines (``answers``), and error
answers turned back into typed exceptions (``errors``). No I/O and no model, so the service and
the client share it.
"""

from studio.protocol.answers import (
    AUDIO_ENCODING,
    audio_chunk_event,
    chunk_event,
    encode,
    failure,
    finite,
    ping_answer,
    success,
    wire_error,
)
from studio.protocol.errors import (
    InvalidInputError,
    InvalidPathError,
    InvalidVoiceError,
    ModelNotFoundError,
    NotInstalledError,
    ServiceError,
    ServiceTimeoutError,
    TTSError,
    error_from_wire,
    raise_for_answer,
)
from studio.protocol.requests import (
    ACTIONS,
    DEFAULT_QUEUE,
    MAX_ID_CHARS,
    MAX_LINE_BYTES,
    MAX_PATH_CHARS,
    MODEL_NAME,
    WIRE_CODES,
    Metrics,
    Ping,
    Request,
    RequestError,
    RequestId,
    Shutdown,
    Synthesize,
    Voices,
    parse_request,
)

__all__ = [
    "ACTIONS",
    "AUDIO_ENCODING",
    "DEFAULT_QUEUE",
    "MAX_ID_CHARS",
    "MAX_LINE_BYTES",
    "MAX_PATH_CHARS",
    "MODEL_NAME",
    "WIRE_CODES",
    "InvalidInputError",
    "InvalidPathError",
    "InvalidVoiceError",
    "Metrics",
    "ModelNotFoundError",
    "NotInstalledError",
    "Ping",
    "Request",
    "RequestError",
    "RequestId",
    "ServiceError",
    "ServiceTimeoutError",
    "Shutdown",
    "Synthesize",
    "TTSError",
    "Voices",
    "audio_chunk_event",
    "chunk_event",
    "encode",
    "error_from_wire",
    "failure",
    "finite",
    "parse_request",
    "ping_answer",
    "raise_for_answer",
    "success",
    "wire_error",
]
