"""Mastering and measuring on signals whose right answers are known: tones, bursts, silence."""

from __future__ import annotations

import numpy as np
import pytest

from studio.audio import master, meter
from studio.audio.presets import PRESETS, get_preset
from studio.errors import ErrorCode, StudioError

RATE = 44_100


def _tone(seconds: float, amplitude: float, freq: float = 997.0, phase: float = 0.0) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def _speechlike(seconds: float, seed: int, level: float) -> np.ndarray:
    """Noise bursts of uneven loudness with gaps: peaky, like speech, with a known seed."""
    rng = np.random.default_rng(seed)
    out = np.zeros(round(seconds * RATE), dtype=np.float32)
    position = int(0.3 * RATE)
    while position < len(out) - RATE // 2:
        length = int(rng.uniform(0.08, 0.35) * RATE)
        burst = rng.standard_normal(length) * np.hanning(length) * rng.uniform(0.2, 1.0)
        out[position : position + length] += burst.astype(np.float32)
        position += length + int(rng.uniform(0.02, 0.25) * RATE)
    return (out * level / np.abs(out).max()).astype(np.float32)


def test_a_full_scale_sine_measures_as_bs1770_says() -> None:
    # BS.1770 is calibrated so that a 0 dBFS 997 Hz sine measures -3.01 LUFS; RMS of a sine is
    # 3.01 dB under its peak. Short audio (under one 400 ms block) is measured all the same.
    tone = _tone(3.0, 0.1)  # -20 dBFS
    figures = meter.measure(tone, RATE)
    assert figures.integrated_lufs == pytest.approx(-23.01, abs=0.1)
    assert figures.rms_dbfs == pytest.approx(-23.01, abs=0.01)
    assert figures.true_peak_dbtp == pytest.approx(-20.0, abs=0.05)
    assert meter.integrated_lufs(_tone(0.2, 0.1), RATE) == pytest.approx(-23.01, abs=0.1)
    assert meter.integrated_lufs(np.zeros(RATE, dtype=np.float32), RATE) == -np.inf


def test_true_peak_finds_the_peak_between_samples() -> None:
    # A sine at a quarter of the sample rate, 45° off: every sample sits at 0.707 of the peak.
    tone = _tone(1.0, 0.5, freq=RATE / 4, phase=np.pi / 4)
    sample_peak = 20 * np.log10(np.abs(tone).max())
    assert sample_peak == pytest.approx(-9.03, abs=0.05)
    assert meter.true_peak_dbtp(tone, RATE) == pytest.approx(-6.02, abs=0.2)


def test_noise_floor_is_the_quietest_half_second() -> None:
    rng = np.random.default_rng(1)
    hiss = (rng.standard_normal(RATE) * 10 ** (-70 / 20)).astype(np.float32)
    # a length that is no whole number of 10 ms frames, and longer than one processing block
    audio = np.concatenate([_tone(6.0, 0.3), hiss, _tone(1.00123, 0.3)])
    assert meter.noise_floor_dbfs(audio, RATE) == pytest.approx(-70.0, abs=0.5)
    onset, offset = meter.speech_bounds(np.concatenate([np.zeros(RATE // 2), audio[:RATE]]), RATE)
    assert onset == pytest.approx(0.5, abs=0.011) and offset == pytest.approx(1.5, abs=0.011)


def test_the_limiter_lowers_peaks_with_smooth_gain_never_by_clipping() -> None:
    loud = _speechlike(6.0, seed=3, level=2.0)  # peaks at +6 dBFS
    limited = master.limit(loud, RATE, -1.0)
    assert meter.true_peak_dbtp(limited, RATE) <= -1.0
    # gain, not clipping: where the input is not tiny, output / input is one smooth curve that
    # moves at most 2 dB per millisecond (a clipper would flatten the tops: the ratio would jump
    # by decibels from one sample to the next)
    mask = np.abs(loud) > 0.05
    gain_db = 20 * np.log10(limited[mask] / loud[mask])
    assert gain_db.max() <= 1e-4 and gain_db.min() < -6
    neighbours = np.abs(np.diff(gain_db))[np.diff(np.flatnonzero(mask)) == 1]
    assert neighbours.max() <= 2.0 / (RATE / 1000) + 1e-3
    quiet = np.abs(loud) < 0.3 * 10 ** (-1 / 20)  # far from any peak the signal is untouched
    assert np.mean(np.isclose(limited[quiet], loud[quiet], rtol=1e-4)) > 0.3


@pytest.mark.parametrize("name", ["video", "podcast", "broadcast"])
@pytest.mark.parametrize("level", [0.05, 0.9])
def test_loudness_presets_land_on_target_under_the_ceiling(name: str, level: float) -> None:
    preset = PRESETS[name]
    speech = _speechlike(8.0, seed=7, level=level)
    out = master.master(speech, RATE, preset, pause_after=0.5, headroom_db=0.5)
    assert out.shift == 0.0
    assert len(out.audio) == len(speech) + RATE // 2 and not out.audio[-RATE // 2 :].any()
    assert meter.integrated_lufs(out.audio, RATE) == pytest.approx(preset.target_lufs, abs=0.15)
    assert meter.true_peak_dbtp(out.audio, RATE) <= preset.true_peak_dbtp - 0.5 + 0.01


def test_acx_master_adds_room_tone_and_reaches_its_rms() -> None:
    acx = get_preset("acx")
    speech = np.concatenate([np.zeros(RATE // 10, dtype=np.float32), _speechlike(6.0, 5, 0.4)])
    out = master.master(speech, RATE, acx, pause_after=0.5, headroom_db=0.5)
    figures = meter.measure(out.audio, RATE)
    assert figures.rms_dbfs == pytest.approx(acx.target_rms_dbfs, abs=0.15)
    assert figures.true_peak_dbtp <= -3.5 + 0.01
    assert figures.speech_start == pytest.approx(master.HEAD_ROOM_TONE_S, abs=0.02)
    assert 1.0 <= figures.speech_tail <= 5.0
    assert figures.noise_floor_dbfs <= -60
    onset_before = meter.speech_bounds(speech, RATE)[0]
    assert out.shift == pytest.approx(master.HEAD_ROOM_TONE_S - onset_before, abs=0.01)


def test_silence_is_left_alone() -> None:
    silent = np.zeros(RATE, dtype=np.float32)
    out = master.master(silent, RATE, PRESETS["podcast"], pause_after=0.0)
    assert not out.audio.any() and len(out.audio) == RATE


def test_an_unknown_preset_says_which_there_are() -> None:
    with pytest.raises(StudioError) as caught:
        get_preset("podcats")
    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert "Did you mean 'podcast'?" in caught.value.message
    assert "none, video, podcast, broadcast, acx" in caught.value.hint


def test_long_audio_is_measured_a_minute_at_a_time_as_pyloudnorm_measures_it_whole() -> None:
    import pyloudnorm

    # five minutes whose loudness changes every half minute, so the gating has work to do
    parts = [_speechlike(30.0, seed, level) for seed, level in enumerate([0.9, 0.1, 0.5] * 3)]
    audio = np.concatenate([*parts, np.zeros(RATE * 30, dtype=np.float32)])
    whole = pyloudnorm.Meter(RATE).integrated_loudness(audio)
    assert meter.integrated_lufs(audio, RATE) == pytest.approx(whole, abs=0.02)
