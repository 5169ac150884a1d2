"""The default backend, auto (issue 12, item 2): torch where the CPU computes bf16 natively or a
GPU is there, Kokoro's int8 ONNX export elsewhere, fetched from the hub on first use.

The rules are tested on stated machines, so that no result depends on this machine's CPU; a
CPU without native bf16 is imitated the way oneDNN itself is held back (``ONEDNN_MAX_CPU_ISA``).
The hub cannot be reached here: tests/fake_hub.py answers for it, with the real files, and the
export it serves is ours renamed to onnx-community's names (``input_ids``, ``waveform``), as the
two releases of the same graph differ.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import pytest

from studio.engine import Engine, LocalModelSource
from studio.engine.auto import Machine, choose_backend, this_machine
from studio.engine.backends import make_backend
from studio.engine.onnx_backend import OnnxBackend
from studio.engine.request import SpeechRequest
from studio.engine.source import HUB_REPO_ID, ONNX_HUB_FILE, ONNX_HUB_REPO, WEIGHTS_NAME
from tests.audio_checks import assert_mp3_spec
from tests.conftest import run_cli
from tests.fake_hub import running_hub
from tests.test_onnx_backend import INT8_EXPORT, SPEECH, _onnx_folder, auto_on_weights_and_export

#: Compares numbers from the model: scripts/test.sh runs these again with oneDNN held to older
#: CPUs' kernels, so every commit is checked on three kinds of CPU.
pytestmark = pytest.mark.numeric

GPU = Machine(cuda=True, native_bf16=False, onnxruntime=True)
BF16_CPU = Machine(cuda=False, native_bf16=True, onnxruntime=True)
AVX2_CPU = Machine(cuda=False, native_bf16=False, onnxruntime=True)
AVX2_CPU_WITHOUT_ORT = Machine(cuda=False, native_bf16=False, onnxruntime=False)
BF16_CPU_WITHOUT_TORCH = Machine(cuda=False, native_bf16=True, onnxruntime=True, torch=False)


@pytest.mark.parametrize(
    ("machine", "export", "backend", "because"),
    [
        (GPU, "the hub", "torch", "NVIDIA GPU"),
        (BF16_CPU, "the hub", "torch", "bf16 natively"),
        (AVX2_CPU, "the hub", "onnx", "from the hub"),
        (AVX2_CPU, "the model folder", "onnx", "from the model folder"),
        (AVX2_CPU, None, "torch", "put kokoro-v1.0.int8.onnx into the model folder"),
        (AVX2_CPU_WITHOUT_ORT, "the hub", "torch", "onnxruntime is not installed"),
        (BF16_CPU_WITHOUT_TORCH, None, "onnx", "torch is not installed"),
    ],
)
def test_auto_chooses_by_the_machine(
    machine: Machine, export: str | None, backend: str, because: str
) -> None:
    choice = choose_backend(machine, export)
    assert choice.name == backend
    assert because in choice.reason


@pytest.mark.parametrize(
    ("machine", "export", "on_disk", "backend", "because"),
    [
        (BF16_CPU, "the model folder", True, "onnx", "a one-shot job starts faster"),
        (GPU, "the hub", True, "onnx", "a one-shot job starts faster"),  # in the hub's cache
        (AVX2_CPU, "the model folder", True, "onnx", "a one-shot job starts faster"),
        # never a download for one line: the export is not on this machine yet
        (BF16_CPU, "the hub", False, "torch", "bf16 natively"),
        (BF16_CPU, None, False, "torch", "bf16 natively"),
        (AVX2_CPU_WITHOUT_ORT, "the model folder", True, "torch", "onnxruntime is not installed"),
    ],
)
def test_a_one_shot_job_takes_an_export_on_disk_for_its_faster_start(
    machine: Machine, export: str | None, on_disk: bool, backend: str, because: str
) -> None:
    choice = choose_backend(machine, export, one_shot=True, export_on_disk=on_disk)
    assert choice.name == backend
    assert because in choice.reason
    # long-lived work keeps the warm-fastest choice
    assert choose_backend(machine, export, export_on_disk=on_disk) == choose_backend(
        machine, export
    )


def test_onednn_held_below_bf16_counts_as_a_cpu_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    machine = this_machine("cpu")
    assert machine == Machine(cuda=False, native_bf16=False, onnxruntime=True)


@pytest.mark.model
def test_auto_on_a_cpu_without_bf16_runs_the_folders_export_and_says_why(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    with_export = LocalModelSource(_onnx_folder(model_dir, tmp_path / "model"))
    chosen = make_backend("auto", with_export)
    assert isinstance(chosen, OnnxBackend)
    assert chosen.chosen_because == (
        "this CPU has no native bf16: the int8 ONNX export from the model folder "
        f"({INT8_EXPORT.name})"
    )
    # a folder without the export stays offline: torch, and the user is told how to go faster
    # (a folder of its own: the test model folder may hold an export, as a user's may)
    plain = _onnx_folder(model_dir, tmp_path / "plain", onnx=None)
    (plain / "kokoro-v1_0.pth").symlink_to(model_dir / "kokoro-v1_0.pth")
    without = make_backend(None, LocalModelSource(plain))
    assert without.name == "torch"
    assert "put kokoro-v1.0.int8.onnx into the model folder" in without.chosen_because


@pytest.mark.model
def test_say_starts_on_the_folders_export_and_long_lived_work_keeps_the_warm_choice(
    model_dir: Path,
    tmp_path: Path,
    cli_env: dict[str, str],
    onnx_durations_cache: Path,
    transcribe: Callable[[Path], str],
    word_error_rate: Callable[[str, str], float],
) -> None:
    folder = tmp_path / "model"
    env = auto_on_weights_and_export(model_dir, folder, cli_env, onnx_durations_cache)
    said = run_cli(["-v", "say", SPEECH, "-o", str(tmp_path / "said.mp3")], env)
    assert said.returncode == 0, said.stderr
    assert "Backend auto: onnx, because a one-shot job starts faster" in said.stderr, said.stderr
    assert_mp3_spec(tmp_path / "said.mp3")
    assert word_error_rate(SPEECH, transcribe(tmp_path / "said.mp3")) <= 0.3
    # a precision asked for is torch's arithmetic: no quick start for it, the long-lived choice
    # (which is itself the export on a CPU without native bf16)
    export = f"the model folder ({INT8_EXPORT.name})"
    long_lived = choose_backend(this_machine(), export)
    fp32 = run_cli(["-v", "--precision", "fp32", "say", "Hi.", "-o", str(tmp_path / "x.mp3")], env)
    assert fp32.returncode == 0, fp32.stderr
    assert f"Backend auto: {long_lived.name}, because {long_lived.reason}" in fp32.stderr
    # long-lived work (the studio, the service) keeps the warm choice, whatever the folder holds;
    # a render weighs its amount of speech (tests/test_render_backend.py)
    assert make_backend("auto", LocalModelSource(folder)).chosen_because == long_lived.reason


@pytest.fixture(scope="session")
def hub_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our int8 export with onnx-community's input and output names."""
    import onnx

    model = onnx.load(str(INT8_EXPORT))
    renames = {"tokens": "input_ids", "audio": "waveform"}
    for value in [*model.graph.input, *model.graph.output]:
        value.name = renames.get(value.name, value.name)
    for node in model.graph.node:
        node.input[:] = [renames.get(name, name) for name in node.input]
        node.output[:] = [renames.get(name, name) for name in node.output]
    path = tmp_path_factory.mktemp("onnx-community") / "model_quantized.onnx"
    onnx.save(model, str(path))
    return path


@pytest.mark.model
def test_the_hubs_export_speaks_with_word_timings(
    model_dir: Path, hub_export: Path, tmp_path: Path
) -> None:
    source = LocalModelSource(model_dir)
    engine = Engine(source, OnnxBackend(source, hub_export, cache_dir=tmp_path))
    chunks = list(engine.synthesize(SpeechRequest("The harbor was quiet at dawn.", "af_heart")))
    assert engine.backend.gives_durations
    words = [w for c in chunks for w in c.words]
    assert [w.word for w in words] == ["The", "harbor", "was", "quiet", "at", "dawn"]
    assert all(a.end <= b.start + 1e-6 for a, b in pairwise(words))
    assert 1.0 < sum(c.duration for c in chunks) < 4.0


@pytest.mark.model
def test_a_first_run_without_bf16_downloads_the_onnx_export_not_the_torch_weights(
    model_dir: Path,
    hub_export: Path,
    tmp_path: Path,
    transcribe: Callable[[Path], str],
    word_error_rate: Callable[[str, str], float],
) -> None:
    files = {
        f"{HUB_REPO_ID}/config.json": model_dir / "config.json",
        f"{HUB_REPO_ID}/voices/af_heart.pt": model_dir / "voices" / "af_heart.pt",
        f"{HUB_REPO_ID}/{WEIGHTS_NAME}": model_dir / WEIGHTS_NAME,
        f"{ONNX_HUB_REPO}/{ONNX_HUB_FILE}": hub_export,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "NARRATION_STUDIO_"))}
    env |= {
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "ONEDNN_MAX_CPU_ISA": "AVX2",  # a CPU without native bf16, whatever this one has
    }
    with running_hub(files) as hub:
        first = run_cli(
            ["-v", "say", SPEECH, "-o", str(tmp_path / "first.mp3")],
            env | {"HF_ENDPOINT": hub.url},
        )
        assert first.returncode == 0, first.stderr
        assert "Backend auto: onnx" in first.stderr, first.stderr
        assert f"{ONNX_HUB_REPO}/{ONNX_HUB_FILE}" in hub.downloaded
        assert f"{HUB_REPO_ID}/{WEIGHTS_NAME}" not in hub.downloaded  # 327 MB not needed
    assert_mp3_spec(tmp_path / "first.mp3")
    assert word_error_rate(SPEECH, transcribe(tmp_path / "first.mp3")) <= 0.3

    # offline afterwards (the hub gone, offline mode on): the export is in the cache, so auto
    # still chooses it, and nothing is asked of the network
    again = run_cli(
        ["-v", "say", "Home again.", "-o", str(tmp_path / "again.mp3")],
        env | {"HF_HUB_OFFLINE": "1"},
    )
    assert again.returncode == 0, again.stderr
    assert "Backend auto: onnx" in again.stderr, again.stderr
    assert_mp3_spec(tmp_path / "again.mp3")


WHILE_SPACY_HIDES_TORCH = """
import json, threading
from studio.engine import library_imports
from studio.engine.auto import this_machine

inside, release, seen = threading.Event(), threading.Event(), {}
def spacy_loading():  # what building an English phonemizer does on another thread
    with library_imports.hidden_torch() as hid:
        seen["hidden"] = hid
        inside.set()
        release.wait()
holder = threading.Thread(target=spacy_loading)
holder.start()
inside.wait()
def engine_thread():
    seen["installed"] = this_machine().torch
    seen["imported"] = library_imports.import_torch().__name__
asker = threading.Thread(target=engine_thread)
asker.start()
asker.join(0.5)
seen["waited"] = asker.is_alive()
release.set()
asker.join()
holder.join()
print(json.dumps(seen))
"""


def test_torch_hidden_for_spacy_on_one_thread_is_still_installed_for_another() -> None:
    """The studio opens a project and reviews its words (an English phonemizer: spaCy loads
    with torch hidden) while its engine thread chooses a backend and imports torch. Both must
    wait for spaCy, not take torch for missing (the model then failed to load: no ONNX)."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", WHILE_SPACY_HIDES_TORCH],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "hidden": True,
        "waited": True,
        "installed": True,
        "imported": "torch",
    }
