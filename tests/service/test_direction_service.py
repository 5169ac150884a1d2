"""The service honours the direction grammar and takes an optional per-request lexicon; bad tags
and entries are TTS_INVALID_INPUT with their position."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from studio import protocol
from tests.audio_checks import assert_mp3_spec
from tests.service.helpers import RawService, service_env

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Iterator[RawService]:
    cwd = tmp_path_factory.mktemp("direction-service")
    running = RawService(cwd, service_env(model_dir, cwd))
    running.wait_ready()
    running.cwd = cwd  # type: ignore[attr-defined]
    yield running
    assert running.close() == 0


def synthesize(**fields: object) -> dict[str, object]:
    return {"action": "synthesize", "voiceId": "af_heart", **fields}


def test_the_lexicon_field_is_parsed_and_bad_entries_named() -> None:
    line = json.dumps(
        synthesize(
            text="Hi Nguyen.",
            outputPath="a.mp3",
            lexicon=[{"word": "Nguyen", "say": "win", "caseSensitive": True}],
        )
    ).encode()
    request = protocol.parse_request(line)
    assert isinstance(request, protocol.Synthesize)
    assert [(e.word, e.say, e.case_sensitive) for e in request.lexicon] == [("Nguyen", "win", True)]
    bad = json.dumps(synthesize(text="x", outputPath="a.mp3", lexicon=[{"word": "x"}, 5]))
    with pytest.raises(protocol.RequestError, match="Field 'lexicon': Lexicon entry 1: The entry"):
        protocol.parse_request(bad.encode())


def test_a_request_with_a_pause_and_a_lexicon_streams_the_pause_in_order(
    service: RawService, transcribe: Callable[[Path], str]
) -> None:
    service.send(
        json.dumps(
            synthesize(
                id="d",
                stream=True,
                text="I will call you glimbus. [pause 1s] Pick up the [vexnor](/tˈɛləfˌOn/).",
                outputPath=".cache/audio/directed.mp3",
                lexicon=[{"word": "glimbus", "say": "tomorrow"}],
            )
        )
    )
    answer, events = service.answer()
    assert answer["success"] is True, answer
    starts = [e["start"] for e in events]
    assert starts == sorted(starts) and len(events) == 3
    assert events[1]["duration"] == 1.0  # the pause, as a chunk of its own
    path = service.cwd / ".cache/audio/directed.mp3"  # type: ignore[attr-defined]
    assert assert_mp3_spec(path) == pytest.approx(answer["duration"], abs=0.05)
    heard = transcribe(path).split()
    assert "tomorrow" in heard and "telephone" in heard, heard


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"text": "One.\nTwo [laughs]."}, "Line 2, column 5: '[laughs]' is not a tag"),
        ({"text": "Wait [pause 11s]."}, "Line 1, column 6: a pause of 11 s is out of range"),
        (
            {"text": "Hi.", "lexicon": [{"word": "a", "say": "b"}, {"word": "x", "ipa": "gx"}]},
            "Field 'lexicon': entry 2: The phonemes of 'x' use 'g' (U+0067)",
        ),
        ({"text": "Hi.", "lexicon": {"word": "x"}}, "Field 'lexicon' must be an array"),
    ],
)
def test_bad_tags_and_entries_are_invalid_input_with_their_position(
    service: RawService, fields: dict[str, object], words: str
) -> None:
    answer = service.request(synthesize(id=1, outputPath=".cache/audio/bad.mp3", **fields))
    assert answer["success"] is False
    assert answer["error"]["code"] == "TTS_INVALID_INPUT"
    assert words in answer["error"]["message"], answer


def test_dialogue_voice_and_silent_labels_travel_the_wire(service: RawService) -> None:
    """The extensions a project's read needs: quoted speech in its own voice, and speaker labels
    the cast does not know left unspoken; a voice is checked like voiceId."""
    service.send(
        json.dumps(
            synthesize(
                id="q",
                audio=True,
                text="NARRATOR: She said, “Wait for me.”",
                dialogueVoice="am_michael",
                silentLabels=True,
            )
        )
    )
    answer, events = service.answer()
    assert answer["success"] is True, answer
    voices = {str(e["text"]).strip(): e["voice"] for e in events}
    assert voices["“Wait for me.”"] == "am_michael" and voices["She said,"] == "af_heart"
    assert not any("NARRATOR" in text for text in voices)
    refused = service.request(
        synthesize(id="r", audio=True, text="“Hi.”", dialogueVoice="am_micheal")
    )
    assert refused["success"] is False
    assert "Field 'dialogueVoice'" in refused["error"]["message"]  # type: ignore[index]
