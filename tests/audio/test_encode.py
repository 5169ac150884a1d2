from pathlib import Path

import numpy as np
import pytest
import soundfile

from studio.audio import encode
from studio.audio.encode import join_audio, write_mp3
from studio.errors import ErrorCode, StudioError
from tests.audio_checks import assert_mp3_spec


def _tone(seconds: float, rate: int = 24_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.4 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def test_write_mp3_is_128k_cbr_44k_mono_and_keeps_duration(tmp_path: Path) -> None:
    encoded = write_mp3(tmp_path / "tone.mp3", _tone(2.0), 24_000)
    assert encoded.duration == pytest.approx(2.0, abs=0.01)
    assert encoded.size == (tmp_path / "tone.mp3").stat().st_size
    assert assert_mp3_spec(tmp_path / "tone.mp3") == pytest.approx(2.0, rel=0.05)


def test_new_files_are_readable_by_others(tmp_path: Path) -> None:
    write_mp3(tmp_path / "tone.mp3", _tone(0.2), 24_000)
    assert (tmp_path / "tone.mp3").stat().st_mode & 0o044


def test_join_audio_appends_the_pause() -> None:
    joined = join_audio([_tone(1.0), _tone(0.5)], pause_seconds=0.25)
    assert len(joined) == 24_000 + 12_000 + 6_000
    assert not joined[-6_000:].any()


def test_a_failed_encode_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "scene.mp3"
    write_mp3(target, _tone(0.5), 24_000)
    before = target.read_bytes()

    def disk_full(file: Path, *args: object, **kwargs: object) -> None:
        Path(file).write_bytes(b"partial")  # what a full disk leaves behind, then the error
        raise soundfile.LibsndfileError(1, "Error writing: No space left on device")

    # A full disk can't be caused on this machine, so force the encoder's failure.
    monkeypatch.setattr(soundfile, "write", disk_full)
    with pytest.raises(StudioError) as caught:
        write_mp3(target, _tone(1.0), 24_000)
    assert caught.value.code is ErrorCode.IO_ERROR
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.mp3"]


def test_compression_level_gives_exactly_128_kbps() -> None:
    assert pytest.approx(128) == 320 - encode.mp3_compression_level(128) * 288
