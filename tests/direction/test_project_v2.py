"""Project schema 2: lexicon and cast in project.json, migration of version 1 with a snapshot,
unknown keys kept, and bad direction data reported without losing anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.direction.lexicon import LexiconEntry
from studio.errors import ErrorCode, StudioError
from studio.project.model import PROJECT_FILE, Project, Scene

V1 = {
    "schema": "narration-studio/project",
    "version": 1,
    "title": "Old",
    "default_voice": "af_heart",
    "scenes": [
        {
            "id": "a1",
            "title": "One",
            "text": "See [1] and \\[x] here.",
            "voice": None,
            "speed": 1.0,
            "pause_after": 0.5,
        },
        {
            "id": "b2",
            "title": "Two",
            "text": "Plain.",
            "voice": None,
            "speed": 1.0,
            "pause_after": 0.5,
        },
    ],
}


def write_v1(folder: Path) -> bytes:
    folder.mkdir()
    data = json.dumps(V1, indent=2).encode()
    (folder / PROJECT_FILE).write_bytes(data)
    return data


def test_lexicon_and_cast_round_trip(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p", "Film", [Scene("ALICE: Hi.")])
    project.lexicon.add(LexiconEntry("Worcester", ipa="wˈʊstəɹ"))
    project.lexicon.add(LexiconEntry("Nguyen", say="win", case_sensitive=True))
    project.cast.set("Alice", "af_bella")
    project.save()
    loaded = Project.load(project.folder)
    assert loaded.lexicon == project.lexicon and loaded.cast == project.cast
    raw = json.loads(project.file.read_text())
    assert raw["version"] == 2
    assert raw["cast"] == [{"name": "Alice", "voice": "af_bella"}]
    assert raw["lexicon"][1] == {
        "word": "Nguyen",
        "say": "win",
        "case_sensitive": True,
        "language": "en",
    }


def test_a_version_1_project_is_migrated_and_its_original_kept(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    original = write_v1(folder)
    project = Project.load(folder)
    # Its brackets were spoken in version 1; escaped, they still are.
    assert project.scenes[0].text == "See \\[1\\] and \\\\\\[x\\] here."
    from studio.direction.grammar import Speech, parse

    (speech,) = parse(project.scenes[0].text)
    assert isinstance(speech, Speech) and speech.text == V1["scenes"][0]["text"]
    (snapshot,) = (folder / ".snapshots").iterdir()
    assert snapshot.name.startswith("project-") and snapshot.name.endswith("Z-before-v2.json")
    assert len(snapshot.name) == len("project-20260101T000000Z-before-v2.json")
    assert snapshot.read_bytes() == original
    assert json.loads((folder / PROJECT_FILE).read_text())["version"] == 2
    Project.load(folder)  # opening again changes nothing more
    assert len(list((folder / ".snapshots").iterdir())) == 1


def test_keys_of_other_versions_are_kept(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p", "Film", [Scene("Hi.")])
    raw = json.loads(project.file.read_text())
    raw["chapters_v3"] = {"loudness": -16, "captions": ["srt"]}  # a later version's key
    project.file.write_text(json.dumps(raw))
    loaded = Project.load(project.folder)
    loaded.title = "Renamed"
    loaded.save()
    assert json.loads(project.file.read_text())["chapters_v3"] == raw["chapters_v3"]


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("lexicon", [{"word": "x", "ipa": "a", "say": "b"}], "either a respelling"),
        ("lexicon", {"word": "x"}, "list of entries"),
        ("cast", [{"name": "A:B", "voice": "af_bella"}], "cannot be a speaker name"),
        ("cast", [{"name": "A", "voice": "x"}, {"name": "a", "voice": "y"}], "appears twice"),
    ],
)
def test_bad_direction_data_is_reported_and_the_file_left_alone(
    tmp_path: Path, key: str, value: object, words: str
) -> None:
    project = Project.create(tmp_path / "p", "Film", [Scene("Hi.")])
    raw = json.loads(project.file.read_text())
    raw[key] = value
    project.file.write_text(json.dumps(raw))
    before = project.file.read_bytes()
    with pytest.raises(StudioError) as caught:
        Project.load(project.folder)
    assert caught.value.code is ErrorCode.PROJECT_CORRUPT and words in caught.value.message
    assert project.file.read_bytes() == before


def test_a_cast_member_without_a_voice_is_kept_until_it_is_given_one(tmp_path: Path) -> None:
    project = Project.create(tmp_path / "p", "Film", [Scene("Hi.")])
    raw = json.loads(project.file.read_text())
    raw["cast"] = [{"name": "Alice", "voice": ""}]
    project.file.write_text(json.dumps(raw))
    loaded = Project.load(project.folder)
    assert loaded.cast.members == {"Alice": ""}
    with pytest.raises(StudioError, match="Cast member 'Alice' has no voice"):
        loaded.cast.voice_of("alice")
    with pytest.raises(StudioError, match="Cast member 'Bob' has no voice"):
        loaded.cast.set("Bob", "")
    assert loaded.cast.members == {"Alice": ""}
