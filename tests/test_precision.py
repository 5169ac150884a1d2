"""The torch backend's precision: bf16 on CPUs that compute it natively, fp32 elsewhere. bf16 must
say the same words at the same pace and loudness as fp32, or it must not be the default. A CPU
without bf16 (imitated with ONEDNN_MAX_CPU_ISA=AVX2) runs fp32 on every face, with one warning
when bf16 was asked for."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from studio.engine import Engine, LocalModelSource
from studio.engine.backends import make_backend
from studio.engine.configure import configured_engine
from studio.engine.inplace_blocks import residual_blocks
from studio.engine.precision import bf16_failure, cpu_has_native_bf16
from studio.errors import ErrorCode, StudioError
from studio.voices import parse_voice
from tests.conftest import REPO, run_cli
from tests.service.helpers import RawService, service_env
from tests.spectra import log_spectral_distance

SPEECH = "The weather is nice today. We walked to the park and sat by the water."
#: oneDNN held to AVX2, as on the CPUs of most laptops: no AVX-512, so no bf16 LSTM.
AVX2_ONLY = {"ONEDNN_MAX_CPU_ISA": "AVX2"}
needs_x86 = pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"),
    reason="ONEDNN_MAX_CPU_ISA=AVX2 imitates an AVX2-only CPU on x86-64 only",
)


@pytest.fixture(scope="module")
def bf16_here() -> None:
    """Skip, with oneDNN's reason, where this CPU cannot run the model in bf16."""
    import torch

    failure = bf16_failure(torch)
    if failure is not None:
        pytest.skip(f"this CPU cannot run bf16 LSTMs (oneDNN: {failure})")


@pytest.fixture(scope="module")
def other_precision_engine(engine: Engine, model_dir: Path, bf16_here: None) -> Engine:
    """A second engine in the precision the session's (auto) engine does not use."""
    other = "fp32" if engine.backend.precision == "bf16" else "bf16"  # type: ignore[attr-defined]
    source = LocalModelSource(model_dir)
    second = Engine(source, make_backend("torch", source, precision=other))
    second.load()
    return second


def test_auto_precision_is_bf16_exactly_where_the_cpu_has_it_and_it_runs(engine: Engine) -> None:
    import torch

    expected = "bf16" if cpu_has_native_bf16() and bf16_failure(torch) is None else "fp32"
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


def _plain_kokoro(model_dir: Path, noise_as_bf16_path: bool = False) -> Any:
    """kokoro's own KModel, as it loads; with the vocoder's noise drawn as the backend's bf16
    path draws it, when asked."""
    from kokoro import KModel

    from studio.engine.noise_source import draw_noise_contiguously

    model = KModel(
        repo_id="hexgrad/Kokoro-82M",
        config=str(model_dir / "config.json"),
        model=str(model_dir / "kokoro-v1_0.pth"),
    ).eval()
    if noise_as_bf16_path:
        draw_noise_contiguously(model)
    return model


def _kokoro_audio(model: Any, phonemes: str, style: np.ndarray, bf16: bool) -> Any:
    """What ``model`` makes of ``phonemes`` in this precision, with the backend's noise seed."""
    import torch

    from studio.engine.torch_backend import NOISE_SEED

    with (
        torch.inference_mode(),
        torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16),
        torch.random.fork_rng(devices=[]),
    ):
        torch.manual_seed(NOISE_SEED)
        output = model(phonemes, torch.from_numpy(style), 1.0, return_output=True)
    return output.audio.float().numpy()


def test_fp32_makes_the_very_samples_kokoro_makes(
    engine: Engine, model_dir: Path, request: pytest.FixtureRequest
) -> None:
    # The backend builds KModel without random weights (the checkpoint's tensors become its
    # parameters), folds weight normalisation and runs the vocoder's residual blocks in place:
    # speed-ups that must not change a single sample.
    ours, phonemes, style = _short_sentence_from(engine, "fp32", request)
    theirs = _kokoro_audio(_plain_kokoro(model_dir), phonemes, style, bf16=False)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs)


def test_bf16_is_as_close_to_the_fp32_model_as_kokoros_own_bf16(
    engine: Engine, model_dir: Path, request: pytest.FixtureRequest
) -> None:
    # In bf16 the backend also stores the weights autocast would cast on every call (the same
    # samples), runs the residual blocks' AdaIN and Snake steps in bf16 (other roundings), and
    # draws the vocoder's noise contiguous (another draw, so Kokoro here draws it the same way):
    # the audio must stay as close to the fp32 model's as Kokoro's own bf16 audio is.
    ours, phonemes, style = _short_sentence_from(engine, "bf16", request)
    kokoro = _plain_kokoro(model_dir, noise_as_bf16_path=True)
    kokoro_bf16 = _kokoro_audio(kokoro, phonemes, style, bf16=True)
    kokoro_fp32 = _kokoro_audio(kokoro, phonemes, style, bf16=False)
    assert ours.shape == kokoro_bf16.shape, "the durations are Kokoro's: its predictor is untouched"
    assert kokoro_bf16.shape == kokoro_fp32.shape, "pick phonemes both precisions time alike"
    kokoros_own = log_spectral_distance(kokoro_bf16, kokoro_fp32)
    from_fp32 = log_spectral_distance(ours, kokoro_fp32)
    from_kokoro_bf16 = log_spectral_distance(ours, kokoro_bf16)
    assert kokoros_own is not None and from_fp32 is not None and from_kokoro_bf16 is not None
    assert from_fp32 <= kokoros_own + 0.5, (from_fp32, kokoros_own)
    assert from_kokoro_bf16 < kokoros_own, (from_kokoro_bf16, kokoros_own)


def _short_sentence_from(
    engine: Engine, precision: str, request: pytest.FixtureRequest
) -> tuple[np.ndarray, str, np.ndarray]:
    """The backend's audio of a short sentence in ``precision`` (the session's engine or the
    other one), with the phonemes and style it voiced; checks that its residual blocks run the
    backend's own forward."""
    if engine.backend.precision != precision:  # type: ignore[attr-defined]
        engine = request.getfixturevalue("other_precision_engine")
    blocks = residual_blocks(engine.backend._model)  # type: ignore[attr-defined]
    assert len(blocks) == 8 and all("forward" in vars(block) for block in blocks)
    phonemes = "ðə wˈɛðəɹ ɪz nˈIs tədˈA."
    style = engine._style_pack(parse_voice("af_heart"))[len(phonemes) - 1]
    ours, _ = engine.backend.infer(phonemes, style, 1.0)
    return ours, phonemes, style


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


def _run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )


@needs_x86
def test_the_bf16_probe_gives_onednns_refusal_on_an_avx2_cpu() -> None:
    env = {**os.environ, **AVX2_ONLY}
    code = "import torch; from studio.engine.precision import bf16_failure as f; print(f(torch))"
    done = _run_python(code, env)
    assert done.returncode == 0, done.stderr
    assert "LSTM forward propagation primitive" in done.stdout


def _one_warning(stderr: str) -> str:
    warnings = [line for line in stderr.splitlines() if "cannot run the model in bf16" in line]
    assert len(warnings) == 1, stderr
    assert "Traceback" not in stderr
    return warnings[0]


@needs_x86
def test_cli_asked_for_bf16_on_an_avx2_cpu_speaks_in_fp32_with_one_warning(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "x.mp3"
    args = ["-v", "--precision", "bf16", "say", "Hello there.", "-o", str(out)]
    done = run_cli(args, {**cli_env, **AVX2_ONLY})
    assert done.returncode == 0, done.stderr
    warning = _one_warning(done.stderr)
    assert warning.startswith("[WARNING]") and "running in fp32" in warning
    assert "set the precision to auto or fp32".lower() in warning.lower()
    assert "in fp32" in done.stderr.split(warning)[1]  # the backend's own line: it ran in fp32
    assert out.stat().st_size > 1000


@needs_x86
def test_service_with_a_bf16_setting_on_an_avx2_cpu_is_ready_and_answers(
    model_dir: Path, tmp_path: Path
) -> None:
    """A settings file carried over from a computer with bf16: the service still serves."""
    env = {**service_env(model_dir, tmp_path), **AVX2_ONLY}
    settings = tmp_path / "config" / "narration-studio" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"precision": "bf16"}), encoding="utf-8")
    service = RawService(tmp_path, env)
    try:
        service.wait_ready()
        answer = service.request(
            {
                "action": "synthesize",
                "text": "Hello there.",
                "voiceId": "sarah",
                "outputPath": ".cache/audio/x.mp3",
            }
        )
    finally:
        assert service.close() == 0
    assert answer["success"] is True, answer
    _one_warning("\n".join(service.stderr_lines))


GUI_ENGINE = """
import sys
from studio.ui.worker import default_engine_factory
engine = default_engine_factory(sys.argv[1])
audio = [c.audio for c in engine.synthesize("Hello there.", "af_heart")]
print(engine.backend.precision, sum(len(a) for a in audio))
"""


@needs_x86
def test_gui_engine_asked_for_bf16_on_an_avx2_cpu_runs_in_fp32(
    model_dir: Path, tmp_path: Path
) -> None:
    env = {**os.environ, **AVX2_ONLY, "NARRATION_STUDIO_PRECISION": "bf16"}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, "-c", GUI_ENGINE, str(model_dir)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    precision, samples = done.stdout.split()
    assert precision == "fp32" and int(samples) > 12_000
    _one_warning(done.stderr)
