from pathlib import Path

import numpy as np
import pytest
import soundfile

from studio.audio import encode, meter
from studio.audio.encode import encode as encode_bytes
from studio.audio.encode import join_audio, write_audio, write_mp3
from studio.errors import ErrorCode, StudioError
from tests.audio_checks import assert_mp3_spec, mp3_frame_bitrates
from tests.file_limits import file_size_limit


def _tone(seconds: float, rate: int = 24_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_write_mp3_is_128k_cbr_44k_mono_and_keeps_duration(tmp_path: Path) -> None:
    encoded = write_mp3(tmp_path / "tone.mp3", _tone(2.0), 24_000)
    assert encoded.duration == pytest.approx(2.0, abs=0.01)
    assert encoded.size == (tmp_path / "tone.mp3").stat().st_size
    assert assert_mp3_spec(tmp_path / "tone.mp3") == pytest.approx(2.0, rel=0.05)


def test_an_mp3_decodes_to_exactly_the_samples_it_was_given_in_time(tmp_path: Path) -> None:
    # The LAME/Info header tells the decoder the encoder's delay and padding: without it a player
    # adds about 50 ms of silence around every scene, and joined scenes and captions drift.
    rate = 44_100
    clicks = np.zeros(rate * 2, dtype=np.float32)
    clicks[[rate // 4, rate, rate * 7 // 4]] = 0.9
    write_audio(tmp_path / "clicks.mp3", clicks, rate)
    decoded, decoded_rate = soundfile.read(tmp_path / "clicks.mp3", dtype="float32")
    assert decoded_rate == rate and len(decoded) == len(clicks)
    lag = np.argmax(np.correlate(decoded[: rate // 2], clicks[: rate // 2], "full")) - rate // 2 + 1
    assert lag == 0


def test_new_files_are_readable_by_others(tmp_path: Path) -> None:
    write_mp3(tmp_path / "tone.mp3", _tone(0.2), 24_000)
    assert (tmp_path / "tone.mp3").stat().st_mode & 0o044


def test_join_audio_appends_the_pause() -> None:
    joined = join_audio([_tone(1.0), _tone(0.5)], pause_seconds=0.25)
    assert len(joined) == 24_000 + 12_000 + 6_000
    assert not joined[-6_000:].any()


@pytest.mark.parametrize("fmt", ["mp3", "flac"])
def test_a_failed_encode_leaves_the_old_file_and_no_temp(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"scene.{fmt}"
    write_audio(target, _tone(0.5), 24_000, fmt)
    before = target.read_bytes()
    # Longer audio, a file larger than the limit: the encoder's write fails as on a full disk.
    with file_size_limit(2 * len(before)), pytest.raises(StudioError) as caught:
        write_audio(target, _tone(5.0), 24_000, fmt)
    assert caught.value.code is ErrorCode.IO_ERROR
    assert str(target) in caught.value.message
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_compression_level_gives_exactly_128_kbps() -> None:
    assert pytest.approx(128) == 320 - encode.mp3_compression_level(128) * 288


@pytest.mark.parametrize("kbps", [128, 192, 256, 320])
def test_every_bitrate_is_exact_cbr_in_every_frame_header(tmp_path: Path, kbps: int) -> None:
    path = tmp_path / f"tone-{kbps}.mp3"
    write_audio(path, _tone(1.5), 24_000, "mp3", kbps)
    assert assert_mp3_spec(path, kbps) == pytest.approx(1.5, abs=0.01)
    assert len(mp3_frame_bitrates(path)) > 50


@pytest.mark.parametrize("kbps", [128, 192, 320])
def test_the_decoded_mp3_keeps_the_level_it_was_given(tmp_path: Path, kbps: int) -> None:
    # LAME through libsndfile writes 128 kbps about 0.45 dB quieter; encode() makes up for it.
    # Noise within speech's band (Kokoro's audio stops at 12 kHz, under any MP3 low-pass).
    rng = np.random.default_rng(0)
    audio = encode.resample((rng.standard_normal(24_000 * 2) * 0.05).astype(np.float32), 24_000)
    path = tmp_path / "noise.mp3"
    write_audio(path, audio, 44_100, "mp3", kbps)
    decoded, _ = soundfile.read(path, dtype="float32")
    assert meter.rms_dbfs(decoded) == pytest.approx(meter.rms_dbfs(audio), abs=0.05)


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_wav_and_flac_masters_are_24_bit_44k_mono_and_exact(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"tone.{fmt}"
    encoded = write_audio(path, _tone(1.0), 24_000, fmt)
    info = soundfile.info(str(path))
    assert (info.format, info.subtype, info.samplerate, info.channels) == (
        fmt.upper(),
        "PCM_24",
        44_100,
        1,
    )
    assert encoded.duration == pytest.approx(1.0, abs=0.001)
    decoded, _ = soundfile.read(path, dtype="float32")
    expected = encode.resample(_tone(1.0), 24_000)
    assert np.abs(decoded - expected).max() < 1e-5
    assert encode_bytes(_tone(1.0), 24_000, fmt) == path.read_bytes()


def test_a_bitrate_or_format_the_encoder_cannot_do_is_refused(tmp_path: Path) -> None:
    for call in (
        lambda: write_audio(tmp_path / "x.mp3", _tone(0.5), 24_000, "mp3", 100),
        lambda: write_audio(tmp_path / "x.ogg", _tone(0.5), 24_000, "ogg"),
    ):
        with pytest.raises(StudioError) as caught:
            call()
        assert caught.value.code is ErrorCode.INVALID_INPUT
    assert "cannot write 100 kbps" in str(_refusal(lambda: encode.validate_bitrate(100)))
    assert "mp3, wav, flac" in _refusal(lambda: encode.validate_format("ogg")).hint
    assert list(tmp_path.iterdir()) == []


def _refusal(call: object) -> StudioError:
    with pytest.raises(StudioError) as caught:
        call()  # type: ignore[operator]
    return caught.value
