"""The requests of the TTS service's contract: one JSON line parsed into a typed request, or a
``RequestError`` with the code to answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from studio.direction.cast import check_name, check_voice
from studio.direction.grammar import parse as parse_direction
from studio.direction.lexicon import Lexicon, LexiconEntry
from studio.errors import ErrorCode, StudioError, did_you_mean
from studio.protocol.messages import (
    MESSAGES,
    Message,
    SynthesizeMessage,
    VoicesMessage,
    field_names,
)
from studio.speech.text import MAX_TEXT_CHARS, validate_text
from studio.speech.voices import parse_voice

#: A request line longer than this (without its newline) is refused unread.
MAX_LINE_BYTES = 1 << 20
MODEL_NAME = "kokoro-82m"
MAX_ID_CHARS = 256
MAX_PATH_CHARS = 4096
#: HTTP: requests that may wait for a worker before 429. Each holds its body (at most about
#: 20 KB: 5,000 characters) and its connection, so 256 of them hold about 5 MB.
DEFAULT_QUEUE = 256
#: The wire carries only the seed's TTS_* codes; the studio's other codes travel as this one.
WIRE_CODES = frozenset(c for c in ErrorCode if c.value.startswith("TTS_"))

RequestId = str | int | None


@dataclass(frozen=True)
class Synthesize:
    id: RequestId
    text: str
    voice_id: str
    output_path: str | None  # None only with ``audio``: the audio travels in the events instead
    speed: float = 1.0
    stream: bool = False
    audio: bool = False  # extension: each chunk event carries its audio and word timings
    #: Pronunciation entries for this request (*extension*): ``[{"word", "say" | "ipa",
    #: "caseSensitive"?, "language"?}]``.
    lexicon: tuple[LexiconEntry, ...] = ()
    #: Speaker name → voice for ``NAME:`` lines (*extension*): ``{"ANNA": "af_bella"}``.
    cast: tuple[tuple[str, str], ...] = ()
    #: Start the read at the sentence holding this index of ``text``, and voice at most
    #: ``sentences`` sentences (*extension*, with ``"audio": true``: play from a sentence).
    start_at: int = 0
    sentences: int | None = None
    #: Leave speaker labels the cast does not know unspoken (*extension*, as in a project).
    silent_labels: bool = False
    #: Read quoted speech in narration with this voice (*extension*).
    dialogue_voice: str | None = None


@dataclass(frozen=True)
class Ping:
    id: RequestId


@dataclass(frozen=True)
class Shutdown:
    id: RequestId


@dataclass(frozen=True)
class Voices:
    id: RequestId
    lang: str | None = None


@dataclass(frozen=True)
class Metrics:
    id: RequestId


Request = Synthesize | Ping | Shutdown | Voices | Metrics

ACTIONS = tuple(MESSAGES)
_EXAMPLE = '{"action": "ping"}'


class RequestError(StudioError):
    """A request that cannot be served, with the id to echo (when the line had a readable one)."""

    def __init__(
        self, code: ErrorCode, message: str, hint: str = "", request_id: RequestId = None
    ) -> None:
        super().__init__(code, message, hint)
        self.request_id = request_id


def parse_request(line: bytes) -> Request:
    """One request line (without its newline) as a typed request, or RequestError."""
    obj = _decode(line)
    request_id = _request_id(obj)
    try:
        return _typed_request(obj, request_id)
    except RequestError:
        raise
    except StudioError as exc:  # text and voice checks from the core
        raise RequestError(exc.code, exc.message, exc.hint, request_id) from None


def _decode(line: bytes) -> dict[str, Any]:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid("The request is not valid UTF-8 text.") from None
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise _invalid("The request line is empty.")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid(
            f"The request is not valid JSON ({exc.msg} at column {exc.colno})."
        ) from None
    except RecursionError:
        raise _invalid("The request is not valid JSON (it is nested too deeply).") from None
    except ValueError:  # e.g. an integer with more digits than Python converts
        raise _invalid("The request is not valid JSON (a number in it is too long).") from None
    if not isinstance(obj, dict):
        raise _invalid(f"The request must be a JSON object, not {_json_type(obj)}.")
    return obj


def _request_id(obj: dict[str, Any]) -> RequestId:
    request_id = obj.get("id")
    if request_id is None:
        return None
    if isinstance(request_id, str) and len(request_id) <= MAX_ID_CHARS:
        return request_id
    if isinstance(request_id, int) and not isinstance(request_id, bool) and abs(request_id) < 2**53:
        return request_id
    raise _invalid(
        f"Field 'id' must be a string of at most {MAX_ID_CHARS} characters or an integer, "
        f"not {_json_type(request_id)}."
    )


def _typed_request(obj: dict[str, Any], request_id: RequestId) -> Request:
    action = obj.get("action")
    if action is None:
        raise _invalid("The request has no 'action'.", request_id)
    if not isinstance(action, str):
        raise _invalid(f"Field 'action' must be a string, not {_json_type(action)}.", request_id)
    if action not in MESSAGES:
        raise _invalid(
            f"Unknown action '{action[:100]}'.{did_you_mean(action, ACTIONS)}", request_id
        )
    allowed = field_names(action)
    for key in obj:
        if key not in allowed:
            raise _invalid(
                f"Unknown field '{key[:100]}' for action '{action}'.{did_you_mean(key, allowed)}",
                request_id,
                f"The fields are: {', '.join(allowed)}.",
            )
    message = _validated(MESSAGES[action], obj, request_id)
    if isinstance(message, SynthesizeMessage):
        return _synthesize(message, request_id)
    if isinstance(message, VoicesMessage):
        return Voices(request_id, message.lang)
    if action == "ping":
        return Ping(request_id)
    if action == "metrics":
        return Metrics(request_id)
    return Shutdown(request_id)


def _validated(model: type[Message], obj: dict[str, Any], request_id: RequestId) -> Message:
    """The message checked by its model; its first problem (in the order of the model's fields)
    in the contract's words."""
    try:
        return model.model_validate(obj)
    except ValidationError as exc:
        order = list(model.model_fields)
        errors = sorted(exc.errors(), key=lambda e: order.index(str(e["loc"][0])))
        key = str(errors[0]["loc"][0])
        if errors[0]["type"] == "missing":
            raise _invalid(f"Field '{key}' is missing.", request_id, _SYNTH_HINT) from None
        if key == "cast":
            raise _invalid(
                "Field 'cast' must be an object of speaker names to voices.",
                request_id,
                'For example {"ANNA": "af_bella", "TOM": "am_michael"}.',
            ) from None
        raise _invalid(
            f"Field '{key}' must be {_KINDS.get(key, 'a string')}, not {_json_type(obj[key])}.",
            request_id,
        ) from None


#: How a type error names what a field must be (the others are strings).
_KINDS = {
    "speed": "a number",
    "stream": "true or false",
    "audio": "true or false",
    "silentLabels": "true or false",
    "dialogueVoice": "a voice id",
    "startAt": "a whole number",
    "sentences": "a whole number",
    "lexicon": "an array",
}


def _synthesize(message: SynthesizeMessage, request_id: RequestId) -> Synthesize:
    text, voice_id, output_path = message.text, message.voiceId, message.outputPath
    audio = bool(message.audio)
    if output_path is None and not audio:
        raise _invalid("Field 'outputPath' is missing.", request_id, _SYNTH_HINT)
    validate_text(text, limit=MAX_TEXT_CHARS)
    _no_surrogates(text, "text", request_id)
    _no_surrogates(voice_id, "voiceId", request_id)
    parse_voice(voice_id)
    if output_path is not None:
        _check_output_path(output_path, request_id)
    parse_direction(text)  # a malformed tag fails now, with its line and column
    lexicon = _lexicon(message.lexicon, request_id)
    cast = _cast(message.cast, request_id)
    dialogue_voice = message.dialogueVoice
    if dialogue_voice is not None:
        _no_surrogates(dialogue_voice, "dialogueVoice", request_id)
        try:
            parse_voice(dialogue_voice)
        except StudioError as exc:
            raise RequestError(
                exc.code, f"Field 'dialogueVoice': {exc.message}", exc.hint, request_id
            ) from None
    start_at = _within(message.startAt, "startAt", 0, len(text), request_id)
    sentences = _within(message.sentences, "sentences", 1, None, request_id)
    if (start_at or sentences is not None) and not audio:
        raise _invalid(
            "Fields 'startAt' and 'sentences' need \"audio\": true.",
            request_id,
            "They choose what to listen to; a file always holds the whole text.",
        )
    return Synthesize(
        request_id,
        text,
        voice_id,
        output_path,
        1.0 if message.speed is None else message.speed,
        bool(message.stream) or audio,
        audio,
        lexicon,
        cast,
        start_at or 0,
        sentences,
        bool(message.silentLabels),
        dialogue_voice,
    )


def _cast(raw: dict[str, str] | None, request_id: RequestId) -> tuple[tuple[str, str], ...]:
    """The request's cast: speaker names to voices, each voice checked like voiceId."""
    if raw is None:
        return ()
    try:
        return tuple((check_name(name), check_voice(name, voice)) for name, voice in raw.items())
    except StudioError as exc:
        raise RequestError(exc.code, f"Field 'cast': {exc.message}", exc.hint, request_id) from None


def _within(
    value: int | None, key: str, low: int, high: int | None, request_id: RequestId
) -> int | None:
    """An optional whole number, checked to lie in [low, high]."""
    if value is not None and (value < low or (high is not None and value > high)):
        limit = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise _invalid(f"Field '{key}' must be a whole number {limit}.", request_id)
    return value


def _lexicon(raw: list[Any] | None, request_id: RequestId) -> tuple[LexiconEntry, ...]:
    """The request's own pronunciation entries; a bad one is refused by its position."""
    if raw is None:
        return ()
    try:
        return tuple(Lexicon.from_json(raw, camel=True))
    except StudioError as exc:
        raise _invalid(
            f"Field 'lexicon': {exc.message}",
            request_id,
            'An entry is {"word": "Worcester", "say": "wuster"} or {"word": "Worcester", '
            '"ipa": "wˈʊstəɹ"}, with optional "caseSensitive" and "language".',
        ) from None


_SYNTH_HINT = 'A synthesize request needs "text", "voiceId" and "outputPath".'


def _no_surrogates(value: str, key: str, request_id: RequestId) -> None:
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise _invalid(
            f"Field '{key}' contains an unpaired surrogate escape, which is not text.",
            request_id,
            "Send the text as UTF-8, or escape characters outside the BMP as surrogate pairs.",
        )


def _check_output_path(path: str, request_id: RequestId) -> None:
    """The checks that need no file system; the service checks where the path leads."""
    problem = None
    if not path.strip():
        problem = "Field 'outputPath' is empty."
    elif len(path) > MAX_PATH_CHARS:
        problem = f"Field 'outputPath' is longer than {MAX_PATH_CHARS} characters."
    elif "\x00" in path:
        problem = "Field 'outputPath' contains a NUL character."
    elif any("\ud800" <= char <= "\udfff" for char in path):
        problem = "Field 'outputPath' contains an unpaired surrogate escape."
    elif not path.lower().endswith(".mp3"):
        problem = f"Output path '{path[:200]}' does not end in .mp3."
    if problem:
        raise RequestError(
            ErrorCode.INVALID_PATH,
            problem,
            "Give an .mp3 file path inside the audio root, e.g. .cache/audio/projects/abc/scene-1.mp3.",
            request_id,
        )


def _invalid(message: str, request_id: RequestId = None, hint: str = "") -> RequestError:
    return RequestError(
        ErrorCode.INVALID_INPUT,
        message,
        hint or f"Send one JSON object per line, e.g. {_EXAMPLE}.",
        request_id,
    )


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
