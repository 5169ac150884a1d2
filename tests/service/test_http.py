"""``serve --http`` as a real server on a real port: the seed's actions over HTTP, and hostile
input (bad JSON, huge bodies, wrong types, unknown voices, path traversal, missing tokens, slow
clients), each a clear error while the server keeps serving others. Also the queue's bound (429),
the deadline (504, for a request at work and one still waiting), two workers in parallel, and
the bind rule."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from studio.client.client import TTSClient
from studio.service.http import HttpOptions, create_app
from tests.audio_checks import assert_mp3_spec
from tests.http_server import HttpServer, free_port, running_server, server_env, wait_healthy

pytestmark = pytest.mark.model

TOKEN = "hunter2-but-longer"
SEED = {
    "text": "Hello, I'm your AI video narrator.",
    "voiceId": "sarah",
    "outputPath": ".cache/audio/projects/abc123/scene-1.mp3",
}
SPEECH = "The weather is nice today. We walked to the park and sat by the water."
FOUR = "One more sentence. And a second one. Then a third. The fourth ends it."
MEDIUM = " ".join(f"Sentence {n} keeps a worker busy for a while." for n in range(1, 9))


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, model_dir: Path, onnx_durations_cache: Path
) -> Iterator[HttpServer]:
    cwd = tmp_path_factory.mktemp("http")
    (cwd / "outside").mkdir()
    (cwd / ".cache" / "audio").mkdir(parents=True)
    (cwd / ".cache" / "audio" / "link-out").symlink_to(cwd / "outside")
    with running_server(
        cwd,
        model_dir,
        onnx_durations_cache,
        token=TOKEN,
        args=["--workers", "2", "--queue", "1", "--body-timeout", "3"],
        wait=False,
    ) as running:
        running.while_loading = answers_while_loading(running)
        wait_healthy(running)
        yield running
    assert "Traceback" not in running.log()


def answers_while_loading(server: HttpServer) -> tuple[httpx.Response, httpx.Response]:
    """The first /health answer and a synthesize sent right after: the server answers at once,
    while its workers are still loading the model (seconds, against its own start in ms)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"{server.url}/health", timeout=5)
        except httpx.TransportError:
            time.sleep(0.02)
            continue
        return health, httpx.post(
            f"{server.url}/v1/synthesize", json=SEED, headers=server.headers, timeout=30
        )
    raise AssertionError(f"the server never answered:\n{server.log()[-3000:]}")


@pytest.fixture(scope="module")
def http(server: HttpServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=300) as client:
        yield client


def assert_error(response: httpx.Response, status: int, code: str, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == code, body
    assert "Traceback" not in body["error"]["message"]
    for word in words:
        assert word in body["error"]["message"], body


def still_serving(http: httpx.Client) -> None:
    answer = http.post("/v1/synthesize", json={**SEED, "outputPath": ".cache/audio/ok.mp3"})
    assert answer.status_code == 200 and answer.json()["success"] is True


# The seed's actions.


def test_health_is_the_seed_ping_answer_and_needs_no_token(server: HttpServer) -> None:
    answer = httpx.get(f"{server.url}/health")
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"status", "model", "uptime"}
    assert (body["status"], body["model"]) == ("healthy", "kokoro-82m") and body["uptime"] > 0


def test_while_the_model_loads_the_answer_is_503_loading(server: HttpServer) -> None:
    health, synthesis = server.while_loading
    assert health.status_code == 503 and health.json()["status"] == "loading"
    assert_error(synthesis, 503, "TTS_SERVICE_ERROR", "still loading")
    assert synthesis.json()["status"] == "loading" and synthesis.headers["retry-after"] == "2"


def test_a_model_that_fails_to_load_is_503_with_its_error(
    tmp_path: Path, onnx_durations_cache: Path
) -> None:
    env = server_env(tmp_path / "no-model", tmp_path, onnx_durations_cache)
    port = free_port()
    with open(tmp_path / "log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "studio", "serve", "--http", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        health: dict[str, Any] = {}
        while time.monotonic() < deadline and health.get("status") != "unavailable":
            with contextlib.suppress(httpx.TransportError):
                health = httpx.get(f"{url}/health", timeout=5).json()
            time.sleep(0.1)
        assert health["error"]["code"] == "TTS_MODEL_NOT_FOUND", health
        answer = httpx.post(f"{url}/v1/synthesize", json=SEED, timeout=30)
        assert_error(answer, 503, "TTS_MODEL_NOT_FOUND", "no-model")
        assert answer.json()["status"] == "unavailable"
    finally:
        proc.terminate()
        proc.wait(60)


def test_synthesize_writes_the_mp3_like_the_stdio_service(
    http: httpx.Client,
    server: HttpServer,
    transcribe: Callable[[Path], str],
    word_error_rate: Callable[[str, str], float],
) -> None:
    answer = http.post("/v1/synthesize", json={**SEED, "id": 7})
    assert answer.status_code == 200
    body = answer.json()
    target = server.cwd / SEED["outputPath"]
    assert body == {
        "id": 7,
        "success": True,
        "duration": body["duration"],
        "filePath": SEED["outputPath"],
        "fileSize": target.stat().st_size,
    }
    assert body["duration"] == pytest.approx(assert_mp3_spec(target), abs=0.06)
    spoken = {**SEED, "text": SPEECH, "outputPath": ".cache/audio/heard.mp3"}
    assert http.post("/v1/synthesize", json=spoken).status_code == 200
    heard = transcribe(server.cwd / spoken["outputPath"])
    assert word_error_rate(SPEECH, heard) <= 0.35, heard


def test_a_streamed_synthesize_sends_the_events_then_the_answer_as_json_lines(
    http: httpx.Client,
) -> None:
    body = {**SEED, "text": "One sentence. And another.", "stream": True, "id": "s"}
    with http.stream("POST", "/v1/synthesize", json=body) as response:
        assert response.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) for line in response.iter_lines() if line]
    *events, answer = lines
    assert [(e["id"], e["event"], e["index"]) for e in events] == [
        ("s", "chunk", 0),
        ("s", "chunk", 1),
    ]
    assert answer["id"] == "s" and answer["success"] is True
    assert answer["duration"] == pytest.approx(sum(e["duration"] for e in events), abs=0.06)


def test_voices_and_both_metrics(http: httpx.Client) -> None:
    voices = http.get("/v1/voices", params={"lang": "b"}).json()
    assert {v["id"][:2] for v in voices["voices"]} == {"bf", "bm"}
    assert voices["profiles"]["james"] == "bm_george"
    assert_error(http.get("/v1/voices", params={"lang": "xx"}), 400, "TTS_INVALID_INPUT", "xx")
    text = http.get("/metrics").text
    assert 'narration_worker_resident_memory_bytes{worker="1"}' in text
    assert "narration_audio_seconds_total" in text and "process_resident_memory_bytes" in text
    workers = http.get("/v1/metrics").json()["workers"]
    assert len(workers) == 2 and all(w["memory"]["rssBytes"] > 50 << 20 for w in workers)


def test_two_workers_synthesize_at_once(http: httpx.Client) -> None:
    """Both requests have audio before either is finished: they ran side by side."""
    seen: list[tuple[int, str]] = []
    lock = threading.Lock()

    def request(n: int) -> None:
        body = {**SEED, "text": FOUR, "outputPath": f".cache/audio/par-{n}.mp3", "stream": True}
        with http.stream("POST", "/v1/synthesize", json=body) as response:
            for line in response.iter_lines():
                kind = "event" if "event" in json.loads(line) else "answer"
                with lock:
                    seen.append((n, kind))

    threads = [threading.Thread(target=request, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first_answer = min(seen.index((n, "answer")) for n in range(2))
    assert {n for n, kind in seen[:first_answer] if kind == "event"} == {0, 1}, seen


# Hostile input: each a clear error, and the server goes on.


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        (b"{not json", 400, "TTS_INVALID_INPUT", ["not valid JSON"]),
        (b"\xff\xfe", 400, "TTS_INVALID_INPUT", ["UTF-8"]),
        (b"[1, 2]", 400, "TTS_INVALID_INPUT", ["JSON object"]),
        (b"", 400, "TTS_INVALID_INPUT", ["JSON object"]),
        (json.dumps({**SEED, "text": 5}).encode(), 400, "TTS_INVALID_INPUT", ["'text'", "string"]),
        (json.dumps({**SEED, "speed": "fast"}).encode(), 400, "TTS_INVALID_INPUT", ["'speed'"]),
        (json.dumps({**SEED, "colour": 1}).encode(), 400, "TTS_INVALID_INPUT", ["colour"]),
        (json.dumps({**SEED, "text": ""}).encode(), 400, "TTS_INVALID_INPUT", []),
        (json.dumps({**SEED, "voiceId": "nobody"}).encode(), 400, "TTS_INVALID_VOICE", ["nobody"]),
        (json.dumps({**SEED, "action": "shutdown"}).encode(), 400, "TTS_INVALID_INPUT", ["action"]),
        (json.dumps({**SEED, "speed": 9}).encode(), 400, "TTS_INVALID_INPUT", ["out of range"]),
    ],
    ids=[
        "malformed",
        "not-utf8",
        "array",
        "empty",
        "int-text",
        "str-speed",
        "unknown-field",
        "empty-text",
        "unknown-voice",
        "other-action",
        "speed-range",
    ],
)
def test_bad_bodies_are_400_with_the_seed_error(
    http: httpx.Client, body: bytes, status: int, code: str, words: list[str]
) -> None:
    response = http.post(
        "/v1/synthesize", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, status, code, *words)


@pytest.mark.parametrize(
    "path",
    [
        "../escape.mp3",
        "/etc/escape.mp3",
        ".cache/audio/../../escape.mp3",
        ".cache/audio/link-out/x.mp3",
        ".cache/audio/x.wav",
        ".cache/audio/a\x00b.mp3",
    ],
)
def test_path_traversal_is_refused(http: httpx.Client, server: HttpServer, path: str) -> None:
    assert_error(
        http.post("/v1/synthesize", json={**SEED, "outputPath": path}), 400, "TTS_INVALID_PATH"
    )
    assert list((server.cwd / "outside").iterdir()) == []
    assert not (server.cwd / "escape.mp3").exists()


def test_a_huge_body_is_413_unread(http: httpx.Client) -> None:
    huge = json.dumps({**SEED, "text": "a" * (2 << 20)})
    assert_error(http.post("/v1/synthesize", content=huge), 413, "TTS_INVALID_INPUT", "larger")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"x" * 65536

    assert_error(http.post("/v1/synthesize", content=chunks()), 413, "TTS_INVALID_INPUT")
    still_serving(http)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}],
    ids=["none", "wrong", "no-scheme"],
)
@pytest.mark.parametrize("path", ["/v1/voices", "/metrics", "/v1/metrics"])
def test_every_endpoint_but_health_needs_the_token(
    server: HttpServer, headers: dict[str, str], path: str
) -> None:
    response = httpx.get(f"{server.url}{path}", headers=headers)
    assert_error(response, 401, "TTS_SERVICE_ERROR", "token")
    assert response.headers["www-authenticate"].startswith("Bearer")
    for post in ("/v1/synthesize", "/v1/audio/speech"):
        assert httpx.post(f"{server.url}{post}", json=SEED, headers=headers).status_code == 401


def test_unknown_endpoints_and_methods_get_the_seed_error(http: httpx.Client) -> None:
    assert_error(http.get("/v1/nothing"), 404, "TTS_INVALID_INPUT", "No such endpoint")
    assert http.get("/v1/synthesize").status_code == 405


def test_slow_clients_that_never_finish_do_not_block_others(
    http: httpx.Client, server: HttpServer
) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    stalled = []
    for partial in (
        b"POST /v1/synthesize HTTP/1.1\r\nHost: x\r\nContent-Len",  # headers never end
        b"POST /v1/synthesize HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + TOKEN.encode()
        + b'\r\nContent-Length: 500\r\n\r\n{"text": ',  # the body never ends
    ):
        conn = socket.create_connection((host, int(port)))
        conn.sendall(partial)
        stalled.append(conn)
    try:
        still_serving(http)  # while both hang
        stalled[1].settimeout(60)
        answer = _read_until_closed(stalled[1])  # the body's deadline (3 s here) passed
        assert answer.startswith("HTTP/1.1 408") and "did not arrive within 3 s" in answer
    finally:
        for conn in stalled:
            conn.close()
    still_serving(http)


def _read_until_closed(conn: socket.socket) -> str:
    """The whole response on a connection the server closes: its headers and body may come in
    separate segments, so one recv() is not enough."""
    received = b""
    while chunk := conn.recv(4096):
        received += chunk
    return received.decode()


def test_a_full_queue_is_429_with_retry_after(http: httpx.Client, server: HttpServer) -> None:
    statuses: list[int] = []

    def long_request(n: int) -> None:  # sentences no worker has voiced: none is cached
        text = " ".join(f"Queued request {n} reads line {k} aloud." for k in range(8))
        body = {**SEED, "text": text, "outputPath": f".cache/audio/q-{n}.mp3"}
        statuses.append(http.post("/v1/synthesize", json=body).status_code)

    threads = [threading.Thread(target=long_request, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    try:
        assert wait_for_active(http, 3), "the three requests were not all admitted"
        refused = http.post("/v1/synthesize", json=SEED)
        assert_error(refused, 429, "TTS_SERVICE_ERROR", "busy")
        assert int(refused.headers["retry-after"]) >= 1
        speech = {"model": "tts-1", "input": "Hi.", "voice": "alloy"}
        assert http.post("/v1/audio/speech", json=speech).status_code == 429
    finally:
        for thread in threads:
            thread.join()
    assert statuses == [200, 200, 200]
    still_serving(http)


def test_a_request_that_waits_past_its_deadline_is_504_and_no_worker_is_replaced(
    http: httpx.Client, server: HttpServer
) -> None:
    statuses: list[int] = []

    def long_request(n: int) -> None:  # sentences no worker has voiced: none is cached
        text = " ".join(f"Busy worker {n} voices sentence {k} now." for k in range(8))
        body = {**SEED, "text": text, "outputPath": f".cache/audio/busy-{n}.mp3"}
        statuses.append(http.post("/v1/synthesize", json=body).status_code)

    restarts = server.log().count("Restarting the TTS service")
    threads = [threading.Thread(target=long_request, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    try:
        assert wait_for_active(http, 2), "the two requests were not both admitted"
        waited = http.post(
            "/v1/synthesize",
            json={**SEED, "outputPath": ".cache/audio/waited.mp3"},
            headers={"X-Request-Timeout": "0.5"},
        )
        assert_error(waited, 504, "TTS_TIMEOUT", "stayed busy")
    finally:
        for thread in threads:
            thread.join()
    assert statuses == [200, 200]
    assert server.log().count("Restarting the TTS service") == restarts  # it never reached one
    assert not (server.cwd / ".cache" / "audio" / "waited.mp3").exists()


def test_past_its_deadline_a_request_is_504_and_the_worker_is_replaced(
    http: httpx.Client, server: HttpServer
) -> None:
    response = http.post(
        "/v1/synthesize",
        json={**SEED, "text": MEDIUM, "outputPath": ".cache/audio/late.mp3"},
        headers={"X-Request-Timeout": "0.3"},
    )
    assert_error(response, 504, "TTS_TIMEOUT", "timed out")
    assert not (server.cwd / ".cache/audio/late.mp3").exists()
    bad = http.post("/v1/synthesize", json=SEED, headers={"X-Request-Timeout": "soon"})
    assert_error(bad, 400, "TTS_INVALID_INPUT", "X-Request-Timeout")
    still_serving(http)
    assert "Restarting the TTS service" in server.log()


def wait_for_active(http: httpx.Client, count: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in http.get("/metrics").text.splitlines():
            if line.startswith("narration_syntheses_active ") and float(line.split()[1]) >= count:
                return True
        time.sleep(0.05)
    return False


# Set-up rules, checked without a model.


def test_another_address_without_a_token_is_refused(tmp_path: Path, model_dir: Path) -> None:
    env = server_env(model_dir, tmp_path, tmp_path / "cache")
    done = subprocess.run(
        [sys.executable, "-m", "studio", "serve", "--http", "--host", "0.0.0.0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        done.returncode == 3 and "needs a token" in done.stderr and "Traceback" not in done.stderr
    )


def test_cors_is_off_unless_an_origin_is_given(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    preflight = {
        "Origin": "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    for origins, allowed in (((), False), (("https://app.example",), True)):
        client = TTSClient(cwd=tmp_path, health_interval=None)
        app: Any = create_app(HttpOptions(cors_origins=origins, token="t"), client)
        try:
            answer = TestClient(app).options("/v1/synthesize", headers=preflight)
        finally:
            client.close()
        assert ("access-control-allow-origin" in answer.headers) is allowed
