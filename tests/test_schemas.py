"""The JSON Schemas in docs/schemas/ are the models' own, and real files and requests pass them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from studio.direction.cast import Cast
from studio.direction.lexicon import LexiconEntry
from studio.project.export_settings import ExportSettings
from studio.project.model import Project, Scene
from studio.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "docs" / "schemas"


def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(loaded)
    return loaded


def test_the_published_schemas_are_the_models_own() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "schemas.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_saved_project_matches_the_project_schema(tmp_path: Path) -> None:
    scenes = [Scene("ANNA: Hello. [pause 1s] Bye.", "One", voice="af_bella"), Scene("Two.", "Two")]
    project = Project.create(tmp_path / "p", "Show", scenes, author="Ann")
    project.lexicon.add(LexiconEntry("Worcester", "wuster"))
    project.lexicon.add(LexiconEntry("Kokoro", ipa="kˈOkəɹO"))
    project.cast = Cast({"ANNA": "af_bella", "TOM": ""})
    project.export = ExportSettings(preset="podcast", captions=True, bitrate=192)
    project.save()
    saved = json.loads(project.file.read_text(encoding="utf-8"))
    Draft202012Validator(schema("project.json")).validate(saved)
    assert saved["lexicon"] and saved["cast"] and saved["export"]["captions"] is True


def test_saved_settings_match_the_settings_schema(tmp_path: Path) -> None:
    settings = Settings(model_dir="/m", backend="onnx", recent_projects=["/p"])
    settings.save(tmp_path / "settings.json")
    saved = json.loads((tmp_path / "settings.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema("settings.json")).validate(saved)


@pytest.mark.parametrize(
    ("name", "message", "valid"),
    [
        (
            "request-synthesize.json",
            {
                "action": "synthesize",
                "id": 1,
                "text": "Hi.",
                "voiceId": "sarah",
                "outputPath": "a.mp3",
            },
            True,
        ),
        (
            "request-synthesize.json",
            {
                "action": "synthesize",
                "text": "Hi.",
                "voiceId": "sarah",
                "audio": True,
                "lexicon": [{"word": "Hi", "say": "high", "caseSensitive": False}],
                "cast": {"ANNA": "af_bella"},
                "startAt": 0,
                "sentences": 1,
            },
            True,
        ),
        ("request-synthesize.json", {"action": "synthesize", "text": "Hi.", "voice": "x"}, False),
        ("request-ping.json", {"action": "ping", "id": "a"}, True),
        ("request-voices.json", {"action": "voices", "lang": "French"}, True),
        ("openai-speech.json", {"model": "tts-1", "input": "Hi.", "voice": "alloy"}, True),
        (
            "openai-speech.json",
            {"model": "tts-1", "input": "Hi.", "voice": "alloy", "speed": "fast"},
            False,
        ),
    ],
)
def test_requests_match_their_schemas(name: str, message: dict[str, Any], valid: bool) -> None:
    assert Draft202012Validator(schema(name)).is_valid(message) is valid


def test_the_error_object_names_exactly_the_wire_codes() -> None:
    import typing

    from studio.protocol.messages import ErrorObject
    from studio.protocol.requests import WIRE_CODES

    codes = set(typing.get_args(ErrorObject.model_fields["code"].annotation))
    assert codes == {code.value for code in WIRE_CODES}


SYNTHESIZE_TO_FILE = {
    "action": "synthesize",
    "id": "s",
    "text": "Hi there. Bye.",
    "voiceId": "sarah",
    "outputPath": ".cache/audio/a.mp3",
    "stream": True,
}
SYNTHESIZE_AUDIO = {
    "action": "synthesize",
    "id": "a",
    "text": "ANNA: Hello. [pause 1s]",
    "voiceId": "sarah",
    "audio": True,
    "cast": {"ANNA": "af_bella"},
}


@pytest.mark.model
def test_a_real_service_writes_what_its_schemas_say(tmp_path: Path, model_dir: Path) -> None:
    """Every line a running service writes, for each kind of answer, passes its schema."""
    from tests.service.helpers import RawService, service_env

    service = RawService(tmp_path, service_env(model_dir, tmp_path))
    try:
        service.wait_ready()
        ping = service.request({"action": "ping", "id": 1})
        service.send(json.dumps(SYNTHESIZE_TO_FILE))
        done, events = service.answer()
        service.send(json.dumps(SYNTHESIZE_AUDIO))
        _, audio_events = service.answer()
        failed = service.request(
            {"action": "synthesize", "text": "", "voiceId": "sarah", "outputPath": "b.mp3"}
        )
    finally:
        assert service.close() == 0
    statuses = [json.loads(line) for line in service.stderr_lines if line.startswith('{"status"')]
    checks = [
        ("answer-ping.json", [ping]),
        ("answer-synthesize.json", [done]),
        ("event-chunk.json", events + audio_events),
        ("answer-failure.json", [failed]),
        ("status-line.json", statuses),
    ]
    for name, messages in checks:
        validator = Draft202012Validator(schema(name))
        for message in messages:
            validator.validate(message)
    assert len(events) == 2 and len(audio_events) == 2 and audio_events[1]["pause"] is True
    assert done["fileSize"] > 0 and failed["error"]["code"] == "TTS_INVALID_INPUT"
    assert [s["status"] for s in statuses] == ["loading", "ready"]
