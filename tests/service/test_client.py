"""The Python client against real service processes on the real model: requests from many threads,
typed errors, streaming, crash (kill -9) and hang (SIGSTOP) recovery, timeouts, the pool, shutdown,
and no orphan process after the parent dies. The tests of the interface run against both
transports (``client``: stdio processes, and an HTTP server); those about child processes use
``stdio_client``."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.client.client import (
    ChunkEvent,
    InvalidInputError,
    InvalidPathError,
    InvalidVoiceError,
    KokoroClient,
    ModelNotFoundError,
    NotInstalledError,
    ServiceError,
    ServiceTimeoutError,
    TTSClient,
    TTSError,
)
from studio.client.slots import Backoff
from studio.engine.request import SpeechRequest
from studio.errors import ErrorCode, StudioError
from studio.fsutil import TEMP_PREFIX
from tests.audio_checks import assert_mp3_spec
from tests.service.helpers import STARTUP_SECONDS, pid_alive, service_env, wait_until

SEED_PATH = ".cache/audio/projects/abc123/scene-1.mp3"
LONG_TEXT = " ".join(
    f"This is sentence number {n}, and it keeps the model busy for a little while."
    for n in range(1, 16)
)


def make_client(workdir: Path, model_dir: Path | str, **options: Any) -> TTSClient:
    options.setdefault("startup_timeout", STARTUP_SECONDS)
    options.setdefault("timeout_base", 300.0)
    return TTSClient(
        model_dir=model_dir, cwd=workdir, env=service_env(model_dir, workdir), **options
    )


@pytest.fixture(scope="module")
def stdio_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("client")


@pytest.fixture(scope="module")
def stdio_client(stdio_workdir: Path, model_dir: Path) -> Iterator[TTSClient]:
    """One stdio client for the module, with the health ping on a short timer."""
    with make_client(stdio_workdir, model_dir, health_interval=2.0) as running:
        running.ensure_running()
        yield running
    assert running.pids == [None]


@pytest.fixture(scope="module", params=["stdio", "http"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def workdir(transport: str, request: pytest.FixtureRequest) -> Path:
    """The folder the service resolves relative output paths against."""
    if transport == "http":
        return Path(request.getfixturevalue("http_server").cwd)
    return Path(request.getfixturevalue("stdio_workdir"))


@pytest.fixture(scope="module")
def client(transport: str, request: pytest.FixtureRequest) -> Iterator[TTSClient]:
    if transport == "stdio":
        yield request.getfixturevalue("stdio_client")
        return
    server = request.getfixturevalue("http_server")
    with TTSClient(url=server.url, token=server.token, timeout_base=300.0) as running:
        running.ensure_running()
        yield running


# Pure parts.


def test_backoff_doubles_from_half_a_second_to_30_and_resets() -> None:
    backoff = Backoff()
    assert backoff.delay() == 0
    assert [backoff.failed() for _ in range(9)] == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    backoff.reset()
    assert backoff.delay() == 0 and backoff.failed() == 0.5


def test_request_timeout_scales_with_text_length() -> None:
    client = TTSClient(health_interval=None, timeout_base=10, timeout_per_char=0.1)
    try:
        assert client.request_timeout("a" * 100) == pytest.approx(20)
        assert client.request_timeout("a" * 5000) > client.request_timeout("a")
    finally:
        client.close()
    assert KokoroClient is TTSClient


# A working service.


@pytest.mark.model
def test_seed_request_ping_metrics_and_voices(client: TTSClient, workdir: Path) -> None:
    result = client.synthesize("Hello, I'm your AI video narrator.", "sarah", SEED_PATH)
    assert result.file_path == SEED_PATH
    assert result.file_size == (workdir / SEED_PATH).stat().st_size
    assert result.duration == pytest.approx(assert_mp3_spec(workdir / SEED_PATH), abs=0.06)
    [ping] = client.ping()
    assert (ping["status"], ping["model"]) == ("healthy", "kokoro-82m")
    [metrics] = client.metrics()
    assert metrics["requests"]["cold"] == 1 and metrics["memory"]["rssBytes"] > 100 << 20
    voices = client.voices("a")
    assert {v["id"][:2] for v in voices["voices"]} == {"af", "am"}
    assert voices["profiles"]["sarah"] == "af_sarah"


@pytest.mark.model
def test_streaming_calls_back_per_sentence(client: TTSClient, workdir: Path) -> None:
    seen: list[ChunkEvent] = []
    result = client.synthesize(
        "First part. Second part. Third part.",
        "af_heart",
        ".cache/audio/s.mp3",
        on_chunk=seen.append,
    )
    assert [c.index for c in seen] == [0, 1, 2] and result.chunks == tuple(seen)
    assert sum(c.duration for c in seen) == pytest.approx(result.duration, abs=0.06)


@pytest.mark.model
@pytest.mark.parametrize(
    ("arguments", "error_type", "code"),
    [
        (("Hi.", "xyz", ".cache/audio/e.mp3"), InvalidVoiceError, ErrorCode.INVALID_VOICE),
        (("", "sarah", ".cache/audio/e.mp3"), InvalidInputError, ErrorCode.INVALID_INPUT),
        (("a" * 5001, "sarah", ".cache/audio/e.mp3"), InvalidInputError, ErrorCode.INVALID_INPUT),
        (("Hi.", "sarah", "../e.mp3"), InvalidPathError, ErrorCode.INVALID_PATH),
        (("Hi.", "sarah", "/etc/e.mp3"), InvalidPathError, ErrorCode.INVALID_PATH),
    ],
)
def test_errors_are_typed_exceptions_with_seed_codes(
    client: TTSClient, arguments: tuple[str, str, str], error_type: type[TTSError], code: ErrorCode
) -> None:
    with pytest.raises(error_type) as caught:
        client.synthesize(*arguments)
    assert isinstance(caught.value, StudioError) and caught.value.code is code
    assert caught.value.message and "Traceback" not in caught.value.message


@pytest.mark.model
def test_callers_on_many_threads_each_get_their_own_answer(client: TTSClient) -> None:
    texts = {
        f".cache/audio/threads/{n}.mp3": " ".join(["one", "two", "three"] * (1 + 2 * n)) + "."
        for n in range(4)
    }
    results: dict[str, Any] = {}

    def call(path: str) -> None:
        results[path] = client.synthesize(texts[path], "sarah", path)

    threads = [threading.Thread(target=call, args=(path,)) for path in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {path: r.file_path for path, r in results.items()} == {p: p for p in texts}
    durations = [results[path].duration for path in texts]
    assert durations == sorted(durations)  # longer text, longer audio: answers were not swapped


@pytest.mark.model
def test_stream_yields_audio_with_word_timings_in_memory(client: TTSClient, workdir: Path) -> None:
    before = set((workdir / ".cache/audio").rglob("*"))
    chunks = list(
        client.stream(SpeechRequest("Hello there. The audio comes back.", "emma", speed=1.1))
    )
    assert [c.index for c in chunks] == [0, 1]
    assert chunks[1].text == "The audio comes back." and chunks[1].start == chunks[0].duration
    assert [w.word for w in chunks[1].words] == ["The", "audio", "comes", "back"]
    assert all(c.audio.dtype.name == "float32" and c.duration > 0.3 for c in chunks)
    assert set((workdir / ".cache/audio").rglob("*")) == before  # no file written
    with pytest.raises(InvalidVoiceError):
        list(client.stream(SpeechRequest("Hi.", "nobody")))


# HTTP only: the server's address, token and deadline.


def test_an_unreachable_server_is_a_service_error_at_once(tmp_path: Path) -> None:
    from tests.http_server import free_port

    with TTSClient(url=f"http://127.0.0.1:{free_port()}", startup_timeout=1.0) as nowhere:
        with pytest.raises(ServiceError) as caught:
            nowhere.synthesize("Hi.", "sarah", ".cache/audio/x.mp3", timeout=1.0)
        assert "is not reachable" in caught.value.message
        with pytest.raises(ServiceError):
            nowhere.ensure_running()
        assert nowhere.pids == []


@pytest.mark.model
def test_a_wrong_token_is_a_service_error_that_says_so(http_server: Any) -> None:
    with (
        TTSClient(url=http_server.url, token="wrong") as wrong,
        pytest.raises(ServiceError, match="token"),
    ):
        wrong.voices()


@pytest.mark.model
def test_the_deadline_travels_to_the_server(http_server: Any) -> None:
    with TTSClient(url=http_server.url, token=http_server.token) as remote:
        with pytest.raises(ServiceTimeoutError) as caught:
            remote.synthesize(LONG_TEXT, "sarah", ".cache/audio/t/late.mp3", timeout=0.5)
        assert caught.value.code is ErrorCode.TIMEOUT
        assert remote.synthesize("On time.", "sarah", ".cache/audio/t/ok.mp3").duration > 0
    assert not (Path(http_server.cwd) / ".cache/audio/t/late.mp3").exists()


# Failures and recovery.


@pytest.mark.model
def test_kill_9_during_a_long_synthesis(
    stdio_client: TTSClient, stdio_workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = stdio_workdir / ".cache/audio/crash/long.mp3"
    first_sentence = threading.Event()
    outcome: dict[str, Exception] = {}

    def long_request() -> None:
        try:
            stdio_client.synthesize(
                LONG_TEXT, "sarah", target, on_chunk=lambda _: first_sentence.set()
            )
        except TTSError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=long_request)
    thread.start()
    assert first_sentence.wait(STARTUP_SECONDS)
    victim = stdio_client.pids[0]
    assert victim is not None
    # What a kill in the middle of encoding leaves: a temp file named after the dying writer.
    target.parent.mkdir(parents=True, exist_ok=True)
    (target.parent / f"{TEMP_PREFIX}{victim}-abc.mp3").write_bytes(b"partial")
    os.kill(victim, signal.SIGKILL)
    thread.join(60)

    error = outcome["error"]
    assert isinstance(error, ServiceError) and error.code is ErrorCode.SERVICE_ERROR
    assert "killed by SIGKILL" in error.message
    assert f"TTS service (pid {victim}) crashed" in caplog.text
    after = stdio_client.synthesize("Back again.", "sarah", ".cache/audio/crash/after.mp3")
    assert after.duration > 0 and stdio_client.pids[0] not in (None, victim)
    assert sorted(p.name for p in target.parent.iterdir()) == ["after.mp3"]
    assert list((stdio_workdir / ".cache/audio").rglob(f"{TEMP_PREFIX}*")) == []


@pytest.mark.model
def test_a_request_past_its_deadline_raises_timeout_and_restarts(
    stdio_client: TTSClient, stdio_workdir: Path
) -> None:
    stdio_client.ensure_running()
    before = stdio_client.pids[0]
    assert before is not None
    with pytest.raises(ServiceTimeoutError) as caught:
        stdio_client.synthesize(LONG_TEXT, "sarah", ".cache/audio/t/slow.mp3", timeout=0.5)
    assert caught.value.code is ErrorCode.TIMEOUT
    assert not pid_alive(before)
    assert stdio_client.synthesize("On time.", "sarah", ".cache/audio/t/ok.mp3").duration > 0
    assert stdio_client.pids[0] not in (None, before)
    assert not (stdio_workdir / ".cache/audio/t/slow.mp3").exists()


@pytest.mark.model
def test_a_frozen_service_is_found_by_the_health_ping_and_restarted(
    stdio_client: TTSClient, caplog: pytest.LogCaptureFixture
) -> None:
    stdio_client.ensure_running()
    frozen = stdio_client.pids[0]
    assert frozen is not None
    os.kill(frozen, signal.SIGSTOP)
    try:
        assert wait_until(lambda: not pid_alive(frozen), 60), "the health ping did not notice"
    finally:
        if pid_alive(frozen):
            os.kill(frozen, signal.SIGCONT)
    assert "did not answer a health ping within 5 s" in caplog.text
    assert wait_until(lambda: stdio_client.pids[0] not in (None, frozen), STARTUP_SECONDS)
    assert stdio_client.synthesize("Awake.", "sarah", ".cache/audio/awake.mp3").duration > 0


@pytest.mark.model
def test_pool_spreads_requests_and_close_kills_a_stuck_process(
    tmp_path: Path, model_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pool = make_client(tmp_path, model_dir, pool_size=2, health_interval=None, grace=2.0)
    with pool:
        pool.ensure_running()
        pids = pool.pids
        assert len(set(pids)) == 2 and None not in pids
        threads = [
            threading.Thread(
                target=pool.synthesize, args=(LONG_TEXT[:300], "sarah", f".cache/audio/p{n}.mp3")
            )
            for n in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [m["requests"]["cold"] for m in pool.metrics()] == [1, 1]
        os.kill(pids[1], signal.SIGSTOP)  # it cannot obey "shutdown": close must kill it
    assert not any(pid_alive(pid) for pid in pids if pid is not None)
    assert f"TTS service (pid {pids[1]}) did not exit within the grace period" in caplog.text
    assert f"pid {pids[0]}) did not exit" not in caplog.text  # the other one shut down by itself


# Start-up failures come up typed.


def test_missing_model_is_a_typed_error(tmp_path: Path) -> None:
    with make_client(tmp_path, tmp_path / "no-model", health_interval=None) as broken:
        with pytest.raises(ModelNotFoundError) as caught:
            broken.ensure_running()
        assert caught.value.code is ErrorCode.MODEL_NOT_FOUND and "no-model" in caught.value.message
        assert broken.pids == [None]
        with pytest.raises(ModelNotFoundError):  # respawned after the backoff, same answer
            broken.synthesize("Hi.", "sarah", ".cache/audio/x.mp3")


def test_missing_packages_are_a_typed_error(tmp_path: Path, model_dir: Path) -> None:
    command = [sys.executable, "-S", "-m", "studio.service"]  # -S: no site-packages
    with make_client(tmp_path, model_dir, command=command, health_interval=None) as broken:
        with pytest.raises(NotInstalledError) as caught:
            broken.ensure_running()
        assert caught.value.code is ErrorCode.NOT_INSTALLED


@pytest.mark.model
def test_slow_start_is_a_timeout(tmp_path: Path, model_dir: Path) -> None:
    with make_client(tmp_path, model_dir, startup_timeout=0.2, health_interval=None) as slow:
        with pytest.raises(ServiceTimeoutError) as caught:
            slow.ensure_running()
        assert caught.value.code is ErrorCode.TIMEOUT and slow.pids == [None]


def test_a_closed_client_refuses_requests(tmp_path: Path) -> None:
    closed = TTSClient(cwd=tmp_path, health_interval=None)
    closed.close()
    with pytest.raises(ServiceError):
        closed.synthesize("Hi.", "sarah", ".cache/audio/x.mp3")


# No orphans: the service goes when its parent goes, however it goes.

PARENT_SCRIPT = """
import sys, time
from studio.client.client import TTSClient
client = TTSClient(startup_timeout=600, health_interval=None)
client.ensure_running()
print(client.pids[0], flush=True)
if sys.argv[1] == "hang":
    time.sleep(600)
"""


@pytest.mark.model
@pytest.mark.parametrize("ending", ["exit", "kill"])
def test_no_orphan_outlives_the_parent(tmp_path: Path, model_dir: Path, ending: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT_SCRIPT, "exit" if ending == "exit" else "hang"],
        cwd=tmp_path,
        env=service_env(model_dir, tmp_path),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    with parent.stdout:
        child = int(parent.stdout.readline())
    if ending == "kill":
        parent.send_signal(signal.SIGKILL)  # no atexit, no close(): only the child's watch helps
    parent.wait(60)
    assert wait_until(lambda: not pid_alive(child), 30), "the service outlived its parent"


@pytest.fixture(autouse=True)
def _client_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="studio.client")
