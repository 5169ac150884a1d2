"""The onnxruntime backend on Kokoro's real int8 ONNX export: speech, timings, choice, errors.

Only the int8 export exists offline (../shared/kokoro-offline); the fp32 export
(kokoro-v1.0.onnx) is supported by file name and tested only for being found.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.engine import Engine, LocalModelSource
from studio.engine.backends import make_backend
from studio.engine.onnx_backend import PREPARED_REVISION, OnnxBackend
from studio.engine.request import SpeechRequest
from studio.engine.source import ONNX_NAMES, WEIGHTS_NAME
from studio.errors import ErrorCode, StudioError
from tests.conftest import SHARED, python_json, run_cli

#: Only the tests that compare with the torch model are numeric (scripts/test.sh runs them again
#: with oneDNN held to older CPUs' kernels): onnxruntime itself does not read ONEDNN_MAX_CPU_ISA.
pytestmark = pytest.mark.model

INT8_EXPORT = SHARED / "kokoro-offline" / "kokoro-v1.0.int8.onnx"
SPEECH = "The weather is nice today. We walked to the park and sat by the water."


def _onnx_folder(model_dir: Path, folder: Path, onnx: Path | None = INT8_EXPORT) -> Path:
    """A model folder of links: config.json, voices/ and, if given, the ONNX export (no .pth)."""
    folder.mkdir(parents=True)
    (folder / "config.json").symlink_to(model_dir / "config.json")
    (folder / "voices").symlink_to(model_dir / "voices")
    if onnx is not None:
        (folder / onnx.name).symlink_to(onnx)
    return folder


def auto_on_weights_and_export(
    model_dir: Path,
    folder: Path,
    cli_env: dict[str, str],
    xdg_cache: Path,
    weights: bool = True,
) -> dict[str, str]:
    """The CLI's environment on a model folder holding the int8 export and (with ``weights``)
    the torch weights, as a user's may, with ``auto`` left to choose; ``xdg_cache`` keeps the
    prepared export."""
    _onnx_folder(model_dir, folder)
    if weights:
        (folder / WEIGHTS_NAME).symlink_to(model_dir / WEIGHTS_NAME)
    env = cli_env | {"NARRATION_STUDIO_MODEL_DIR": str(folder), "XDG_CACHE_HOME": str(xdg_cache)}
    env.pop("NARRATION_STUDIO_BACKEND", None)
    return env


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="session")
def onnx_engine(
    model_dir: Path, tmp_path_factory: pytest.TempPathFactory, onnx_cache: Path
) -> Engine:
    folder = _onnx_folder(model_dir, tmp_path_factory.mktemp("onnx") / "model")
    source = LocalModelSource(folder)
    engine = Engine(source, OnnxBackend(source, cache_dir=onnx_cache))
    engine.load()
    return engine


def _say(engine: Engine, text: str, path: Path) -> Path:
    audio = np.concatenate([c.audio for c in engine.synthesize(SpeechRequest(text, "af_heart"))])
    sf.write(path, audio, 24_000)
    return path


@pytest.mark.numeric
def test_onnx_backend_speaks_as_clearly_as_torch(
    onnx_engine: Engine,
    engine: Engine,
    tmp_path: Path,
    transcribe: Callable[[Path], str],
    word_error_rate: Callable[[str, str], float],
) -> None:
    onnx_wer = word_error_rate(SPEECH, transcribe(_say(onnx_engine, SPEECH, tmp_path / "o.wav")))
    torch_wer = word_error_rate(SPEECH, transcribe(_say(engine, SPEECH, tmp_path / "t.wav")))
    assert onnx_wer <= 0.3, onnx_wer
    assert onnx_wer <= torch_wer + 0.15, (onnx_wer, torch_wer)


@pytest.mark.numeric
def test_onnx_chunks_and_word_timings_match_torch(onnx_engine: Engine, engine: Engine) -> None:
    onnx_chunks = list(onnx_engine.synthesize(SpeechRequest(SPEECH, "af_heart")))
    torch_chunks = list(engine.synthesize(SpeechRequest(SPEECH, "af_heart")))
    assert onnx_engine.backend.gives_durations
    assert [c.text for c in onnx_chunks] == [c.text for c in torch_chunks]
    assert all(c.audio.dtype == np.float32 and c.audio.ndim == 1 for c in onnx_chunks)
    onnx_words = [w for c in onnx_chunks for w in c.words]
    torch_words = [w for c in torch_chunks for w in c.words]
    assert [w.word for w in onnx_words] == [w.word for w in torch_words]
    # Both run the same trained weights (the torch checkpoint here is rebuilt from this export),
    # so the predicted durations agree closely.
    for ours, theirs in zip(onnx_words, torch_words, strict=True):
        assert ours.start == pytest.approx(theirs.start, abs=0.15)
        assert ours.end == pytest.approx(theirs.end, abs=0.15)


def test_the_int8_exports_vocoder_convolutions_run_in_float(
    onnx_engine: Engine, onnx_cache: Path
) -> None:
    """Their 8-bit activations cost predicted MOS (bench/quality.py); the rest stays int8."""
    import onnx

    (prepared,) = onnx_cache.glob(f"*.{PREPARED_REVISION}.onnx")
    nodes = onnx.load(str(prepared), load_external_data=False).graph.node
    generator = [n.op_type for n in nodes if n.name.startswith("/decoder/decoder/generator/")]
    assert "ConvInteger" not in generator and "Conv" in generator
    assert sum(n.op_type in ("ConvInteger", "MatMulInteger") for n in nodes) > 100


def test_speed_changes_duration_on_onnx(onnx_engine: Engine) -> None:
    def seconds(speed: float) -> float:
        return sum(
            c.duration
            for c in onnx_engine.synthesize(SpeechRequest("Speed matters here.", speed=speed))
        )

    assert seconds(1.5) < seconds(1.0) * 0.8


def test_onnx_engine_never_imports_torch(model_dir: Path, tmp_path: Path, onnx_cache: Path) -> None:
    folder = _onnx_folder(model_dir, tmp_path / "model")
    code = f"""
import json, sys
from pathlib import Path
from studio.engine import Engine, LocalModelSource, SpeechRequest
from studio.engine.onnx_backend import OnnxBackend
source = LocalModelSource(Path({str(folder)!r}))
engine = Engine(source, OnnxBackend(source, cache_dir=Path({str(onnx_cache)!r})))
chunks = list(engine.synthesize(SpeechRequest("Hello there. How are you?", "af_heart")))
loaded = sorted({{"torch", "kokoro", "transformers"}} & set(sys.modules))
import torch  # still importable: it was only hidden while spaCy loaded
print(json.dumps({{"chunks": len(chunks), "words": sum(len(c.words) for c in chunks),
                  "loaded": loaded, "torch": torch.ones(2).sum().item()}}))
"""
    result = python_json(code)
    assert result == {"chunks": 2, "words": 5, "loaded": [], "torch": 2.0}


def test_onnx_engine_works_where_torch_is_not_installed(
    model_dir: Path, tmp_path: Path, onnx_cache: Path
) -> None:
    folder = _onnx_folder(model_dir, tmp_path / "model")
    code = f"""
import sys
sys.modules["torch"] = None  # as if torch were not installed: every `import torch` fails
from pathlib import Path
from studio.engine import Engine, LocalModelSource, SpeechRequest
from studio.engine.onnx_backend import OnnxBackend
source = LocalModelSource(Path({str(folder)!r}))
engine = Engine(source, OnnxBackend(source, cache_dir=Path({str(onnx_cache)!r})))
chunks = list(engine.synthesize(SpeechRequest("It works without torch.", "am_michael")))
print(len(chunks), sum(c.duration for c in chunks) > 1.0, len(chunks[0].words))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "True", "4"]


def test_a_folder_without_an_onnx_export_says_what_to_do(model_dir: Path, tmp_path: Path) -> None:
    folder = _onnx_folder(model_dir, tmp_path / "model", onnx=None)
    source = LocalModelSource(folder)
    with pytest.raises(StudioError) as caught:
        Engine(source, OnnxBackend(source, cache_dir=tmp_path)).load()
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND
    assert all(name in caught.value.message for name in ONNX_NAMES)
    assert "--onnx-model" in caught.value.hint


def test_an_explicit_onnx_path_that_does_not_exist(model_dir: Path, tmp_path: Path) -> None:
    source = LocalModelSource(model_dir)
    backend = make_backend("onnx", source, tmp_path / "nowhere.onnx")
    with pytest.raises(StudioError, match=r"nowhere\.onnx does not exist") as caught:
        Engine(source, backend).load()
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND


def _without_spacy_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if en_core_web_sm were not installed: a phonemizer fault the venv cannot produce."""
    import spacy.util

    monkeypatch.setattr(spacy.util, "is_package", lambda name: False)


@pytest.mark.parametrize("phonemizer_fails_too", [False, True])
def test_a_corrupt_onnx_file(
    phonemizer_fails_too: bool, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The model loads beside the phonemizer; when both fail, the model's error comes first, as
    # when they loaded one after the other.
    if phonemizer_fails_too:
        _without_spacy_model(monkeypatch)
    folder = _onnx_folder(model_dir, tmp_path / "model", onnx=None)
    (folder / "kokoro-v1.0.int8.onnx").write_bytes(b"not an onnx model" * 1000)
    source = LocalModelSource(folder)
    with pytest.raises(StudioError, match="corrupt") as caught:
        Engine(source, OnnxBackend(source, cache_dir=tmp_path / "cache")).load()
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND


def test_an_onnx_model_that_is_not_kokoro(model_dir: Path, tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "identity",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = tmp_path / "other.onnx"
    onnx.save(model, str(path))
    source = LocalModelSource(model_dir)
    with pytest.raises(StudioError, match="not a Kokoro ONNX export") as caught:
        Engine(source, OnnxBackend(source, path, cache_dir=tmp_path / "cache")).load()
    assert caught.value.code is ErrorCode.MODEL_NOT_FOUND


def test_a_phonemizer_failure_beside_a_good_model_is_reported(
    model_dir: Path, tmp_path: Path, onnx_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The model loads on a second thread beside the phonemizer: the phonemizer's error still
    # reaches the caller, and the engine is not taken for loaded.
    _without_spacy_model(monkeypatch)
    source = LocalModelSource(_onnx_folder(model_dir, tmp_path / "model"))
    engine = Engine(source, OnnxBackend(source, cache_dir=onnx_cache))
    with pytest.raises(StudioError, match="en_core_web_sm") as caught:
        engine.load()
    assert caught.value.code is ErrorCode.NOT_INSTALLED
    assert not engine.loaded


def test_the_fp32_export_is_found_first_by_name(model_dir: Path, tmp_path: Path) -> None:
    folder = _onnx_folder(model_dir, tmp_path / "model")
    assert LocalModelSource(folder).onnx_path().name == "kokoro-v1.0.int8.onnx"
    (folder / "kokoro-v1.0.onnx").symlink_to(INT8_EXPORT)  # stands in for the fp32 file's name
    assert LocalModelSource(folder).onnx_path().name == "kokoro-v1.0.onnx"


def test_without_the_onnx_package_it_speaks_without_timings(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # the one fault we cannot cause otherwise
    folder = _onnx_folder(model_dir, tmp_path / "model")
    source = LocalModelSource(folder)
    engine = Engine(source, OnnxBackend(source, cache_dir=tmp_path / "cache"))
    chunks = list(engine.synthesize(SpeechRequest("Still speaking.", "af_heart")))
    assert not engine.backend.gives_durations
    assert chunks and chunks[0].duration > 0.5 and chunks[0].words == ()
    assert not (tmp_path / "cache").exists()


def test_identity_depends_on_the_backend(onnx_engine: Engine, engine: Engine) -> None:
    assert onnx_engine.identity("af_heart") != engine.identity("af_heart")
    assert onnx_engine.model_version().startswith("kokoro-82m/onnx/")


def test_an_unknown_backend_is_refused(model_dir: Path) -> None:
    with pytest.raises(StudioError, match="Unknown backend 'tpu'") as caught:
        make_backend("tpu", LocalModelSource(model_dir))
    assert caught.value.code is ErrorCode.INVALID_INPUT


def test_cli_chooses_the_backend_by_option_env_and_setting(
    cli_env: dict[str, str], model_dir: Path, tmp_path: Path, onnx_cache: Path
) -> None:
    folder = _onnx_folder(model_dir, tmp_path / "model")
    cli_env["NARRATION_STUDIO_MODEL_DIR"] = str(folder)  # no .pth: only onnx can work here
    cli_env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    by_option = run_cli(
        ["--backend", "onnx", "say", "One.", "-o", str(tmp_path / "1.mp3")], cli_env
    )
    assert by_option.returncode == 0, by_option.stderr
    assert (tmp_path / "1.mp3").stat().st_size > 1000

    # torch, named: `auto` would take the export on a CPU without native bf16
    torch_fails = run_cli(
        ["--backend", "torch", "say", "Two.", "-o", str(tmp_path / "2.mp3")], cli_env
    )
    assert torch_fails.returncode == 6 and "kokoro-v1_0.pth is missing" in torch_fails.stderr

    env = dict(cli_env, NARRATION_STUDIO_BACKEND="onnx")
    assert run_cli(["say", "Three.", "-o", str(tmp_path / "3.mp3")], env).returncode == 0

    settings = Path(cli_env["XDG_CONFIG_HOME"]) / "narration-studio" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"backend": "onnx"}), encoding="utf-8")
    assert run_cli(["say", "Four.", "-o", str(tmp_path / "4.mp3")], cli_env).returncode == 0
    settings.write_text(json.dumps({"backend": "torch"}), encoding="utf-8")
    by_setting = run_cli(["say", "Four.", "-o", str(tmp_path / "4b.mp3")], cli_env)
    assert by_setting.returncode == 6, "the setting chose torch, which has no weights here"

    settings.write_text(json.dumps({"backend": "tpu"}), encoding="utf-8")
    refused = run_cli(["say", "Five.", "-o", str(tmp_path / "5.mp3")], cli_env)
    assert refused.returncode == 3 and "Unknown backend 'tpu'" in refused.stderr


def test_cli_takes_an_explicit_onnx_file(
    cli_env: dict[str, str], model_dir: Path, tmp_path: Path
) -> None:
    folder = _onnx_folder(model_dir, tmp_path / "model", onnx=None)
    cli_env["NARRATION_STUDIO_MODEL_DIR"] = str(folder)
    cli_env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    out = tmp_path / "explicit.mp3"
    args = ["--backend", "onnx", "--onnx-model", str(INT8_EXPORT), "say", "Hi.", "-o", str(out)]
    done = run_cli(args, cli_env)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 1000


def test_serve_runs_on_the_backend_chosen_on_the_command_line(
    cli_env: dict[str, str], model_dir: Path, tmp_path: Path
) -> None:
    """`narration-studio --backend onnx serve` (a folder without the .pth: only onnx can load)."""
    cli_env["NARRATION_STUDIO_MODEL_DIR"] = str(_onnx_folder(model_dir, tmp_path / "model"))
    cli_env["XDG_CACHE_HOME"] = str(tmp_path / "xdg-cache")
    shutdown = json.dumps({"action": "shutdown"}) + "\n"
    done = run_cli(["--backend", "onnx", "serve"], cli_env, cwd=tmp_path, stdin=shutdown)
    statuses = [
        json.loads(line)["status"] for line in done.stderr.splitlines() if '"status"' in line
    ]
    assert statuses[:2] == ["loading", "ready"], done.stderr
