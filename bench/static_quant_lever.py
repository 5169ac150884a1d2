"""A lever of issue 12, item 5: a statically quantized ONNX export, int8 where the work is.

    .venv/bin/python -m bench.static_quant_lever   # about 6 minutes on 2 cores

The shipped int8 export is quantized dynamically: every convolution first measures and
quantizes its input at run time (DynamicQuantizeLinear, ConvInteger), which takes back much of
what the int8 arithmetic saves. A static export fixes the activations' ranges once, from
calibration sentences, so onnxruntime runs fused int8 convolutions (QLinearConv). This bench:

1. exports the model folder's ``.pth`` to fp32 ONNX (kokoro's own KModelForONNX wrapper);
2. quantizes it statically (QDQ, per-channel int8 weights, uint8 activations, MinMax ranges from
   the sentences of ``bench/inputs/scene_300.txt`` in two voices, never the measured scene), in
   two ways: every convolution, and only the vocoder's residual blocks (the generator's
   ``resblocks`` and ``noise_res``, where most of Kokoro's arithmetic is), and those blocks but
   the three most sensitive ones; and, for reference,
   quantizes those same blocks dynamically, as the shipped export does;
3. runs the phonemes the studio makes for each sentence of ``bench/inputs/scene_900.txt``
   (voice af_heart) through the studio's onnx backend (its session options) with each model:
   the fp32 export, the shipped int8 export and the four made here.

Speed: the warm real-time factor, best of three passes over the scene's sentences. Quality: the
offline recogniser's word error rate per sentence against the text, and the log-spectral
distance from the fp32 export's audio, next to that of a second fp32 run (Kokoro's vocoder draws
noise, so two runs of one model differ: that is the floor). The distance needs the same
durations, so it is given for models whose duration predictor is not quantized. Nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench import quality
from bench.run import (
    BENCH,
    DEFAULT_MODEL_DIR,
    LEVER_SCENE,
    SCENE,
    SHARED_ONNX,
    machine_info,
)
from bench.spectra import log_spectral_distance
from studio.engine.chunks import SAMPLE_RATE

VOICE = "af_heart"
CALIBRATION_VOICES = ("af_heart", "am_adam")
VOCODER_BLOCKS = ("/decoder/generator/resblocks", "/decoder/generator/noise_res")
#: The same without resblocks 3-5: the 128-channel blocks at the highest rate, where uint8
#: activations cost the most fidelity (by hand, one group at a time: 7.5 dB from fp32 alone,
#: against 3.2 dB for resblocks 0-2 and 2.2 dB, the floor, for noise_res).
FIRST_VOCODER_BLOCKS = (
    "/decoder/generator/resblocks.0/",
    "/decoder/generator/resblocks.1/",
    "/decoder/generator/resblocks.2/",
    "/decoder/generator/noise_res",
)


def export_fp32(model_dir: Path, target: Path) -> None:
    """Kokoro's fp32 graph, named as the hub's exports are (input_ids, style, speed → waveform)."""
    import torch
    from kokoro.model import KModel, KModelForONNX

    model = KModel(
        repo_id="hexgrad/Kokoro-82M",
        config=str(model_dir / "config.json"),
        model=str(model_dir / "kokoro-v1_0.pth"),
        disable_complex=True,  # ONNX has no complex numbers: the vocoder's STFT in real form
    ).eval()
    ids = torch.tensor([[0, *range(16, 76), 0]])
    torch.onnx.export(
        KModelForONNX(model).eval(),
        (ids, torch.zeros(1, 256), torch.tensor([1.0])),
        str(target),
        input_names=["input_ids", "style", "speed"],
        output_names=["waveform", "durations"],
        dynamic_axes={"input_ids": {1: "tokens"}, "waveform": {0: "samples"}},
        opset_version=17,
        dynamo=False,
    )


def scene_inputs(engine: Any, backend: Any, text: str, voice: str) -> Iterator[dict[str, Any]]:
    """The model inputs of each piece of ``text``, as the onnx backend feeds them."""
    from studio.speech.text import split_sentences
    from studio.speech.voices import parse_voice

    pack = engine._style_pack(parse_voice(voice))
    phonemizer = engine._phonemizer("a")
    for sentence in split_sentences(text):
        for piece in phonemizer.chunks(sentence):
            ids = [backend._vocab[p] for p in piece.phonemes if p in backend._vocab]
            yield {
                "input_ids": np.array([[0, *ids, 0]], dtype=np.int64),
                "style": np.asarray(pack[len(piece.phonemes) - 1], np.float32).reshape(1, -1),
                "speed": np.array([1.0], dtype=np.float32),
            }


def quantize(
    fp32: Path,
    target: Path,
    calibration: list[dict[str, Any]] | None,
    only: tuple[str, ...],
) -> None:
    """int8 convolutions whose names start with one of ``only`` (every one when empty): static
    QDQ with ranges from ``calibration``, or dynamic (ranges measured on every call) when it is
    None, as the shipped export does."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = target.with_suffix(".pre.onnx")
    quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
    graph = onnx.load(str(prepared), load_external_data=False).graph
    nodes = [n.name for n in graph.node if n.op_type == "Conv" and n.name.startswith(only or "")]
    if calibration is None:
        quantize_dynamic(
            str(prepared),
            str(target),
            op_types_to_quantize=["Conv"],
            nodes_to_quantize=nodes,
            weight_type=QuantType.QUInt8,
        )
        prepared.unlink()
        return

    class Sentences(CalibrationDataReader):
        def __init__(self) -> None:
            self._items = iter(calibration or [])

        def get_next(self) -> dict[str, Any] | None:
            return next(self._items, None)

    quantize_static(
        str(prepared),
        str(target),
        Sentences(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["Conv"],
        nodes_to_quantize=nodes,
        calibrate_method=CalibrationMethod.MinMax,
    )
    prepared.unlink()


def voiced(backend: Any, inputs: list[dict[str, Any]]) -> tuple[float, list[np.ndarray]]:
    """The warm real-time factor (best of three passes) and each piece's audio (the last pass)."""
    session = backend._session
    run = [backend._audio_output]
    session.run(run, inputs[0])
    best, pieces = float("inf"), []
    for _ in range(3):
        started = time.perf_counter()
        pieces = [np.asarray(session.run(run, one)[0], np.float32).reshape(-1) for one in inputs]
        samples = sum(p.size for p in pieces)
        best = min(best, (time.perf_counter() - started) / (samples / SAMPLE_RATE))
    return best, pieces


def word_error_rate(
    recogniser: Any, pieces: list[np.ndarray], texts: list[str], work: Path
) -> float:
    """The recogniser's errors over all pieces, per word of the text."""
    import soundfile

    errors, words = 0.0, 0
    for number, (audio, text) in enumerate(zip(pieces, texts, strict=True)):
        path = work / f"piece-{number}.wav"
        soundfile.write(path, audio, SAMPLE_RATE)
        count = len(re.findall(r"\w+", text))
        errors += recogniser.word_error_rate(text, recogniser.transcribe(path)) * count
        words += count
    return errors / words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--work", type=Path, default=BENCH / "results" / "cache" / "static")
    parser.add_argument("--gate", action="store_true", help="score the static vocoder variants")
    args = parser.parse_args()
    from studio.engine import Engine, LocalModelSource
    from studio.engine.onnx_backend import OnnxBackend
    from studio.speech.text import split_sentences

    args.work.mkdir(parents=True, exist_ok=True)
    source = LocalModelSource(args.model_dir)
    fp32 = args.work / "kokoro-fp32.onnx"
    if not fp32.is_file():
        export_fp32(args.model_dir, fp32)

    def engine_on(model: Path) -> tuple[Any, Any]:
        backend = OnnxBackend(source, model, cache_dir=args.work)
        engine = Engine(source, backend, cache_bytes=0)
        engine.load()
        return engine, backend

    engine, backend = engine_on(fp32)
    calibration_text = LEVER_SCENE.read_text(encoding="utf-8").strip()
    calibration = [
        one
        for voice in CALIBRATION_VOICES
        for one in scene_inputs(engine, backend, calibration_text, voice)
    ]
    scene = SCENE.read_text(encoding="utf-8").strip()
    inputs = list(scene_inputs(engine, backend, scene, VOICE))
    texts = split_sentences(scene)
    assert len(texts) == len(inputs), "one piece per sentence: the scene's sentences are short"

    models = {"fp32 export": fp32, "shipped int8 (dynamic)": SHARED_ONNX}
    variants = (
        ("static int8, every conv", calibration, ()),
        ("static int8, vocoder blocks", calibration, VOCODER_BLOCKS),
        ("static int8, vocoder blocks but resblocks 3-5", calibration, FIRST_VOCODER_BLOCKS),
        ("dynamic int8, vocoder blocks", None, VOCODER_BLOCKS),
    )
    for name, ranges_from, only in variants:
        target = args.work / f"kokoro-{len(models)}.onnx"
        started = time.perf_counter()
        quantize(fp32, target, ranges_from, only)
        models[name] = target
        print(f"{name}: quantized in {time.perf_counter() - started:.0f} s", flush=True)

    recogniser = quality.recogniser()
    results: dict[str, Any] = {"machine": machine_info(), "sentences": len(inputs), "models": {}}
    reference: list[np.ndarray] = []
    for name, model in models.items():
        _, backend = engine_on(model)
        feeds = [
            {backend._ids_input: one["input_ids"], **{k: one[k] for k in ("style", "speed")}}
            for one in inputs
        ]
        rtf, pieces = voiced(backend, feeds)
        if not reference:
            reference = pieces
            _, pieces = voiced(backend, feeds)  # the floor: the same model again
        distance = log_spectral_distance(np.concatenate(reference), np.concatenate(pieces))
        row = {
            "file_mb": round(model.stat().st_size / 1e6, 1),
            "rtf": round(rtf, 3),
            "wer": round(word_error_rate(recogniser, pieces, texts, args.work), 3),
            "lsd_db_from_fp32": None if distance is None else round(distance, 2),
        }
        results["models"][name] = row
        print(name, json.dumps(row), flush=True)
    if args.gate:
        gated = {
            "fp32": None,
            "static-vocoder": models["static int8, vocoder blocks"],
            "static-vocoder-0-2": models["static int8, vocoder blocks but resblocks 3-5"],
        }
        work = Path(tempfile.mkdtemp(prefix="static-gate-"))
        report = quality.run(gated, list(quality.VOICES), list(quality.TEXTS), args.model_dir, work)
        results["gate"] = {k: v for k, v in report.items() if k != "files"}
        print(quality.report(report), flush=True)
    out = BENCH / "results" / "static_quant_lever.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
