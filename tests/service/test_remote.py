"""Rendering and speaking through an HTTP server (``RemoteEngine``, ``--server``): the same
project render as the local engine (files, manifest, cache keys), streamed chunks with word
timings, and a clear error when the server cannot be reached."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from studio.client.remote import RemoteEngine, resolve_server
from studio.engine import Engine, LocalModelSource
from studio.engine.onnx_backend import OnnxBackend
from studio.engine.request import SpeechRequest
from studio.errors import ErrorCode, StudioError
from studio.project.model import Project, Scene
from studio.render.events import SceneDone
from studio.render.export import render_project
from studio.settings import Settings
from tests.audio_checks import assert_mp3_spec
from tests.conftest import run_cli
from tests.http_server import ONNX_EXPORT, HttpServer, free_port

pytestmark = pytest.mark.model

SCENES = [
    ("Opening", "The weather is nice today. We walked to the park."),
    ("Water", "We sat by the water."),
]


@pytest.fixture(scope="module")
def remote(http_server: HttpServer) -> Any:
    engine = RemoteEngine(http_server.url, http_server.token)
    engine.load()
    yield engine
    engine.close()


def test_a_project_renders_through_the_server_with_local_cache_keys(
    remote: RemoteEngine,
    tmp_path: Path,
    model_dir: Path,
    onnx_durations_cache: Path,
    transcribe: Callable[[Path], str],
    word_error_rate: Callable[[str, str], float],
) -> None:
    project = Project.create(tmp_path / "film", "Film", [Scene(t, n) for n, t in SCENES])
    done = [e for e in render_project(project, remote) if isinstance(e, SceneDone)]
    assert [(e.status, e.file.name) for e in done] == [
        ("rendered", "01-opening.mp3"),
        ("rendered", "02-water.mp3"),
    ]
    for event, (_title, text) in zip(done, SCENES, strict=True):
        assert assert_mp3_spec(event.file) == pytest.approx(event.duration, abs=0.06)
        heard = transcribe(event.file)
        assert word_error_rate(text, heard) <= 0.35, heard
    manifest = json.loads((project.audio_dir / "manifest.json").read_text())
    assert list(manifest["scenes"]) == [s.id for s in project.scenes]

    # The same model and backend here (the server's onnx export): the keys match, so nothing
    # is rendered again when the user switches back to the local model.
    local = Engine(
        LocalModelSource(model_dir),
        OnnxBackend(LocalModelSource(model_dir), ONNX_EXPORT, cache_dir=onnx_durations_cache),
    )
    again = [e.status for e in render_project(project, local) if isinstance(e, SceneDone)]
    assert again == ["cached", "cached"]


def test_synthesize_streams_chunks_with_word_timings(remote: RemoteEngine) -> None:
    chunks = list(
        remote.synthesize(SpeechRequest("Good morning. The ships are in.", "bm_george", 1.0))
    )
    assert [c.text for c in chunks] == ["Good morning.", "The ships are in."]
    assert [w.word for w in chunks[1].words] == ["The", "ships", "are", "in"]
    assert remote.device.startswith("server 127.0.0.1:") and remote.loaded


def test_bad_requests_fail_at_once_like_the_local_engine(remote: RemoteEngine) -> None:
    for call, code in (
        (lambda: remote.synthesize(SpeechRequest("", "sarah")), ErrorCode.INVALID_INPUT),
        (lambda: remote.synthesize(SpeechRequest("Hi.", "nobody")), ErrorCode.INVALID_VOICE),
        (lambda: remote.synthesize(SpeechRequest("Hi.", "sarah", 3.0)), ErrorCode.INVALID_INPUT),
    ):
        with pytest.raises(StudioError) as caught:
            call()  # before any request: synthesize is not a generator until checked
        assert caught.value.code is code


def test_an_unreachable_server_is_a_clear_error() -> None:
    nowhere = RemoteEngine(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StudioError) as caught:
        nowhere.load()
    assert caught.value.code is ErrorCode.SERVICE_ERROR
    assert "not reachable" in caught.value.message
    nowhere.close()


def test_which_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NARRATION_STUDIO_SERVER", raising=False)
    settings = Settings(server="http://box:11435/")
    assert resolve_server(None, settings) == "http://box:11435"
    assert resolve_server("local", settings) is None
    assert resolve_server(None, Settings()) is None
    monkeypatch.setenv("NARRATION_STUDIO_SERVER", "http://env:1")
    assert resolve_server(None, settings) == "http://env:1"
    with pytest.raises(StudioError, match="not an http"):
        resolve_server("box:11435", settings)


def test_the_command_line_renders_and_speaks_on_a_server(
    http_server: HttpServer, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    cli_env["NARRATION_STUDIO_TOKEN"] = str(http_server.token)
    script = tmp_path / "script.md"
    script.write_text("# One\nHello from the server.\n\n# Two\nAnd goodbye.\n")
    assert run_cli(["new", str(tmp_path / "film"), "--from", str(script)], cli_env).returncode == 0
    done = run_cli(["--server", http_server.url, "render", str(tmp_path / "film")], cli_env)
    assert done.returncode == 0, done.stderr
    assert "2 rendered" in done.stderr
    said = run_cli(
        ["--server", http_server.url, "say", "Spoken remotely.", "-o", str(tmp_path / "s.mp3")],
        cli_env,
    )
    assert said.returncode == 0 and assert_mp3_spec(tmp_path / "s.mp3") > 0.5
    gone = run_cli(
        [
            "--server",
            f"http://127.0.0.1:{free_port()}",
            "render",
            str(tmp_path / "film"),
            "--force",
        ],
        cli_env,
    )
    assert gone.returncode == 8 and "not reachable" in gone.stderr
    assert "Traceback" not in gone.stderr


def test_direction_travels_to_the_server(
    remote: RemoteEngine,
    transcribe: Callable[[Path], str],
    tmp_path: Path,
) -> None:
    """A dialogue with a pause and a lexicon entry, read on the server: the speakers' voices,
    the pause chunk and the respelt word arrive as the local engine gives them."""
    import soundfile

    from studio.direction.cast import Cast
    from studio.direction.lexicon import LexiconEntry
    from studio.direction.plan import Direction

    direction = Direction.of(
        [LexiconEntry("Zorblaxian", say="banana")],
        Cast({"ANNA": "af_bella", "TOM": "am_michael"}),
    )
    text = "ANNA: Here is the Zorblaxian.\n[pause 1s]\nTOM: Thank you."
    chunks = list(remote.synthesize(SpeechRequest(text, "af_heart", 1.0, direction)))
    assert [(c.pause, c.speaker, c.voice) for c in chunks] == [
        (False, "ANNA", "af_bella"),
        (True, None, chunks[1].voice),
        (False, "TOM", "am_michael"),
    ]
    assert chunks[1].duration == pytest.approx(1.0, abs=0.01)
    assert chunks[2].start == pytest.approx(chunks[1].start + 1.0, abs=0.01)
    assert chunks[0].source is not None and text[slice(*chunks[0].source)].startswith("Here")
    soundfile.write(tmp_path / "anna.wav", chunks[0].audio, 24_000)
    assert "banana" in transcribe(tmp_path / "anna.wav")

    tom_only = list(
        remote.synthesize(SpeechRequest(text, "af_heart", 1.0, direction, text.index("Thank")))
    )
    assert [c.speaker for c in tom_only] == ["TOM"]
    assert "ɡ" in remote.phoneme_symbols()
    with pytest.raises(StudioError) as caught:
        remote.synthesize(
            SpeechRequest("ANNA: Hi.", "af_heart", 1.0, Direction.of([], Cast({"ANNA": ""})))
        )
    assert caught.value.code is ErrorCode.INVALID_INPUT  # as locally: by line and column
    assert "Line 1, column 1" in caught.value.message and "no voice" in caught.value.message
