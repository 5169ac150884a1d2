"""The torch backend's precision: bf16 on CPUs that compute it natively, fp32 elsewhere. bf16 must
say the same words at the same pace and loudness as fp32, or it must not be the default."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.engine import Engine, LocalModelSource
from studio.engine.backends import make_backend
from studio.engine.configure import configured_engine
from studio.engine.torch_backend import cpu_has_native_bf16
from studio.errors import ErrorCode, StudioError
from tests.conftest import run_cli

SPEECH = "The weather is nice today. We walked to the park and sat by the water."


@pytest.fixture(scope="module")
def other_precision_engine(engine: Engine, model_dir: Path) -> Engine:
    """A second engine in the precision the session's (auto) engine does not use."""
    other = "fp32" if engine.backend.precision == "bf16" else "bf16"  # type: ignore[attr-defined]
    source = LocalModelSource(model_dir)
    second = Engine(source, make_backend("torch", source, precision=other))
    second.load()
    return second


def test_auto_precision_is_bf16_exactly_where_the_cpu_has_it(engine: Engine) -> None:
    expected = "bf16" if cpu_has_native_bf16() else "fp32"
    assert engine.backend.precision == expected  # type: ignore[attr-defined]


def test_bf16_and_fp32_say_the_same_words_at_the_same_pace_and_loudness(
    engine: Engine,
    other_precision_engine: Engine,
    tmp_path: Path,
    transcribe: Callable[[Path], str],
    word_error_rate: Callable[[str, str], float],
) -> None:
    figures = {}
    for candidate in (engine, other_precision_engine):
        precision = candidate.backend.precision  # type: ignore[attr-defined]
        chunks = list(candidate.synthesize(SPEECH, "af_heart"))
        audio = np.concatenate([c.audio for c in chunks])
        assert audio.dtype == np.float32 and np.isfinite(audio).all()
        path = tmp_path / f"{precision}.wav"
        sf.write(path, audio, 24_000)
        figures[precision] = {
            "seconds": len(audio) / 24_000,
            "rms": float(np.sqrt(np.mean(audio**2))),
            "wer": word_error_rate(SPEECH, transcribe(path)),
            "words": [w.word for c in chunks for w in c.words],
        }
    bf16, fp32 = figures["bf16"], figures["fp32"]
    assert bf16["seconds"] == pytest.approx(fp32["seconds"], rel=0.05)
    assert bf16["rms"] == pytest.approx(fp32["rms"], rel=0.15)
    assert bf16["words"] == fp32["words"]
    assert bf16["wer"] <= fp32["wer"] + 0.15, (bf16["wer"], fp32["wer"])


def test_native_bf16_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n")
    assert cpu_has_native_bf16(cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_vnni\n")
    assert not cpu_has_native_bf16(cpuinfo)
    assert not cpu_has_native_bf16(tmp_path / "missing")


def test_an_unknown_precision_is_refused_with_the_choices(model_dir: Path) -> None:
    with pytest.raises(StudioError, match="Unknown precision 'fp8'") as caught:
        make_backend("torch", LocalModelSource(model_dir), precision="fp8")
    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert "auto, fp32, bf16" in (caught.value.hint or "")


def test_every_face_takes_backend_and_precision_from_the_settings(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """configured_engine is what the CLI, the service and the GUI build: settings count there."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("NARRATION_STUDIO_BACKEND", "NARRATION_STUDIO_PRECISION"):
        monkeypatch.delenv(name, raising=False)
    settings = tmp_path / "narration-studio" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"backend": "onnx"}), encoding="utf-8")
    assert configured_engine(str(model_dir)).backend.name == "onnx"
    settings.write_text(json.dumps({"precision": "fp8"}), encoding="utf-8")
    with pytest.raises(StudioError, match="Unknown precision"):
        configured_engine(str(model_dir))
    monkeypatch.setenv("NARRATION_STUDIO_PRECISION", "fp32")  # the environment beats the file
    assert configured_engine(str(model_dir)).backend.name == "torch"


def test_cli_runs_in_the_precision_asked_for(cli_env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "fp32.mp3"
    done = run_cli(["-v", "--precision", "fp32", "say", "Hello there.", "-o", str(out)], cli_env)
    assert done.returncode == 0, done.stderr
    assert "in fp32" in done.stderr
    assert out.stat().st_size > 1000
