"""The TTS service as a real process on the real model: every action, every error code a request can
cause, path traversal, hostile and fuzzed lines, and a shell pipeline."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from studio import protocol
from studio.speech.voices import CATALOG
from tests.audio_checks import assert_mp3_spec
from tests.service.helpers import RawService, service_env

pytestmark = pytest.mark.model

SEED_PATH = ".cache/audio/projects/abc123/scene-1.mp3"
SEED_TEXT = "Hello, I'm your AI video narrator."
CODES = {c.value for c in protocol.WIRE_CODES}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The service's working folder: the default audio root, an outside folder, and symlinks."""
    cwd = tmp_path_factory.mktemp("service")
    root = cwd / ".cache" / "audio"
    root.mkdir(parents=True)
    (cwd / "outside").mkdir()
    (cwd / "outside" / "secret.mp3").write_bytes(b"keep me")
    (root / "link-out").symlink_to(cwd / "outside")
    (root / "file-link.mp3").symlink_to(cwd / "outside" / "secret.mp3")
    (root / "dangling.mp3").symlink_to(cwd / "outside" / "new.mp3")
    (root / "loop").symlink_to(root / "loop")
    (root / "link-in").symlink_to(root / "projects", target_is_directory=True)
    (root / "folder.mp3").mkdir()
    (root / "plain.mp3").write_bytes(b"x")
    return cwd


@pytest.fixture(scope="module")
def service(workdir: Path, model_dir: Path) -> Iterator[RawService]:
    running = RawService(workdir, service_env(model_dir, workdir))
    running.wait_ready()
    yield running
    running.send(json.dumps({"action": "shutdown", "id": "bye"}))
    assert running.answer()[0] == {"id": "bye", "success": True}
    assert running.close() == 0
    not_json = [line for line in running.stdout_lines if not _is_json_object(line)]
    assert not_json == [], "stdout must carry only protocol lines"


def _is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(json.loads(raw), dict)
    except ValueError:
        return False


def synth(**fields: Any) -> dict[str, Any]:
    return {"action": "synthesize", "text": SEED_TEXT, "voiceId": "sarah", **fields}


def assert_error(answer: dict[str, Any], code: str, *words: str) -> None:
    assert answer["success"] is False, answer
    assert set(answer["error"]) == {"code", "message"}
    assert answer["error"]["code"] == code, answer
    message = answer["error"]["message"]
    assert "Traceback" not in message and 'File "' not in message
    for word in words:
        assert word in message, message


def test_stderr_says_loading_then_ready_then_logs(service: RawService) -> None:
    assert service.stderr_lines[0] == '{"status": "loading"}'
    ready = service.stderr_lines.index('{"status": "ready"}')
    loaded = [line for line in service.stderr_lines[1:ready] if "Model loaded" in line]
    assert loaded and all(line.startswith("[INFO]") for line in loaded), service.stderr_lines
    assert "warmed up in" in loaded[-1]  # ready means warm: the first request pays no set-up
    assert service.request({"action": "ping"})["status"] == "healthy"
    assert all(line.startswith("[") for line in service.stderr_lines[ready + 1 :])


def test_seed_example_request_writes_the_mp3(
    service: RawService, workdir: Path, transcribe: Any
) -> None:
    answer = service.request(synth(outputPath=SEED_PATH))
    assert set(answer) == {"success", "duration", "filePath", "fileSize"}
    assert answer["success"] is True and answer["filePath"] == SEED_PATH
    written = workdir / SEED_PATH
    assert answer["fileSize"] == written.stat().st_size
    assert answer["duration"] == pytest.approx(assert_mp3_spec(written), abs=0.06)
    heard = transcribe(written)  # pocketsphinx rarely gets "AI video"; the rest it hears
    assert {"hello", "narrator"} <= set(heard.split()), heard
    assert [p.name for p in written.parent.iterdir()] == ["scene-1.mp3"]  # no temp file left


def test_ids_are_echoed_on_every_kind_of_answer(service: RawService) -> None:
    assert service.request({"action": "ping", "id": "p-1"})["id"] == "p-1"
    assert service.request({"action": "metrics", "id": 42})["id"] == 42
    assert service.request({"action": "nope", "id": "e-1"})["id"] == "e-1"
    assert service.request(synth(outputPath="../x.mp3", id=7))["id"] == 7
    assert "id" not in service.request({"action": "ping"})


def test_speed_changes_the_length(service: RawService) -> None:
    normal = service.request(synth(outputPath=".cache/audio/speed/normal.mp3", text="Quick test."))
    fast = service.request(
        synth(outputPath=".cache/audio/speed/fast.mp3", text="Quick test.", speed=2.0)
    )
    assert 0.3 < fast["duration"] / normal["duration"] < 0.75


def test_stream_sends_one_event_per_sentence_then_the_answer(service: RawService) -> None:
    text = "The first sentence. The second one is here. And a third!"
    service.send(
        json.dumps(synth(text=text, outputPath=".cache/audio/s/x.mp3", stream=True, id="s"))
    )
    answer, events = service.answer()
    assert [e["index"] for e in events] == [0, 1, 2]
    assert all(set(e) == {"id", "event", "index", "start", "duration"} for e in events)
    assert all(e["id"] == "s" and e["event"] == "chunk" for e in events)
    start = 0.0
    for chunk in events:
        assert chunk["start"] == pytest.approx(start, abs=0.002)
        start += chunk["duration"]
    assert answer["success"] is True and answer["id"] == "s"
    assert answer["duration"] == pytest.approx(start, abs=0.06)


def test_audio_extension_streams_samples_and_word_timings_without_a_file(
    service: RawService, workdir: Path
) -> None:
    text = "Good morning. The audio comes back."
    service.send(json.dumps({**synth(text=text, audio=True, id="a")}))
    answer, events = service.answer()
    assert [e["index"] for e in events] == [0, 1] and answer == {
        "id": "a",
        "success": True,
        "duration": answer["duration"],
    }
    samples = [np.frombuffer(base64.b64decode(e["audio"]), "<f4") for e in events]
    for chunk, audio in zip(events, samples, strict=True):
        assert (chunk["sampleRate"], chunk["encoding"]) == (24000, "f32le")
        assert len(audio) / 24000 == pytest.approx(chunk["duration"], abs=0.001)
        assert 0.01 < float(np.abs(audio).max()) <= 1.0
    assert [e["text"] for e in events] == ["Good morning.", "The audio comes back."]
    assert [w[0] for w in events[1]["words"]] == ["The", "audio", "comes", "back"]
    assert events[1]["words"][0][1] >= events[1]["start"]
    assert answer["duration"] == pytest.approx(sum(len(a) for a in samples) / 24000, abs=0.002)
    assert not list((workdir / ".cache/audio").rglob("*.mp3.tmp*"))


def test_ping_answers_the_seed_health_shape(service: RawService) -> None:
    first = service.request({"action": "ping"})
    assert set(first) == {"status", "model", "uptime"}
    assert first["status"] == "healthy" and first["model"] == "kokoro-82m"
    assert service.request({"action": "ping"})["uptime"] >= first["uptime"] > 0


def test_voices_lists_the_catalogue_and_profiles(service: RawService) -> None:
    answer = service.request({"action": "voices"})
    assert answer["success"] is True
    assert {v["id"] for v in answer["voices"]} == set(CATALOG)
    assert answer["profiles"]["sarah"] == "af_sarah"
    british = service.request({"action": "voices", "lang": "b"})
    assert {v["id"][:2] for v in british["voices"]} == {"bf", "bm"}
    assert_error(service.request({"action": "voices", "lang": "xx"}), "TTS_INVALID_INPUT", "xx")


@pytest.mark.parametrize(
    ("request_line", "code", "words"),
    [
        (synth(outputPath=SEED_PATH, voiceId="xyz"), "TTS_INVALID_VOICE", ["'xyz'", "sarah, "]),
        (synth(outputPath=SEED_PATH, voiceId="sarha"), "TTS_INVALID_VOICE", ["Did you mean"]),
        (synth(outputPath=SEED_PATH, voiceId="af_bella:0"), "TTS_INVALID_VOICE", ["weight"]),
        (synth(outputPath=SEED_PATH, text=""), "TTS_INVALID_INPUT", ["empty"]),
        (synth(outputPath=SEED_PATH, text="a " * 2501), "TTS_INVALID_INPUT", ["5000"]),
        (synth(outputPath=SEED_PATH, text=["a"]), "TTS_INVALID_INPUT", ["'text'"]),
        (synth(outputPath=SEED_PATH, speed=3), "TTS_INVALID_INPUT", ["Speed"]),
        (synth(outputPath=SEED_PATH, speed="1"), "TTS_INVALID_INPUT", ["'speed'"]),
        (synth(outputPath=SEED_PATH, stream=1), "TTS_INVALID_INPUT", ["'stream'"]),
        (synth(outputPath=5), "TTS_INVALID_INPUT", ["'outputPath'"]),
        (synth(), "TTS_INVALID_INPUT", ["'outputPath' is missing"]),
        ({"action": "launch"}, "TTS_INVALID_INPUT", ["Unknown action"]),
        ({"action": "ping", "extra": 1}, "TTS_INVALID_INPUT", ["Unknown field 'extra'"]),
        ("{not json", "TTS_INVALID_INPUT", ["not valid JSON"]),
        ("", "TTS_INVALID_INPUT", ["empty"]),
        ("[]", "TTS_INVALID_INPUT", ["JSON object"]),
        (b"\xc3\x28", "TTS_INVALID_INPUT", ["UTF-8"]),
        ("[" * 50_000, "TTS_INVALID_INPUT", ["JSON"]),
        (json.dumps(synth(outputPath=SEED_PATH, speed=float("nan"))), "TTS_INVALID_INPUT", ["Speed"]),
        (json.dumps(synth(outputPath=SEED_PATH, speed=float("inf"))), "TTS_INVALID_INPUT", ["Speed"]),
    ],
)  # fmt: skip
def test_bad_requests_get_seed_errors(
    service: RawService, request_line: Any, code: str, words: list[str]
) -> None:
    assert_error(service.request(request_line), code, *words)


def test_a_line_over_1_mib_is_refused_and_the_service_goes_on(service: RawService) -> None:
    huge = json.dumps(synth(outputPath=SEED_PATH, text="a" * (2 << 20)))
    assert_error(service.request(huge), "TTS_INVALID_INPUT", "longer than 1048576 bytes")
    assert service.request({"action": "ping"})["status"] == "healthy"


@pytest.mark.parametrize(
    "output_path",
    [
        "../escape.mp3",
        "escape.mp3",
        ".cache/escape.mp3",
        ".cache/audio/../escape.mp3",
        ".cache/audio/../../escape.mp3",
        ".cache/audio/projects/../../../outside/escape.mp3",
        ".cache/audiox/escape.mp3",
        "./.cache/./audio/../../outside/escape.mp3",
        "~/escape.mp3",
        "/etc/escape.mp3",
        "//etc/escape.mp3",
        "/tmp/escape.mp3",
        "{outside}/escape.mp3",
        ".cache/audio/link-out/escape.mp3",
        ".cache/audio/link-out/../outside/escape.mp3",
        ".cache/audio/file-link.mp3",
        ".cache/audio/dangling.mp3",
        ".cache/audio/loop/escape.mp3",
        ".cache/audio/folder.mp3",
        ".cache/audio/plain.mp3/escape.mp3",
        ".cache/audio/" + "n" * 250 + ".mp3",
        ".cache/audio/escape.mp3\x00.txt",
        ".cache/audio",
        ".cache/audio/",
        ".cache/audio/escape.wav",
        "..\\..\\escape.mp3",
    ],
)
def test_every_path_traversal_is_refused(
    service: RawService, workdir: Path, output_path: str
) -> None:
    output_path = output_path.replace("{outside}", str(workdir / "outside"))
    before = sorted(os.listdir(workdir / "outside"))
    answer = service.request(synth(outputPath=output_path, id="t"))
    assert_error(answer, "TTS_INVALID_PATH")
    assert answer["id"] == "t"
    assert sorted(os.listdir(workdir / "outside")) == before
    assert (workdir / "outside" / "secret.mp3").read_bytes() == b"keep me"
    assert not (workdir / "escape.mp3").exists()


@pytest.mark.parametrize(
    "output_path",
    [
        ".cache/audio/ok.mp3",
        "./.cache/audio/a/../ok.mp3",
        "{root}/abs/ok.mp3",
        ".cache/audio/link-in/ok.mp3",
        ".cache/audio/%2e%2e/%2e%2e/ok.mp3",
        ".cache/audio/..\\..\\ok.mp3",
        ".cache/audio/projects/Émilie ✓/scène 1.MP3",
    ],
)
def test_paths_inside_the_root_are_accepted(
    service: RawService, workdir: Path, output_path: str
) -> None:
    """An out-of-range speed is refused only after the path passed, so nothing is synthesized."""
    output_path = output_path.replace("{root}", str(workdir / ".cache" / "audio"))
    assert_error(
        service.request(synth(outputPath=output_path, speed=9)), "TTS_INVALID_INPUT", "Speed"
    )


def test_metrics_count_requests_errors_and_memory(service: RawService) -> None:
    service.request(synth(outputPath=".cache/audio/m/one.mp3", text="One."))
    service.request({"action": "launch"})
    metrics = service.request({"action": "metrics"})
    assert metrics["success"] is True
    assert metrics["requests"]["cold"] == 1 and metrics["requests"]["warm"] >= 1
    assert metrics["requests"]["total"] > metrics["requests"]["warm"]
    assert metrics["meanSynthesisSeconds"] > 0 and metrics["loadSeconds"] > 0
    assert metrics["errors"]["TTS_INVALID_INPUT"] >= 1
    assert set(metrics["errors"]) <= CODES
    assert metrics["memory"]["rssBytes"] > 100 << 20
    assert metrics["memory"]["peakRssBytes"] >= metrics["memory"]["rssBytes"]
    assert metrics["uptime"] > 0


# Fuzzing: every line gets exactly one answer with a code (or a success), and the service lives.

_json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Well-typed values nine times in ten, so most lines get past the first checks."""
    return st.integers(0, 9).flatmap(lambda n: bad if n == 0 else good)


_ids = _mostly(st.text(max_size=10) | st.integers(), _json_values)
_synth_requests = st.fixed_dictionaries(
    {
        "action": _mostly(st.just("synthesize"), _json_scalars),
        "text": _mostly(
            st.text(min_size=1, max_size=40)
            | st.sampled_from(["", " ", "a" * 5001])
            | st.sampled_from(["Hi.", "Hello there. Goodbye!", "Dr. Smith, 42 km."]),
            _json_scalars,
        ),
        "voiceId": _mostly(
            st.just("sarah")
            | st.sampled_from(["af_heart", "xyz", "", "af_bella:60,af_sky:40", "x:1"])
            | st.text(max_size=12),
            _json_scalars,
        ),
        "outputPath": _mostly(
            st.just(".cache/audio/fz/ok.mp3")
            | st.sampled_from(["../x.mp3", "/etc/x.mp3", ".cache/audio/../x.mp3", ""])
            | st.text(max_size=30),
            _json_scalars,
        ),
    },
    optional={
        "id": _ids,
        "speed": _mostly(st.floats(0.4, 2.1), _json_scalars),
        "stream": _mostly(st.booleans(), _json_scalars),
    },
)
_other_requests = st.fixed_dictionaries(
    {"action": _mostly(st.sampled_from(["ping", "voices", "metrics", "speak", ""]), _json_scalars)},
    optional={"id": _ids, "lang": _mostly(st.sampled_from(["a", "b", "xx"]), _json_scalars)},
)
_kinds: list[st.SearchStrategy[bytes]] = [
    _synth_requests.map(lambda r: json.dumps(r).encode()),
    _other_requests.map(lambda r: json.dumps(r).encode()),
    _json_values.map(lambda v: json.dumps(v).encode()),
    st.text(max_size=200).map(str.encode),
    st.binary(max_size=200),
]
#: Half the lines are synthesize requests; the rest spread over the other kinds.
_lines = (
    st.integers(0, 7).flatmap(lambda n: _kinds[max(n - 3, 0)]).filter(lambda raw: b"\n" not in raw)
)


class _SynthBudget:
    """Fuzzed requests that would really synthesize are capped, to keep the test fast."""

    def __init__(self, allowed: int) -> None:
        self.left = allowed

    def tame(self, raw: bytes) -> bytes:
        try:
            request = json.loads(raw)
        except ValueError:
            return raw
        if not isinstance(request, dict):
            return raw
        if request.get("action") == "shutdown":
            request["action"] = "ping"
            return json.dumps(request).encode()
        path = request.get("outputPath")
        if request.get("action") == "synthesize" and isinstance(path, str) and "audio/fz" in path:
            if self.left <= 0:
                request["outputPath"] = "../over-budget.mp3"
                return json.dumps(request).encode()
            self.left -= 1
        return raw


@pytest.fixture(scope="module")
def synth_budget() -> _SynthBudget:
    return _SynthBudget(allowed=10)


@settings(
    max_examples=1200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(raw=_lines)
def test_fuzzed_lines_each_get_one_answer(
    service: RawService, synth_budget: _SynthBudget, raw: bytes
) -> None:
    service.send(synth_budget.tame(raw))
    answer, events = service.answer()
    event(
        answer["error"]["code"]
        if "error" in answer
        else "synthesized"
        if events or "filePath" in answer
        else "answered"
    )
    if "error" in answer:
        assert answer["success"] is False
        assert answer["error"]["code"] in CODES
        assert "Traceback" not in answer["error"]["message"]
    else:
        assert answer.get("success") is True or answer.get("status") == "healthy", answer
    assert all(e["event"] == "chunk" for e in events)


def test_after_the_fuzzing_the_service_still_answers(service: RawService) -> None:
    answer = service.request({"action": "ping", "id": "alive"})
    assert (answer["id"], answer["status"]) == ("alive", "healthy")
    metrics = service.request({"action": "metrics"})
    assert metrics["requests"]["total"] > 1000  # the fuzzed lines were all read and answered
    assert service.proc.poll() is None


# Start-up failures: the status line says so, and every request gets the code.


def test_missing_model_is_reported_and_requests_get_the_code(
    tmp_path: Path, model_dir: Path
) -> None:
    env = service_env(tmp_path / "no-model", tmp_path)
    failed = RawService(tmp_path, env)
    assert failed.status() == {"status": "loading"}
    status = failed.status()
    assert status["status"] == "failed" and status["error"]["code"] == "TTS_MODEL_NOT_FOUND"
    ping = failed.request({"action": "ping"})
    assert ping["status"] == "unavailable" and ping["error"]["code"] == "TTS_MODEL_NOT_FOUND"
    assert_error(failed.request(synth(outputPath=SEED_PATH)), "TTS_MODEL_NOT_FOUND", "no-model")
    assert_error(failed.request(synth(outputPath=SEED_PATH, voiceId="x")), "TTS_INVALID_VOICE")
    assert failed.request({"action": "voices"})["success"] is True
    assert failed.close() == 0
    assert not (tmp_path / SEED_PATH).exists()


#: The service with the speech libraries missing (``import`` of each fails), as in a broken
#: install; its own dependencies (the protocol's pydantic) are there.
WITHOUT_SPEECH_LIBRARIES = (
    "import runpy, sys; "
    "sys.modules.update(torch=None, kokoro=None, onnxruntime=None); "
    "sys.argv = sys.argv[:1]; "
    "runpy.run_module('studio.service', run_name='__main__')"
)


def test_missing_speech_libraries_are_reported_as_not_installed(
    tmp_path: Path, model_dir: Path
) -> None:
    env = {**service_env(model_dir, tmp_path), "NARRATION_STUDIO_BACKEND": "torch"}
    failed = RawService(tmp_path, env, python_flags=["-c", WITHOUT_SPEECH_LIBRARIES])
    try:
        assert failed.status() == {"status": "loading"}
        status = failed.status()
        assert status["status"] == "failed" and status["error"]["code"] == "TTS_NOT_INSTALLED"
        assert_error(
            failed.request(synth(outputPath=SEED_PATH)), "TTS_NOT_INSTALLED", "is not installed"
        )
    finally:
        assert failed.close() == 0


def test_a_service_without_its_own_packages_says_so_and_exits(
    tmp_path: Path, model_dir: Path
) -> None:
    # -S leaves site-packages off the path: not even the protocol's pydantic is there.
    failed = RawService(tmp_path, service_env(model_dir, tmp_path), python_flags=["-S"])
    try:
        status = failed.status()
        assert status["status"] == "failed" and status["error"]["code"] == "TTS_NOT_INSTALLED"
        assert "'pydantic' is not installed" in status["error"]["message"]
    finally:
        assert failed.close() == 7  # TTS_NOT_INSTALLED's exit code


#: The service with a note on stderr of the thread each synthesis runs on.
WHERE_SYNTHESIS_RUNS = (
    "import runpy, sys, threading\n"
    "from studio.engine.core import Engine\n"
    "synthesize = Engine.synthesize\n"
    "def noted(self, request):\n"
    "    main = threading.current_thread() is threading.main_thread()\n"
    "    print(f'synthesis on the main thread: {main}', file=sys.stderr, flush=True)\n"
    "    return synthesize(self, request)\n"
    "Engine.synthesize = noted\n"
    "sys.argv = sys.argv[:1]\n"
    "runpy.run_module('studio.service', run_name='__main__')\n"
)


def test_synthesis_runs_on_the_thread_that_loaded_the_model(
    tmp_path: Path, model_dir: Path
) -> None:
    """torch keeps one team of OpenMP threads per thread that computes; with two (one from the
    load and warm-up, one from the requests) it stops spinning its workers, and synthesis took
    7 % longer. So the warm-up and every request run where the model was loaded: the main
    thread, while requests are read on another."""
    service = RawService(
        tmp_path, service_env(model_dir, tmp_path), python_flags=["-c", WHERE_SYNTHESIS_RUNS]
    )
    try:
        assert service.status()["status"] == "loading"
        assert service.status()["status"] == "ready"
        assert service.request(synth(outputPath=SEED_PATH))["success"] is True
        assert service.request({"action": "ping"})["status"] == "healthy"
    finally:
        assert service.close() == 0
    notes = [line for line in service.stderr_lines if line.startswith("synthesis on the main")]
    assert notes == ["synthesis on the main thread: True"] * 2  # the warm-up and the request


# Acceptance from a shell: the seed's requests, hostile lines, then shutdown, through the CLI.


def test_driven_from_a_shell_pipeline(tmp_path: Path, model_dir: Path) -> None:
    requests = [
        json.dumps(synth(outputPath=SEED_PATH, id=1)),
        "garbage",
        "x" * 1_100_000,
        json.dumps(synth(outputPath="../../etc/evil.mp3", id=2)),
        json.dumps(synth(outputPath=SEED_PATH, voiceId="xyz", id=3)),
        json.dumps({"action": "ping", "id": 4}),
        json.dumps({"action": "shutdown", "id": 5}),
        json.dumps({"action": "ping", "id": "never read"}),
    ]
    (tmp_path / "requests.jsonl").write_text("\n".join(requests) + "\n")
    script = f'cat requests.jsonl | "{sys.executable}" -m studio serve > answers.jsonl 2> log.txt'
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=service_env(model_dir, tmp_path), timeout=600
    )
    assert done.returncode == 0, (tmp_path / "log.txt").read_text()[-2000:]
    answers = [json.loads(line) for line in (tmp_path / "answers.jsonl").read_text().splitlines()]
    by_id = {a.get("id"): a for a in answers}
    assert len(answers) == 7  # the line after shutdown is never read
    assert by_id[1]["success"] is True and by_id[1]["filePath"] == SEED_PATH
    no_id = [a for a in answers if "id" not in a]
    assert_error(no_id[0], "TTS_INVALID_INPUT", "not valid JSON")
    assert_error(no_id[1], "TTS_INVALID_INPUT", "longer than")
    assert_error(by_id[2], "TTS_INVALID_PATH")
    assert_error(by_id[3], "TTS_INVALID_VOICE")
    assert by_id[4]["status"] == "healthy"
    assert answers[-1] == {"id": 5, "success": True}
    assert_mp3_spec(tmp_path / SEED_PATH)
    log = (tmp_path / "log.txt").read_text().splitlines()
    assert log[:1] == ['{"status": "loading"}'] and '{"status": "ready"}' in log


def test_stale_temp_files_of_dead_writers_are_removed(tmp_path: Path) -> None:
    from studio.fsutil import TEMP_PREFIX, atomic_write, remove_stale_temps

    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(finished.stdout)
    (tmp_path / "a").mkdir()
    stale = tmp_path / "a" / f"{TEMP_PREFIX}{dead_pid}-x.mp3"
    live = tmp_path / "a" / f"{TEMP_PREFIX}{os.getpid()}-y.mp3"
    other = tmp_path / "a" / f"{TEMP_PREFIX}unknown.mp3"
    for path in (stale, live, other):
        path.write_bytes(b"partial")
    assert remove_stale_temps(tmp_path) == [stale]
    assert live.exists() and other.exists()
    atomic_write(tmp_path / "a" / "done.mp3", b"x")  # the writer's own temp carries its pid
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        ["done.mp3", live.name, other.name]
    )
