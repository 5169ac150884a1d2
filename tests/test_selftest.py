"""``narration-studio --self-test`` in a real subprocess: the one-line report, and clear failures."""

import re
from pathlib import Path

import numpy as np
import pytest
import soundfile

from studio.errors import EXIT_CODES, ErrorCode, StudioError
from tests.conftest import run_cli

REPORT = re.compile(
    r"^self-test ok: load [\d.]+ s, synth [\d.]+ s for (?P<audio>[\d.]+) s audio \(RTF [\d.]+\), "
    r"mp3 (?P<kb>\d+) kB 44100 Hz mono 128 kbps, device \w+, (torch|onnxruntime) [\d.]+, portaudio [\d.]+$"
)


@pytest.mark.model
def test_self_test_voices_a_sentence_and_reports_one_line(
    model_dir: Path, cli_env: dict[str, str]
) -> None:
    cli_env.pop("NARRATION_STUDIO_MODEL_DIR")
    result = run_cli(["--self-test", "--model-dir", str(model_dir)], cli_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    match = REPORT.match(lines[0])
    assert match, lines[0]
    assert 2.0 < float(match["audio"]) < 10.0
    assert int(match["kb"]) > 10


def test_self_test_with_a_missing_model_folder_fails_clearly(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    missing = tmp_path / "no-model-here"
    result = run_cli(["--self-test", "--model-dir", str(missing)], cli_env)
    assert result.returncode == EXIT_CODES[ErrorCode.MODEL_NOT_FOUND]
    assert result.stdout == ""
    assert f"Model folder {missing} does not exist." in result.stderr
    assert "Traceback" not in result.stderr


def test_self_test_with_an_incomplete_model_folder_names_the_missing_file(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    folder = tmp_path / "model"
    (folder / "voices").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    result = run_cli(["--self-test", "--model-dir", str(folder)], cli_env)
    assert result.returncode == EXIT_CODES[ErrorCode.MODEL_NOT_FOUND]
    assert "kokoro-v1_0.pth is missing" in result.stderr
    assert "Traceback" not in result.stderr


class _BrokenBackend:
    """Stands in for a bundle whose torch library cannot load: a fault the venv cannot produce."""

    name = "broken"
    device = "cpu"
    gives_durations = False
    chosen_because = "a test"
    needs_torch = True
    audio_revision = ""

    def load(self) -> None:
        raise OSError("libtorch_cpu.so: cannot open shared object file")


def test_an_unexpected_failure_becomes_a_clear_error(model_dir: Path) -> None:
    from studio.cli.selftest import run_self_test
    from studio.engine import Engine, LocalModelSource

    engine = Engine(LocalModelSource(model_dir), backend=_BrokenBackend())  # type: ignore[arg-type]
    with pytest.raises(StudioError) as caught:
        run_self_test(engine)
    assert caught.value.code is ErrorCode.SERVICE_ERROR
    assert caught.value.message == (
        "Self-test failed: OSError: libtorch_cpu.so: cannot open shared object file."
    )


def test_the_mp3_check_rejects_a_file_in_another_format(tmp_path: Path) -> None:
    from studio.cli.selftest import _check_mp3

    path = tmp_path / "stereo.mp3"
    tone = 0.5 * np.sin(np.linspace(0, 2000 * np.pi, 44_100, dtype=np.float32))
    soundfile.write(path, np.stack([tone, tone], axis=1), 44_100, format="MP3")
    with pytest.raises(StudioError, match="2 channel\\(s\\)"):
        _check_mp3(path, 1.0)
