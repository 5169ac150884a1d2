"""``POST /v1/audio/speech`` through OpenAI's own Python client and through plain HTTP: every
response format decodes back to speech, streaming sends audio before the synthesis ends, our
voices (ids, profiles, blends, OpenAI's shared names) work, and bad requests are clear 400s."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import openai
import pytest
import soundfile

from tests.http_server import HttpServer
from tests.service.test_http import wait_for_active

pytestmark = pytest.mark.model

SPEECH = "The weather is nice today. We walked to the park and sat by the water."


@pytest.fixture(scope="module")
def client(http_server: HttpServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(
        base_url=f"{http_server.url}/v1", api_key=http_server.token, max_retries=0, timeout=300
    ) as running:
        yield running


def decode(data: bytes, fmt: str) -> tuple[np.ndarray, int]:
    if fmt == "pcm":  # OpenAI's pcm: 24 kHz, 16-bit signed little-endian, mono, no header
        return np.frombuffer(data, "<i2").astype(np.float32) / 32767, 24_000
    audio, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    return audio, rate


@pytest.mark.parametrize("fmt", ["mp3", "wav", "flac", "opus", "pcm"])
def test_each_format_through_the_openai_client_says_the_words(
    client: openai.OpenAI,
    tmp_path: Path,
    fmt: str,
    transcribe: Callable[[Path], str],
    word_error_rate: Callable[[str, str], float],
) -> None:
    response = client.audio.speech.create(
        model="tts-1",
        voice="af_heart",
        input=SPEECH,
        response_format=fmt,  # type: ignore[arg-type]
    )
    audio, rate = decode(response.content, fmt)
    assert rate == (44_100 if fmt == "mp3" else 24_000)
    assert 3.0 < len(audio) / rate < 8.0
    if fmt in ("mp3", "pcm"):  # the ASR on two of them: the others decode the same samples
        wav = tmp_path / "heard.wav"
        soundfile.write(wav, audio, rate)
        heard = transcribe(wav)
        assert word_error_rate(SPEECH, heard) <= 0.35, heard


def test_streaming_sends_audio_while_later_sentences_are_still_synthesized(
    client: openai.OpenAI, http_server: HttpServer
) -> None:
    text = " ".join(f"This is sentence number {n} of a longer answer." for n in range(1, 5))
    metrics = httpx.Client(base_url=http_server.url, headers=http_server.headers)
    with client.audio.speech.with_streaming_response.create(
        model="tts-1", voice="sarah", input=text, response_format="pcm"
    ) as response:
        assert "content-length" not in response.headers  # chunked: sent as it is made
        chunks = response.iter_bytes()
        first = next(chunks)
        assert first and wait_for_active(metrics, 1, timeout=5), "the synthesis had ended"
        rest = b"".join(chunks)
    metrics.close()
    audio = np.frombuffer(first + rest, "<i2")
    assert len(audio) / 24_000 > 7


@pytest.mark.parametrize("voice", ["sarah", "af_bella:60,af_sky:40", "alloy", "BM_GEORGE"])
def test_our_ids_profiles_blends_and_openai_names(client: openai.OpenAI, voice: str) -> None:
    response = client.audio.speech.create(
        model="kokoro", voice=voice, input="Hello there.", response_format="wav"
    )
    audio, _rate = decode(response.content, "wav")
    assert len(audio) > 12_000 and float(np.abs(audio).max()) > 0.05


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"voice": "nobody"}, ["nobody", "alloy"]),
        ({"model": "whisper-1"}, ["Unknown model", "tts-1"]),
        ({"response_format": "aac"}, ["aac", "mp3"]),
        ({"speed": 4.0}, ["out of range"]),
        ({"input": ""}, []),
        ({"input": "x" * 5001}, ["5000"]),
    ],
)
def test_bad_requests_are_400_with_a_message_the_client_shows(
    client: openai.OpenAI, fields: dict[str, Any], words: list[str]
) -> None:
    request: dict[str, Any] = {"model": "tts-1", "voice": "alloy", "input": "Hi.", **fields}
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.speech.create(**request)
    for word in words:
        assert word in str(caught.value)
    assert "Traceback" not in str(caught.value)


def test_plain_http_whole_file_and_errors(http_server: HttpServer) -> None:
    url = f"{http_server.url}/v1/audio/speech"
    body = {"model": "tts-1", "voice": "emma", "input": "Plain HTTP.", "response_format": "wav"}
    whole = httpx.post(
        url, json={**body, "stream": False}, headers=http_server.headers, timeout=300
    )
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
    assert int(whole.headers["content-length"]) == len(whole.content)
    assert int.from_bytes(whole.content[40:44], "little") == len(whole.content) - 44
    for bad, status in (
        (b"{", 400),
        (b'{"model": "tts-1", "voice": "emma"}', 400),
        (b'{"model": "tts-1", "voice": 3, "input": "x"}', 400),
        (b'{"model": "tts-1", "voice": "emma", "input": "x", "volume": 2}', 400),
    ):
        answer = httpx.post(url, content=bad, headers=http_server.headers)
        assert (
            answer.status_code == status and answer.json()["error"]["code"] == "TTS_INVALID_INPUT"
        )
    assert httpx.post(url, json=body).status_code == 401  # no token


def test_sixteen_clients_at_once_all_get_audio_round_after_round(
    http_server: HttpServer,
) -> None:
    """A room's worth of apps on one desktop, with the server's defaults (one worker): each
    request waits its turn and gets audio, never 429; the server's own memory stays flat."""
    import psutil

    def speak(n: int) -> int:
        body = {"model": "tts-1", "input": f"Paragraph {n} is ready.", "voice": "alloy"}
        answer = httpx.post(
            f"{http_server.url}/v1/audio/speech",
            json={**body, "response_format": "wav"},
            headers=http_server.headers,
            timeout=600,
        )
        return answer.status_code

    server = psutil.Process(http_server.proc.pid)
    sizes = []
    for round_ in range(2):
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(speak, range(16 * round_, 16 * (round_ + 1))))
        assert statuses == [200] * 16, statuses
        sizes.append(server.memory_info().rss)
    assert sizes[-1] <= sizes[0] * 1.1, sizes  # the queue holds text, not growing buffers
