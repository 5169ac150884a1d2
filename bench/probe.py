"""One measurement in a fresh process; prints one ``BENCH-RESULT {json}`` line on stdout.

Run by ``bench.run``, never imported by the app. Memory is the process's peak RSS as the OS reports
it (``getrusage(RUSAGE_SELF).ru_maxrss``); times are wall-clock (``time.time()`` for figures that
start at process launch, which the parent records, and ``perf_counter`` otherwise) plus process CPU
time, which is less disturbed by other programs sharing the cores.

    python -m bench.probe MODE CONFIG [--option value ...]

MODE is ``cold`` (start → ready → first audio of a preview line), ``warm`` (RTF and first-audio
latency of a loaded model) or ``components`` (peak RSS after each import/load step). CONFIG is
``baseline`` (plain KPipeline), ``torch`` or ``onnx`` (the studio engine), or a lever variant.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SAMPLE_RATE = 24_000
WARM_UP_TEXT = "A short sentence to warm up."


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    """Resident memory now (psutil: any OS), as against the peak."""
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


class Stages:
    """Records (name, wall time, peak RSS, CPU time) as a process goes through its stages."""

    def __init__(self) -> None:
        self.marks: dict[str, dict[str, float]] = {}

    def mark(self, name: str) -> None:
        self.marks[name] = {
            "time": time.time(),
            "rss_mb": round(peak_rss_mb(), 1),
            "cpu_s": time.process_time(),  # all threads, since the process started
        }


# --- the systems under test -------------------------------------------------------------------


class Baseline:
    """Plain kokoro: KModel + KPipeline, default chunking (~510 phonemes per chunk)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    def import_libraries(self) -> None:
        import kokoro  # noqa: F401

    def load(self) -> None:
        from kokoro import KModel, KPipeline

        model_dir = Path(self.args.model_dir)
        model = KModel(
            repo_id="hexgrad/Kokoro-82M",
            config=str(model_dir / "config.json"),
            model=str(model_dir / "kokoro-v1_0.pth"),
        ).eval()
        self.pipeline = KPipeline(lang_code="a", repo_id="hexgrad/Kokoro-82M", model=model)
        self.voice = str(model_dir / "voices" / f"{self.args.voice}.pt")

    def stream(self, text: str) -> Iterator[int]:
        """Samples of each chunk as it is ready."""
        for result in self.pipeline(text, voice=self.voice):
            if result.audio is not None:
                yield len(result.audio)


class KokoroOnnxPackage:
    """The kokoro-onnx package (not a dependency: ``pip install --no-deps kokoro-onnx``, since
    its phonemizer pin clashes with misaki's fork of the same module) on the same int8 export,
    with its own espeak G2P and sentence batching, as its users run it."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    def import_libraries(self) -> None:
        import kokoro_onnx  # noqa: F401

    def load(self) -> None:
        import tempfile

        import numpy as np
        from kokoro_onnx import Kokoro

        from studio.engine.voicepack import read_voice_pack

        model_dir = Path(self.args.model_dir)
        voices = Path(tempfile.mkdtemp(prefix="ns-bench-")) / "voices.npz"
        pack = read_voice_pack(model_dir / "voices" / f"{self.args.voice}.pt")
        np.savez(voices, **{self.args.voice: pack})
        self.kokoro = Kokoro(str(self.args.onnx_model), str(voices))

    def stream(self, text: str) -> Iterator[int]:
        audio, _rate = self.kokoro.create(text, voice=self.args.voice)
        yield len(audio)


class StudioEngine:
    """The studio's Engine with the torch or the onnx backend (sentence-level streaming)."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    def import_libraries(self) -> None:
        import studio.engine  # noqa: F401  # the engine imports its heavy libraries in load()

    def make_backend(self, source: Any) -> Any:
        from studio.engine.backends import make_backend

        precision = getattr(self.args, "precision", None)
        return make_backend(self.args.backend, source, self.args.onnx_model, precision=precision)

    def create(self) -> None:
        from studio.engine import Engine, LocalModelSource

        source = LocalModelSource(Path(self.args.model_dir))
        # no sentence cache: every run must synthesize (a repeated scene would come from it)
        self.engine = Engine(source, self.make_backend(source), cache_bytes=0)

    def load(self) -> None:
        if not hasattr(self, "engine"):
            self.create()
        self.engine.load()

    def stream(self, text: str) -> Iterator[int]:
        from studio.engine import SpeechRequest

        for chunk in self.engine.synthesize(SpeechRequest(text, self.args.voice)):
            yield len(chunk.audio)


def _variant(args: argparse.Namespace) -> Any:
    """The system for CONFIG, with the lever it toggles applied."""
    config = args.config
    if config == "baseline":
        return Baseline(args)
    if config in ("auto", "torch", "onnx"):
        args.backend = config
        return StudioEngine(args)
    if config == "kokoro-onnx":
        return KokoroOnnxPackage(args)
    if config in ("torch-fp32", "torch-bf16"):
        args.backend, args.precision = config.split("-")
        return StudioEngine(args)
    if config.startswith("torch-threads-"):
        _set_torch_threads(int(config.rsplit("-", 1)[1]))
        args.backend = "torch"
        return StudioEngine(args)
    if config == "torch-interop-1":
        import torch

        torch.set_num_interop_threads(1)
        args.backend = "torch"
        return StudioEngine(args)
    if config == "torch-no-inference-mode":
        return _NoInferenceMode(args)
    if config == "torch-paragraph-chunks":
        args.backend = "torch"
        return _ParagraphChunks(args)
    if config.endswith("-first-clause"):
        args.backend = config.removesuffix("-first-clause")
        return _FirstClause(args)
    if config.startswith("onnx-"):
        args.backend = "onnx"
        return _OnnxOptions(args, config.removeprefix("onnx-"))
    raise SystemExit(f"unknown config {config}")


def _set_torch_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


class _NoInferenceMode(StudioEngine):
    """Lever off: the torch backend without torch.inference_mode (KModel keeps its no_grad);
    the precision stays the backend's own."""

    def make_backend(self, source: Any) -> Any:
        from studio.engine.torch_backend import TorchBackend

        class Backend(TorchBackend):
            def infer(self, phonemes: str, style: Any, speed: float) -> Any:
                import numpy as np
                import torch

                bf16 = self.precision == "bf16"
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    ref = torch.from_numpy(np.ascontiguousarray(style))
                    output = self._model(phonemes, ref, speed, return_output=True)
                return output.audio.float().numpy(), output.pred_dur.numpy()

        return Backend(source)


class _ParagraphChunks(StudioEngine):
    """Lever off: KPipeline-sized chunks (up to 510 phonemes) instead of one chunk per sentence,
    through the same engine backend."""

    def stream(self, text: str) -> Iterator[int]:
        engine = self.engine
        pack = engine._style_pack(_voice_spec(self.args.voice))
        phonemizer = engine._phonemizer("a")
        for piece in phonemizer.chunks(text):
            audio, _ = engine.backend.infer(piece.phonemes, pack[len(piece.phonemes) - 1], 1.0)
            yield len(audio)


class _FirstClause(StudioEngine):
    """Lever on: the first sentence split at its first comma, so the first audio comes sooner."""

    def stream(self, text: str) -> Iterator[int]:
        from studio.speech.text import split_sentences

        first, *others = split_sentences(text)
        head, comma, rest = first.partition(", ")
        pieces = [head + ",", rest] if comma else [first]
        for piece in pieces + others:
            yield from super().stream(piece)


class _OnnxOptions(StudioEngine):
    """Lever variants of onnxruntime's session options, or torch imported before the engine."""

    def __init__(self, args: argparse.Namespace, option: str) -> None:
        super().__init__(args)
        self.option = option
        if option == "with-torch-imported":
            import torch  # noqa: F401  # spaCy then imports it too, as it would without the guard

    def make_backend(self, source: Any) -> Any:
        from studio.engine.onnx_backend import OnnxBackend

        option = self.option

        class Backend(OnnxBackend):
            def session_options(self, ort: Any) -> Any:
                options = super().session_options(ort)  # the studio's: no spinning
                if option.startswith("threads-"):
                    options.intra_op_num_threads = int(option.rsplit("-", 1)[1])
                elif option == "spinning":  # onnxruntime's default, off in the studio
                    options.add_session_config_entry("session.intra_op.allow_spinning", "1")
                elif option == "no-arena":
                    options.enable_cpu_mem_arena = False
                elif option.startswith("opt-"):
                    level = {"basic": "ORT_ENABLE_BASIC", "extended": "ORT_ENABLE_EXTENDED"}
                    options.graph_optimization_level = getattr(
                        ort.GraphOptimizationLevel, level[option.removeprefix("opt-")]
                    )
                return options

        path = Path(self.args.onnx_model) if self.args.onnx_model else None
        return Backend(source, path)


def _voice_spec(voice: str) -> Any:
    from studio.speech.voices import parse_voice

    return parse_voice(voice)


# --- the modes ----------------------------------------------------------------------------------


def first_audio(system: Any, text: str) -> tuple[float, float, int]:
    """(seconds to the first chunk, seconds for all, samples) for one synthesis."""
    started = time.perf_counter()
    first = None
    samples = 0
    for count in system.stream(text):
        if first is None:
            first = time.perf_counter() - started
        samples += count
    return first or 0.0, time.perf_counter() - started, samples


def cold(args: argparse.Namespace) -> dict[str, Any]:
    stages = Stages()
    stages.mark("start")
    system = _variant(args)
    system.import_libraries()
    stages.mark("imported")
    system.load()
    stages.mark("ready")
    first_line = Path(args.previews).read_text(encoding="utf-8").splitlines()[0]
    for _ in system.stream(first_line):
        stages.mark("first_audio")
        break
    return {"stages": stages.marks}


def warm(args: argparse.Namespace) -> dict[str, Any]:
    system = _variant(args)
    system.import_libraries()
    system.load()
    after_load = peak_rss_mb()
    first_audio(system, WARM_UP_TEXT)
    scene = Path(args.scene).read_text(encoding="utf-8").strip()
    runs = []
    for _ in range(args.runs):
        cpu = time.process_time()
        first, total, samples = first_audio(system, scene)
        seconds = samples / SAMPLE_RATE
        runs.append(
            {
                "first_audio": first,
                "rtf": total / seconds,
                "cpu_rtf": (time.process_time() - cpu) / seconds,
                "audio_s": seconds,
            }
        )
    previews = []
    lines = [ln for ln in Path(args.previews).read_text(encoding="utf-8").splitlines() if ln]
    for _ in range(args.preview_rounds):
        previews += [first_audio(system, line)[0] for line in lines]
    return {
        "runs": runs,
        "rtf": statistics.median(r["rtf"] for r in runs),
        "cpu_rtf": statistics.median(r["cpu_rtf"] for r in runs),
        "scene_first_audio": statistics.median(r["first_audio"] for r in runs),
        "preview_first_audio": statistics.median(previews),
        "audio_s": runs[0]["audio_s"],
        "rss_after_load_mb": round(after_load, 1),
        "rss_serving_mb": round(peak_rss_mb(), 1),
        "rss_now_mb": current_rss_mb(),
    }


def components(args: argparse.Namespace) -> dict[str, Any]:
    """Peak RSS after each step of loading one path, in order."""
    steps: list[tuple[str, Callable[[], Any]]]
    model_dir = Path(args.model_dir)
    state: dict[str, Any] = {}
    if args.config == "baseline":
        steps = [
            ("import numpy", lambda: __import__("numpy")),
            ("import torch", lambda: __import__("torch")),
            ("import kokoro (transformers, misaki, spaCy)", lambda: __import__("kokoro")),
            ("KModel loaded", lambda: state.update(model=_kmodel(model_dir))),
            ("KPipeline (spaCy pipeline)", lambda: state.update(pipe=_kpipeline(state["model"]))),
            ("synthesized the scene", lambda: _kpipeline_say(state["pipe"], args)),
        ]
    else:
        args.backend = args.config
        system = StudioEngine(args)
        steps = [
            ("import numpy", lambda: __import__("numpy")),
            ("import studio.engine", system.import_libraries),
            ("English G2P built (misaki, spaCy)", lambda: _english_g2p(system)),
            ("model loaded (the rest of Engine.load)", system.load),
            ("synthesized the scene", lambda: first_audio(system, _scene(args))),
        ]
    result = []
    for name, step in steps:
        started = time.perf_counter()
        step()
        result.append(
            {
                "step": name,
                "seconds": round(time.perf_counter() - started, 3),
                "rss_mb": round(peak_rss_mb(), 1),
                "torch_loaded": "torch" in sys.modules,
            }
        )
    return {"steps": result}


def _scene(args: argparse.Namespace) -> str:
    return Path(args.scene).read_text(encoding="utf-8").strip()


def _english_g2p(system: StudioEngine) -> None:
    system.create()
    system.engine._phonemizer("a")


def _phonemizer() -> Any:
    from studio.engine.g2p import Phonemizer

    return Phonemizer("a", allow_downloads=False)


def _kmodel(model_dir: Path) -> Any:
    from kokoro import KModel

    return KModel(
        repo_id="hexgrad/Kokoro-82M",
        config=str(model_dir / "config.json"),
        model=str(model_dir / "kokoro-v1_0.pth"),
    ).eval()


def _kpipeline(model: Any) -> Any:
    from kokoro import KPipeline

    return KPipeline(lang_code="a", repo_id="hexgrad/Kokoro-82M", model=model)


def _kpipeline_say(pipe: Any, args: argparse.Namespace) -> None:
    voice = str(Path(args.model_dir) / "voices" / f"{args.voice}.pt")
    for _ in pipe(_scene(args), voice=voice):
        pass


def g2p(args: argparse.Namespace) -> dict[str, Any]:
    """What phonemizing costs: the first sentence in a fresh process, then the whole scene warm."""
    from studio.speech.text import split_sentences

    started = time.perf_counter()
    phonemizer = _phonemizer()
    built = time.perf_counter() - started
    sentences = split_sentences(_scene(args))
    started = time.perf_counter()
    list(phonemizer.chunks(sentences[0]))
    first = time.perf_counter() - started
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        for sentence in sentences:
            list(phonemizer.chunks(sentence))
        timings.append(time.perf_counter() - started)
    return {
        "build_s": built,
        "first_sentence_s": first,
        "scene_s": statistics.median(timings),
        "sentences": len(sentences),
    }


def spacy_load(args: argparse.Namespace) -> dict[str, Any]:
    """en_core_web_sm as misaki loads it (enable=) against loading only what it uses (exclude=)."""
    from studio.engine.g2p_setup import torch_kept_out

    with torch_kept_out():
        import spacy

        started = time.perf_counter()
        if args.config == "enable":
            nlp = spacy.load("en_core_web_sm", enable=["tok2vec", "tagger"])
        else:
            unused = ["parser", "attribute_ruler", "lemmatizer", "ner", "senter"]
            nlp = spacy.load("en_core_web_sm", exclude=unused)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rss_mb": round(peak_rss_mb(), 1), "pipes": nlp.pipe_names}


def reexport(args: argparse.Namespace) -> dict[str, Any]:
    """Re-export of an already rendered project, in one process (the engine is never loaded)."""
    from studio.engine import Engine, LocalModelSource
    from studio.engine.backends import make_backend
    from studio.project.model import Project
    from studio.render.events import SceneDone
    from studio.render.export import render_project

    source = LocalModelSource(Path(args.model_dir))
    engine = Engine(source, make_backend(args.config, source, args.onnx_model))
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        project = Project.load(Path(args.project))
        done = [e for e in render_project(project, engine) if isinstance(e, SceneDone)]
        timings.append(time.perf_counter() - started)
        if {e.status for e in done} != {"cached"}:
            raise SystemExit(f"expected every scene cached, got {[e.status for e in done]}")
    return {"seconds": statistics.median(timings), "runs": timings, "loaded": engine.loaded}


MODES = {
    "cold": cold,
    "warm": warm,
    "components": components,
    "g2p": g2p,
    "spacy": spacy_load,
    "reexport": reexport,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("config")
    parser.add_argument("--model-dir", required=True)
    parser.add_argument("--onnx-model", default=None)
    parser.add_argument("--scene", required=True)
    parser.add_argument("--previews", required=True)
    parser.add_argument("--voice", default="af_heart")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preview-rounds", type=int, default=2)
    parser.add_argument("--project", default=None)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _quiet()
    result = MODES[args.mode](args)
    print("BENCH-RESULT " + json.dumps(result), flush=True)


def _quiet() -> None:
    """Keep third-party warnings and kokoro's loguru chatter out of the way."""
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        from loguru import logger
    except ImportError:
        return
    logger.remove()
    logger.add(sys.stderr, level="WARNING")


if __name__ == "__main__":
    main()
