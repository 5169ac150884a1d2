"""The service's request messages as pydantic models: their fields, types and JSON Schema.

A model checks the shape of a message (which fields, of which JSON types); ``requests`` turns
its first problem into the contract's own error message, then checks what a type cannot say
(the text's length, a known voice, a path inside the audio root, a well-formed tag).
``message_schemas`` gives the JSON Schemas the docs publish.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from studio.direction.lexicon import lexicon_entry_schema

RequestIdField = Annotated[
    str | int | None,
    Field(description="Echoed in every answer and event: a string (≤ 256 chars) or an integer."),
]


class _Closed(BaseModel):
    """A message of the contract: every field named, each of its JSON type."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Message(_Closed):
    """What every request has: an action and an optional id. Unknown fields are refused."""

    id: RequestIdField = None


class SynthesizeMessage(Message):
    """Speak ``text`` into an MP3 at ``outputPath``, or into audio events (``audio``)."""

    action: Literal["synthesize"]
    text: str = Field(description="1–5000 characters; may use the direction grammar.")
    voiceId: str = Field(description="A seed profile (sarah, emma, …), a Kokoro voice or a mix.")
    outputPath: str | None = Field(
        None, description="An .mp3 path inside the audio root; required unless audio is true."
    )
    speed: float | None = Field(None, description="0.5–2.0; 1.0 when left out.")
    stream: bool | None = Field(None, description="Send a chunk event per sentence.")
    audio: bool | None = Field(None, description="Chunk events carry the audio and word timings.")
    lexicon: Annotated[
        list[Any] | None,
        WithJsonSchema({"type": "array", "items": lexicon_entry_schema(camel=True)}),
        Field(description="Pronunciation entries for this request."),
    ] = None
    cast: dict[str, str] | None = Field(
        None, description='Speaker name → voice for NAME: lines, e.g. {"ANNA": "af_bella"}.'
    )
    startAt: int | None = Field(
        None, description="Start at the sentence holding this index of text (with audio)."
    )
    sentences: int | None = Field(
        None, description="Voice at most this many sentences, at least 1 (with audio)."
    )
    silentLabels: bool | None = Field(
        None, description="Leave speaker labels the cast does not know unspoken."
    )
    dialogueVoice: str | None = Field(
        None, description="Read quoted speech in narration with this voice."
    )


class PingMessage(Message):
    """Is the service alive, and is its model loaded?"""

    action: Literal["ping"]


class ShutdownMessage(Message):
    """Finish the request at work, answer, and exit."""

    action: Literal["shutdown"]


class VoicesMessage(Message):
    """The voices and seed profiles, optionally of one language."""

    action: Literal["voices"]
    lang: str | None = Field(None, description="A language code or name: 'a', 'French', …")


class MetricsMessage(Message):
    """Requests served, timings and memory."""

    action: Literal["metrics"]


class Answer(_Closed):
    """What the service writes back: one JSON line per request, with its id when it had one.
    Its schema names every field this version writes; later versions may add fields, which a
    client should ignore."""

    id: RequestIdField = None


class ErrorObject(_Closed):
    """The seed's error: a TTS_* code, and a message that says what to do."""

    code: Literal[
        "TTS_INVALID_INPUT",
        "TTS_INVALID_VOICE",
        "TTS_INVALID_PATH",
        "TTS_MODEL_NOT_FOUND",
        "TTS_NOT_INSTALLED",
        "TTS_TIMEOUT",
        "TTS_SERVICE_ERROR",
    ]
    message: str


class FailureAnswer(Answer):
    """Any request that failed."""

    success: Literal[False]
    error: ErrorObject


class SynthesisAnswer(Answer):
    """A finished synthesize: the audio's length, and the file when one was asked for."""

    success: Literal[True]
    duration: float = Field(description="Seconds of audio.")
    filePath: str | None = Field(None, description="outputPath, as it was sent.")
    fileSize: int | None = Field(None, description="The MP3's size in bytes.")


class PingAnswer(Answer):
    """Is the service alive; ``unavailable`` with the error when its model failed to load."""

    status: Literal["healthy", "unavailable"]
    model: Literal["kokoro-82m"]
    uptime: float = Field(description="Seconds since the service started.")
    error: ErrorObject | None = None


class ChunkEvent(Answer):
    """One sentence of a streamed synthesize is ready; with ``audio``, it carries it."""

    event: Literal["chunk"]
    index: int
    start: float = Field(description="Seconds from the start of the request's audio.")
    duration: float
    text: str | None = None
    phonemes: str | None = None
    words: list[tuple[str, float, float, tuple[int, int] | None]] | None = Field(
        None, description="[word, start, end, [from, to] in text or null] (English)."
    )
    source: tuple[int, int] | None = Field(None, description="Where the sentence is in text.")
    pause: bool | None = Field(None, description="A [pause] tag's silence.")
    voice: str | None = None
    speaker: str | None = Field(None, description="The cast member whose line it is.")
    sampleRate: int | None = None
    encoding: Literal["f32le"] | None = Field(None, description="Little-endian float32, mono.")
    audio: str | None = Field(None, description="The samples, base64.")


class StatusLine(_Closed):
    """A line on stderr while the service starts: loading, then ready or failed."""

    status: Literal["loading", "ready", "failed"]
    error: ErrorObject | None = None


MESSAGES: dict[str, type[Message]] = {
    "synthesize": SynthesizeMessage,
    "ping": PingMessage,
    "shutdown": ShutdownMessage,
    "voices": VoicesMessage,
    "metrics": MetricsMessage,
}


def field_names(action: str) -> tuple[str, ...]:
    """The fields a request of ``action`` may have, ``action`` and ``id`` first."""
    fields = tuple(MESSAGES[action].model_fields)
    return ("action", "id", *(name for name in fields if name not in ("action", "id")))


#: What the service writes, by the name its schema is published under.
ANSWERS: dict[str, type[BaseModel]] = {
    "answer-failure": FailureAnswer,
    "answer-synthesize": SynthesisAnswer,
    "answer-ping": PingAnswer,
    "event-chunk": ChunkEvent,
    "status-line": StatusLine,
}


def message_schemas() -> dict[str, dict[str, Any]]:
    """Each request's JSON Schema by its action ("request-…"), and each answer's."""
    schemas = {f"request-{action}": model.model_json_schema() for action, model in MESSAGES.items()}
    schemas.update({name: model.model_json_schema() for name, model in ANSWERS.items()})
    return schemas
