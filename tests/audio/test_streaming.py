"""Incremental encoding for the HTTP speech endpoint: every format, streamed in pieces or written
whole, decodes back to the same tone for as long as it was fed."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from studio.audio.streaming import FORMATS, WHOLE_FILE_FORMATS, StreamEncoder, encode_audio

RATE = 24_000
TONE = (0.3 * np.sin(np.arange(2 * RATE) * 2 * np.pi * 220 / RATE)).astype(np.float32)


def decode(data: bytes, fmt: str) -> tuple[np.ndarray, int]:
    if fmt == "pcm":
        return np.frombuffer(data, "<i2").astype(np.float32) / 32767, RATE
    audio, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    return audio, rate


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio))))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "whole"])
def test_each_format_decodes_back_to_the_tone(fmt: str, streamed: bool) -> None:
    if streamed:
        encoder = StreamEncoder(fmt)
        pieces = [encoder.write(part) for part in np.array_split(TONE, 7)]
        data = b"".join(pieces) + encoder.close()
        if fmt not in WHOLE_FILE_FORMATS:
            assert pieces[0] or pieces[1], "nothing came out before the end"
    else:
        data = encode_audio(TONE, fmt)
    audio, rate = decode(data, fmt)
    assert rate == (44_100 if fmt == "mp3" else RATE)
    # MP3 streamed keeps the encoder's padding (no Xing totals): a few milliseconds more.
    assert len(audio) / rate == pytest.approx(2.0, abs=0.1)
    assert rms(audio) == pytest.approx(rms(TONE), rel=0.1)


def test_a_streamed_wav_says_unknown_length_and_a_whole_one_the_exact_length() -> None:
    streamed = StreamEncoder("wav")
    data = streamed.write(TONE) + streamed.close()
    assert data[4:8] == b"\xff\xff\xff\xff" and data[40:44] == b"\xff\xff\xff\xff"
    whole = encode_audio(TONE, "wav")
    assert int.from_bytes(whole[40:44], "little") == 2 * len(TONE) == len(whole) - 44


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="aac"):
        StreamEncoder("aac")
