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


class Message(BaseModel):
    """What every request has: an action and an optional id. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

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


def message_schemas() -> dict[str, dict[str, Any]]:
    """Each request's JSON Schema, by action."""
    return {action: model.model_json_schema() for action, model in MESSAGES.items()}
