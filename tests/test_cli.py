"""The real ``narration-studio`` command in subprocesses: output files, progress and exit codes."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest

from studio.errors import EXIT_CODES, ErrorCode, StudioError
from tests.audio_checks import assert_mp3_spec
from tests.conftest import run_cli

SCRIPT = """# Arrival

The train pulled into the station just after dawn.

# Departure

She waved once, and then the platform was empty.
"""


@pytest.mark.model
def test_new_from_script_then_render_twice(tmp_path: Path, cli_env: dict[str, str]) -> None:
    script = tmp_path / "script.md"
    script.write_text(SCRIPT)
    created = run_cli(
        ["new", str(tmp_path / "trip"), "--from", str(script), "--voice", "emma"], cli_env
    )
    assert created.returncode == 0, created.stderr
    assert "2 scene(s)" in created.stdout
    project = json.loads((tmp_path / "trip" / "project.json").read_text())
    assert [s["title"] for s in project["scenes"]] == ["Arrival", "Departure"]
    assert project["default_voice"] == "emma"

    rendered = run_cli(["render", str(tmp_path / "trip")], cli_env)
    assert rendered.returncode == 0, rendered.stderr
    assert "2 rendered, 0 unchanged" in rendered.stderr
    for name in ("01-arrival.mp3", "02-departure.mp3"):
        assert_mp3_spec(tmp_path / "trip" / "audio" / name)

    again = run_cli(["render", str(tmp_path / "trip")], cli_env)
    assert again.returncode == 0 and "0 rendered, 2 unchanged" in again.stderr


@pytest.mark.model
def test_render_goes_on_past_a_scene_that_cannot_be_voiced(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    from studio.project.model import Project, Scene

    scenes = [
        Scene(text="Hello there.", title="Hello"),
        Scene(text="... !!! ???", title="Dots"),
        Scene(text="Goodbye now.", title="Bye"),
    ]
    Project.create(tmp_path / "p", "P", scenes)
    result = run_cli(["render", str(tmp_path / "p")], cli_env)
    assert result.returncode == EXIT_CODES[ErrorCode.INVALID_INPUT], result.stderr
    said = " ".join(result.stderr.split())  # the console may wrap long lines
    assert "1 scene(s) will fail" in said
    assert said.index("Scene 2 'Dots': Nothing to voice") < said.index("Done:")
    assert "2 rendered, 0 unchanged, 1 failed" in said
    assert "Traceback" not in result.stderr
    audio = tmp_path / "p" / "audio"
    assert_mp3_spec(audio / "01-hello.mp3")
    assert_mp3_spec(audio / "03-bye.mp3")
    assert not (audio / "02-dots.mp3").exists()


@pytest.mark.model
def test_say_writes_an_mp3_from_an_argument_or_stdin(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    out = tmp_path / "hello.mp3"
    result = run_cli(
        ["say", "Hello from the command line.", "-v", "af_bella:60,af_sky:40", "-o", str(out)],
        cli_env,
    )
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    assert assert_mp3_spec(out) > 1.0
    piped = run_cli(
        ["say", "-", "-o", str(tmp_path / "piped.mp3")], cli_env, stdin="Text from a pipe."
    )
    assert piped.returncode == 0 and assert_mp3_spec(tmp_path / "piped.mp3") > 0.5


def test_voices_lists_catalog_and_filters(cli_env: dict[str, str]) -> None:
    everything = run_cli(["voices"], cli_env)
    assert everything.returncode == 0
    assert len([ln for ln in everything.stdout.splitlines() if "_" in ln.split(" ")[0]]) == 55
    assert "sarah = af_sarah" in everything.stdout
    british = run_cli(["voices", "--lang", "b"], cli_env)
    assert {line.split()[0][:2] for line in british.stdout.splitlines()} == {"bf", "bm"}


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (
            ["say", "Hi.", "-v", "nobody", "-o", "x.mp3"],
            ErrorCode.INVALID_VOICE,
            "Available voices",
        ),
        (["say", "", "-o", "x.mp3"], ErrorCode.INVALID_INPUT, "Text is empty"),
        (["say", "a" * 5001, "-o", "x.mp3"], ErrorCode.INVALID_INPUT, "too long to pronounce"),
        (["say", "... !!! ??? -- ;;", "-o", "x.mp3"], ErrorCode.INVALID_INPUT, "Nothing to voice"),
        (["render", "no-such-project"], ErrorCode.PROJECT_NOT_FOUND, "narration-studio new"),
        (["voices", "--lang", "klingon"], ErrorCode.INVALID_INPUT, "Unknown language"),
    ],
)
def test_errors_give_their_exit_code_and_a_message(
    tmp_path: Path, cli_env: dict[str, str], args: list[str], code: ErrorCode, words: str
) -> None:
    result = run_cli(args, cli_env, cwd=tmp_path)
    assert result.returncode == EXIT_CODES[code], result.stderr
    assert code.value in result.stderr and words in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.mp3").exists()


def test_corrupt_project_exit_code_and_file_untouched(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    (tmp_path / "project.json").write_text("{oops")
    result = run_cli(["render", str(tmp_path)], cli_env)
    assert result.returncode == EXIT_CODES[ErrorCode.PROJECT_CORRUPT]
    assert (tmp_path / "project.json").read_text() == "{oops"
    existing = run_cli(["new", str(tmp_path)], cli_env)
    assert existing.returncode == EXIT_CODES[ErrorCode.PROJECT_EXISTS]


def test_missing_model_folder_exit_code(tmp_path: Path, cli_env: dict[str, str]) -> None:
    cli_env["NARRATION_STUDIO_MODEL_DIR"] = str(tmp_path / "no-model")
    result = run_cli(["say", "Hello.", "-o", str(tmp_path / "x.mp3")], cli_env)
    assert result.returncode == EXIT_CODES[ErrorCode.MODEL_NOT_FOUND]
    assert "does not exist" in result.stderr and "NARRATION_STUDIO_MODEL_DIR" in result.stderr


def test_core_does_not_import_qt() -> None:
    code = (
        "import sys, studio.engine, studio.render.export, studio.project.model, studio.cli,"
        " studio.speech.voices;"
        "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_user_text_and_paths_are_never_read_as_console_markup(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    """A voice, a script file and a project folder whose names look like rich markup or emoji."""
    (tmp_path / "[draft].md").write_bytes(b"\xff\xfe not UTF-8")
    cases = [
        (["say", "Hi.", "-v", "[ja]", "-o", "x.mp3"], "Voice '[ja]' not found"),
        (["new", "film", "--from", "[draft].md"], "Could not read [draft].md:"),
        (["render", "[bold]:smile:[/bold]"], "No project at [bold]:smile:[/bold] "),
    ]
    for args, words in cases:
        result = run_cli(args, cli_env, cwd=tmp_path)
        assert result.returncode != 0 and words in result.stderr, result.stderr


def test_a_hint_naming_a_package_extra_keeps_its_brackets() -> None:
    """The issue's own case: 'pip install misaki[ja]' lost its '[ja]' to the console."""
    from click.testing import CliRunner

    from studio.cli.common import reports_errors

    @click.command()
    @reports_errors
    def fail() -> None:
        raise StudioError(
            ErrorCode.NOT_INSTALLED,
            "Japanese voices need the package misaki[ja].",
            "Install it with: pip install 'misaki[ja]'",
        )

    result = CliRunner().invoke(fail)
    assert result.exit_code == EXIT_CODES[ErrorCode.NOT_INSTALLED]
    assert "need the package misaki[ja]." in result.output
    assert "Install it with: pip install 'misaki[ja]'" in result.output


def test_each_hub_retry_warning_is_printed_once(tmp_path: Path, cli_env: dict[str, str]) -> None:
    """No model folder and the hub unreachable (a closed local port): one line per retry."""
    with socket.socket() as probe:  # a free port, closed again: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        k: v
        for k, v in cli_env.items()
        if k not in ("NARRATION_STUDIO_MODEL_DIR", "HF_HUB_OFFLINE")
    }
    env |= {"HF_ENDPOINT": f"http://127.0.0.1:{port}", "HF_HOME": str(tmp_path / "hf")}
    with subprocess.Popen(
        [sys.executable, "-m", "studio", "say", "Hello.", "-o", str(tmp_path / "x.mp3")],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:  # hub retries sleep 1, 2, 4, 8 s: stop after the second
            lines.append(line.rstrip("\n"))
            if "[Retry 2/5]" in line:
                break
        proc.kill()
    retries = [line for line in lines if "Retrying in" in line]
    refusals = [line for line in lines if "Connection refused" in line]
    assert len(retries) == 2 and len(refusals) == 2, lines
    assert all(line.startswith("[WARNING] ") for line in lines), lines  # ours, none bare
