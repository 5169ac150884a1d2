"""The lexicon and cast verbs of the real command, in subprocesses: round trips, and refusals
that change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from studio.errors import EXIT_CODES, ErrorCode
from tests.conftest import run_cli

INVALID_INPUT = EXIT_CODES[ErrorCode.INVALID_INPUT]


def project_json(folder: Path) -> dict[str, object]:
    return json.loads((folder / "project.json").read_text())


@pytest.fixture
def film(tmp_path: Path, cli_env: dict[str, str]) -> Path:
    script = tmp_path / "script.md"
    script.write_text("ALICE: Hello, Worcester.\nBOB: Hi.\n\nALICE: Bye.\n")
    folder = tmp_path / "film"
    assert run_cli(["new", str(folder), "--from", str(script)], cli_env).returncode == 0
    return folder


def test_lexicon_verbs_round_trip_through_pls(
    tmp_path: Path, film: Path, cli_env: dict[str, str]
) -> None:
    ok = run_cli(["lexicon", "add", str(film), "Worcester", "--ipa", "wˈʊstəɹ"], cli_env)
    assert ok.returncode == 0, ok.stderr
    assert "Added Worcester  --ipa wˈʊstəɹ" in ok.stdout
    ok = run_cli(
        ["lexicon", "add", str(film), "Nguyen", "--say", "win", "--case-sensitive"], cli_env
    )
    assert ok.returncode == 0, ok.stderr
    listed = run_cli(["lexicon", "list", str(film)], cli_env)
    assert listed.stdout.splitlines() == [
        "Worcester  --ipa wˈʊstəɹ",
        "Nguyen  --say win (case-sensitive)",
    ]
    pls = tmp_path / "names.pls"
    assert run_cli(["lexicon", "export", str(film), str(pls)], cli_env).returncode == 0
    empty = tmp_path / "empty"
    assert run_cli(["new", str(empty)], cli_env).returncode == 0
    imported = run_cli(["lexicon", "import", str(empty), str(pls)], cli_env)
    assert imported.returncode == 0, imported.stderr
    assert project_json(empty)["lexicon"] == project_json(film)["lexicon"]

    removed = run_cli(["lexicon", "remove", str(film), "nguyen"], cli_env)
    assert removed.returncode == 0 and "Removed Nguyen" in removed.stdout
    missing = run_cli(["lexicon", "remove", str(film), "Worcestr"], cli_env)
    assert missing.returncode == INVALID_INPUT and "Did you mean 'Worcester'?" in missing.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["lexicon", "add", "{film}", "Gag", "--ipa", "ɡˈæg"], "'g' (U+0067) at position 4"),
        (["lexicon", "add", "{film}", "Gag", "--say", "gag", "--ipa", "ɡæɡ"], "exactly one"),
        (["lexicon", "import", "{film}", "{bad_pls}"], "not well-formed XML"),
        (["lexicon", "import", "{film}", "{bad_symbol_pls}"], "'g' (U+0067)"),
        (["cast", "set", "{film}", "Carol", ""], "Cast member 'Carol' has no voice"),
        (["cast", "set", "{film}", "Carol", "af_bellla"], "Did you mean 'af_bella'?"),
    ],
)
def test_refusals_are_clear_and_lose_nothing(
    tmp_path: Path, film: Path, cli_env: dict[str, str], args: list[str], words: str
) -> None:
    assert (
        run_cli(["lexicon", "add", str(film), "Worcester", "--say", "wuster"], cli_env).returncode
        == 0
    )
    assert run_cli(["cast", "set", str(film), "Alice", "af_bella"], cli_env).returncode == 0
    bad_pls = tmp_path / "bad.pls"
    bad_pls.write_text("<lexicon")
    bad_symbol = tmp_path / "symbol.pls"
    bad_symbol.write_text(
        '<lexicon xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa">'
        "<lexeme><grapheme>ok</grapheme><alias>fine</alias></lexeme>"
        "<lexeme><grapheme>gag</grapheme><phoneme>gag</phoneme></lexeme></lexicon>"
    )
    before = (film / "project.json").read_bytes()
    names = {"film": film, "bad_pls": bad_pls, "bad_symbol_pls": bad_symbol}
    result = run_cli([a.format(**names) for a in args], cli_env)
    assert result.returncode in (INVALID_INPUT, EXIT_CODES[ErrorCode.INVALID_VOICE]), result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert (film / "project.json").read_bytes() == before


def test_cast_set_and_list(film: Path, cli_env: dict[str, str]) -> None:
    assert run_cli(["cast", "set", str(film), "Alice", "af_bella"], cli_env).returncode == 0
    assert run_cli(["cast", "set", str(film), "BOB", "am_michael"], cli_env).returncode == 0
    assert run_cli(["cast", "set", str(film), "alice", "sarah"], cli_env).returncode == 0
    listed = run_cli(["cast", "list", str(film)], cli_env)
    assert listed.stdout.splitlines() == ["alice: sarah", "BOB: am_michael"]
    scenes = project_json(film)["scenes"]
    assert scenes[0]["text"] == "ALICE: Hello, Worcester.\nBOB: Hi.\n\nALICE: Bye."  # type: ignore[index]


def test_cast_dialogue_sets_the_voice_of_quotes_for_the_project_or_a_scene(
    film: Path, cli_env: dict[str, str]
) -> None:
    assert run_cli(["cast", "dialogue", str(film), "am_michael"], cli_env).returncode == 0
    assert project_json(film)["dialogue_voice"] == "am_michael"
    assert "Quoted speech: am_michael" in run_cli(["cast", "list", str(film)], cli_env).stdout
    scene_id = project_json(film)["scenes"][0]["id"]  # type: ignore[index]
    off = run_cli(["cast", "dialogue", str(film), "--off", "--scene", scene_id], cli_env)
    assert off.returncode == 0, off.stderr
    assert project_json(film)["scenes"][0]["dialogue_voice"] == ""  # type: ignore[index]
    assert run_cli(["cast", "dialogue", str(film), "--off"], cli_env).returncode == 0
    assert "dialogue_voice" not in project_json(film)
    refused = run_cli(["cast", "dialogue", str(film), "am_micheal"], cli_env)
    assert refused.returncode != 0 and "Did you mean 'am_michael'?" in refused.stderr


@pytest.mark.model
def test_say_with_a_pls_lexicon(
    tmp_path: Path, cli_env: dict[str, str], transcribe: Callable[[Path], str]
) -> None:
    pls = tmp_path / "words.pls"
    pls.write_text(
        '<?xml version="1.0"?><lexicon version="1.0" alphabet="ipa" xml:lang="en-US" '
        'xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">'
        "<lexeme><grapheme>vexnor</grapheme><alias>telephone</alias></lexeme></lexicon>"
    )
    out = tmp_path / "line.mp3"
    said = run_cli(
        ["say", "Pick up the vexnor.", "-v", "am_adam", "-o", str(out), "--lexicon", str(pls)],
        cli_env,
    )
    assert said.returncode == 0, said.stderr
    assert "telephone" in transcribe(out).split()
