"""The service's JSON-lines contract, parsed and built without a process (the service tests run
the same contract through a real one)."""

from __future__ import annotations

import io
import json

import pytest

from studio import protocol
from studio.errors import ErrorCode, StudioError
from studio.service.lines import read_lines

SEED_REQUEST = {
    "action": "synthesize",
    "text": "Hello, I'm your AI video narrator.",
    "voiceId": "sarah",
    "outputPath": ".cache/audio/projects/abc123/scene-1.mp3",
}


def line(obj: object) -> bytes:
    return json.dumps(obj).encode()


def test_seed_request_parses_to_a_typed_request() -> None:
    request = protocol.parse_request(line(SEED_REQUEST))
    assert request == protocol.Synthesize(
        None, SEED_REQUEST["text"], "sarah", SEED_REQUEST["outputPath"], 1.0, False
    )
    streamed = protocol.parse_request(
        line({**SEED_REQUEST, "id": "a", "speed": 1.5, "stream": True})
    )
    assert isinstance(streamed, protocol.Synthesize)
    assert (streamed.id, streamed.speed, streamed.stream) == ("a", 1.5, True)


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"action": "ping"}, protocol.Ping(None)),
        ({"action": "ping", "id": 3}, protocol.Ping(3)),
        ({"action": "shutdown", "id": "x"}, protocol.Shutdown("x")),
        ({"action": "metrics"}, protocol.Metrics(None)),
        ({"action": "voices", "lang": "b"}, protocol.Voices(None, "b")),
    ],
)
def test_control_actions_parse(obj: dict[str, object], expected: protocol.Request) -> None:
    assert protocol.parse_request(line(obj)) == expected


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        (b"", ErrorCode.INVALID_INPUT, "empty"),
        (b"not json", ErrorCode.INVALID_INPUT, "not valid JSON"),
        (b"\xff\xfe{}", ErrorCode.INVALID_INPUT, "UTF-8"),
        (b"[1, 2]", ErrorCode.INVALID_INPUT, "JSON object, not an array"),
        (b"[" * 100_000 + b"]" * 100_000, ErrorCode.INVALID_INPUT, "nested too deeply"),
        (b'{"action": "ping", "id": ' + b"9" * 5000 + b"}", ErrorCode.INVALID_INPUT, "too long"),
        (line({"id": 1}), ErrorCode.INVALID_INPUT, "no 'action'"),
        (line({"action": 5}), ErrorCode.INVALID_INPUT, "'action' must be a string"),
        (line({"action": "synthesise"}), ErrorCode.INVALID_INPUT, "Did you mean 'synthesize'"),
        (line({"action": "ping", "id": [1]}), ErrorCode.INVALID_INPUT, "'id' must be"),
        (line({"action": "ping", "id": True}), ErrorCode.INVALID_INPUT, "'id' must be"),
        (line({**SEED_REQUEST, "voiceID": "x"}), ErrorCode.INVALID_INPUT, "Did you mean 'voiceId'"),
        (line({**SEED_REQUEST, "text": ""}), ErrorCode.INVALID_INPUT, "Text is empty"),
        (line({**SEED_REQUEST, "text": " \n "}), ErrorCode.INVALID_INPUT, "Text is empty"),
        (line({**SEED_REQUEST, "text": "a" * 5001}), ErrorCode.INVALID_INPUT, "limit is 5000"),
        (line({**SEED_REQUEST, "text": "😀 🎉"}), ErrorCode.INVALID_INPUT, "Nothing to voice"),
        (line({**SEED_REQUEST, "text": 5}), ErrorCode.INVALID_INPUT, "'text' must be a string"),
        (line({**SEED_REQUEST, "text": "ok\ud800"}), ErrorCode.INVALID_INPUT, "surrogate"),
        (line({**SEED_REQUEST, "speed": "fast"}), ErrorCode.INVALID_INPUT, "'speed' must be"),
        (line({**SEED_REQUEST, "speed": True}), ErrorCode.INVALID_INPUT, "'speed' must be"),
        (line({**SEED_REQUEST, "stream": "yes"}), ErrorCode.INVALID_INPUT, "'stream' must be"),
        (line({"action": "voices", "lang": 1}), ErrorCode.INVALID_INPUT, "'lang' must be"),
        (
            line({k: v for k, v in SEED_REQUEST.items() if k != "text"}),
            ErrorCode.INVALID_INPUT,
            "'text' is missing",
        ),
        (
            line({**SEED_REQUEST, "voiceId": ["sarah"]}),
            ErrorCode.INVALID_INPUT,
            "'voiceId' must be",
        ),
        (
            line({**SEED_REQUEST, "voiceId": "xyz"}),
            ErrorCode.INVALID_VOICE,
            "Available voices: emma",
        ),
        (
            line({**SEED_REQUEST, "voiceId": "sarha"}),
            ErrorCode.INVALID_VOICE,
            "Did you mean 'sarah'",
        ),
        (line({**SEED_REQUEST, "voiceId": ""}), ErrorCode.INVALID_VOICE, "No voice given"),
        (line({**SEED_REQUEST, "outputPath": ""}), ErrorCode.INVALID_PATH, "empty"),
        (
            line({**SEED_REQUEST, "outputPath": "a.wav"}),
            ErrorCode.INVALID_PATH,
            "does not end in .mp3",
        ),
        (line({**SEED_REQUEST, "outputPath": "a\x00.mp3"}), ErrorCode.INVALID_PATH, "NUL"),
        (
            line({**SEED_REQUEST, "outputPath": "a" * 5000 + ".mp3"}),
            ErrorCode.INVALID_PATH,
            "longer",
        ),
    ],
)
def test_bad_requests_get_the_seed_code_and_a_clear_message(
    raw: bytes, code: ErrorCode, words: str
) -> None:
    with pytest.raises(protocol.RequestError) as caught:
        protocol.parse_request(raw)
    assert caught.value.code is code
    assert words in caught.value.user_text()


def test_errors_echo_a_readable_id_only() -> None:
    with pytest.raises(protocol.RequestError) as caught:
        protocol.parse_request(line({**SEED_REQUEST, "voiceId": "xyz", "id": "r1"}))
    assert protocol.failure(caught.value, caught.value.request_id)["id"] == "r1"
    with pytest.raises(protocol.RequestError) as caught:
        protocol.parse_request(line({"action": "ping", "id": {"x": 1}}))
    assert "id" not in protocol.failure(caught.value, caught.value.request_id)


def test_answers_have_the_seed_shapes() -> None:
    error = StudioError(ErrorCode.INVALID_VOICE, "Voice 'xyz' not found.", "Pick another.")
    assert protocol.failure(error) == {
        "success": False,
        "error": {"code": "TTS_INVALID_VOICE", "message": "Voice 'xyz' not found. Pick another."},
    }
    assert protocol.ping_answer(None, 12.5) == {
        "status": "healthy",
        "model": "kokoro-82m",
        "uptime": 12.5,
    }
    assert protocol.success(4, duration=1.0) == {"id": 4, "success": True, "duration": 1.0}
    assert protocol.chunk_event("s", 1, 2.0, 0.5) == {
        "id": "s",
        "event": "chunk",
        "index": 1,
        "start": 2.0,
        "duration": 0.5,
    }


def test_studio_only_codes_travel_as_service_error() -> None:
    disk_full = StudioError(ErrorCode.IO_ERROR, "Could not write x: the disk is full.")
    assert protocol.failure(disk_full)["error"]["code"] == "TTS_SERVICE_ERROR"


def test_encoded_lines_are_ascii_json_ending_in_one_newline() -> None:
    encoded = protocol.encode({"id": "é\u2028", "success": True})
    assert encoded.endswith(b"\n") and encoded.count(b"\n") == 1
    assert json.loads(encoded) == {"id": "é\u2028", "success": True}
    encoded.decode("ascii")


@pytest.mark.parametrize("code", sorted(c.value for c in protocol.WIRE_CODES))
def test_wire_errors_become_typed_exceptions(code: str) -> None:
    with pytest.raises(protocol.TTSError) as caught:
        protocol.raise_for_answer({"success": False, "error": {"code": code, "message": "m"}})
    assert caught.value.code.value == code
    assert isinstance(caught.value, StudioError) and str(caught.value) == "m"


def test_unknown_wire_code_is_a_service_error() -> None:
    with pytest.raises(protocol.ServiceError):
        protocol.raise_for_answer({"success": False, "error": {"code": "NEW", "message": "m"}})
    assert protocol.raise_for_answer({"status": "healthy"}) == {"status": "healthy"}


def test_read_lines_bounds_each_line() -> None:
    limit = 10
    stream = io.BytesIO(b"short\n" + b"x" * limit + b"\n" + b"y" * 50 + b"\nafter\nlast")
    assert list(read_lines(stream, limit)) == [b"short", b"x" * limit, None, b"after", b"last"]
    assert list(read_lines(io.BytesIO(b"z" * (limit + 1)), limit)) == [None]
    assert list(read_lines(io.BytesIO(b""), limit)) == []


def test_the_audio_extension_needs_no_output_path_and_implies_streaming() -> None:
    request = protocol.parse_request(
        line({"action": "synthesize", "text": "Hi.", "voiceId": "sarah", "audio": True})
    )
    assert isinstance(request, protocol.Synthesize)
    assert (request.output_path, request.audio, request.stream) == (None, True, True)
    with_file = protocol.parse_request(line({**SEED_REQUEST, "audio": True}))
    assert isinstance(with_file, protocol.Synthesize) and with_file.output_path is not None
    for bad, code in (
        ({"action": "synthesize", "text": "Hi.", "voiceId": "sarah"}, ErrorCode.INVALID_INPUT),
        ({**SEED_REQUEST, "audio": "yes"}, ErrorCode.INVALID_INPUT),
        ({**SEED_REQUEST, "audio": True, "outputPath": "../x.mp3"}, None),
    ):
        if code is None:  # traversal is the service's check, not the parser's
            protocol.parse_request(line(bad))
            continue
        with pytest.raises(protocol.RequestError) as caught:
            protocol.parse_request(line(bad))
        assert caught.value.code is code
