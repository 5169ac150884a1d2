"""The ONNX backend: Kokoro's ONNX export (int8 or fp32) under onnxruntime, without torch.

A smaller install than PyTorch and cheaper on the CPU. The export is prepared once, with the
``onnx`` package, and the prepared copy kept in the user's cache folder:

- its only output is the audio; to give word timings like the torch backend, the model's
  per-phoneme durations (an inner tensor) become a second output;
- in the int8 export, the vocoder's convolutions run in float again (studio.engine.onnx_float):
  their 8-bit activations cost the voice half a point of predicted MOS on some voices
  (af_bella), and in float they are no slower on onnxruntime (docs: performance.md, quality).

Without ``onnx`` the backend still speaks the export as it is, without word timings.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.onnx_float import dequantize_graph
from studio.engine.source import ModelSource, file_fingerprint, read_phoneme_vocab
from studio.engine.voicepack import read_voice_pack
from studio.errors import ErrorCode, StudioError
from studio.fsutil import atomic_path

log = logging.getLogger(__name__)

#: The two namings of Kokoro's export: kokoro-onnx's release files, and onnx-community's on the
#: hub (the same graph): (phoneme ids input, audio output).
_NAMINGS = {"tokens": "audio", "input_ids": "waveform"}
_OTHER_INPUTS = {"style", "speed"}
_INT64 = 7  # onnx.TensorProto.INT64
#: The int8 export's node groups run in float (see the module's docstring).
FLOAT_GROUPS = ("generator_convs",)
#: Names the prepared copy; changes whenever preparing changes what the model says, so that the
#: render cache (Engine.identity) makes such audio again.
PREPARED_REVISION = "prepared-2"
#: The prepared file's own version: changes when preparing changes the file but not its audio,
#: so that a copy an earlier version wrote wrongly (a float export's subgraphs) is not reused.
_COPY_VERSION = "c3"
_NOT_KOKORO_HINT = (
    "Use Kokoro-82M v1.0's ONNX export (kokoro-v1.0.onnx or kokoro-v1.0.int8.onnx, or "
    "onnx/model_quantized.onnx of onnx-community/Kokoro-82M-v1.0-ONNX)."
)


class OnnxBackend:
    """Runs Kokoro's ONNX export on the CPU. Knows nothing of text or languages."""

    name = "onnx"
    device = "cpu"
    needs_torch = False
    audio_revision = PREPARED_REVISION

    def __init__(
        self,
        source: ModelSource,
        model_path: Path | None = None,
        cache_dir: Path | None = None,
        chosen_because: str = "",
    ) -> None:
        self._source = source
        self.chosen_because = chosen_because
        self._model_path = model_path
        self._cache_dir = cache_dir
        self._session: Any = None
        self._vocab: dict[str, int] = {}
        self._durations_output: str | None = None
        self._ids_input, self._audio_output = "tokens", "audio"
        self.gives_durations = False

    def weights_file(self) -> Path:
        """The .onnx file: the one given, else the export found in the model folder."""
        if self._model_path is None:
            return self._source.onnx_path()
        path = self._model_path
        if not path.is_file() or path.stat().st_size == 0:
            raise StudioError(
                ErrorCode.MODEL_NOT_FOUND,
                f"ONNX model {path} does not exist or is empty.",
                "Give the path of kokoro-v1.0.onnx or kokoro-v1.0.int8.onnx, "
                "or put it into the model folder.",
            )
        return path

    def load(self) -> None:
        model = self.weights_file()
        self._vocab = read_phoneme_vocab(self._source.config_path())
        ort = _import_onnxruntime()
        try:
            session = ort.InferenceSession(
                str(self._prepared(model)),
                self.session_options(ort),
                providers=["CPUExecutionProvider"],
            )
        except Exception as exc:  # onnxruntime raises its own types for a truncated or foreign file
            raise StudioError(
                ErrorCode.MODEL_NOT_FOUND,
                f"The ONNX model {model} could not be loaded: it looks corrupt or incomplete "
                f"({type(exc).__name__}).",
                "Download it again, or choose another model file.",
            ) from exc
        inputs = {i.name for i in session.get_inputs()}
        outputs = {o.name: o.type for o in session.get_outputs()}
        ids = next((name for name in _NAMINGS if inputs == {name, *_OTHER_INPUTS}), None)
        if ids is None or _NAMINGS[ids] not in outputs:
            raise StudioError(
                ErrorCode.MODEL_NOT_FOUND,
                f"{model.name} is not a Kokoro ONNX export: its inputs are {sorted(inputs)} "
                f"and its outputs {sorted(outputs)}.",
                _NOT_KOKORO_HINT,
            )
        extra = [name for name, kind in outputs.items() if kind == "tensor(int64)"]
        self._session = session
        self._ids_input, self._audio_output = ids, _NAMINGS[ids]
        self._durations_output = extra[0] if extra else None
        self.gives_durations = self._durations_output is not None

    def session_options(self, ort: Any) -> Any:
        """All graph optimizations, one thread per physical core, and no spinning: idle threads
        sleep instead of busy-waiting for work (bench/, three runs: 12–23 % less CPU per second
        of audio at the same or better speed). No memory patterns: onnxruntime keeps one plan
        per input shape, and every new sentence length is a new shape, so on real text they only
        grow (150 distinct sentences: +22 MB with them, +16 MB without, 50 MB lower throughout,
        at the same speed)."""
        options = ort.SessionOptions()
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.enable_mem_pattern = False
        return options

    def load_voice(self, path: Path) -> np.ndarray:
        return read_voice_pack(path)

    def infer(
        self, phonemes: str, style: np.ndarray, speed: float
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """24 kHz float32 audio for ``phonemes``, and the predicted frames per phoneme if known."""
        ids = [self._vocab[p] for p in phonemes if p in self._vocab]
        tokens = np.array([[0, *ids, 0]], dtype=np.int64)
        outputs = [self._audio_output]
        if self._durations_output:
            outputs.append(self._durations_output)
        results = self._session.run(
            outputs,
            {
                self._ids_input: tokens,
                "style": np.asarray(style, dtype=np.float32).reshape(1, -1),
                "speed": np.array([speed], dtype=np.float32),
            },
        )
        audio = np.asarray(results[0], dtype=np.float32).reshape(-1)
        durations = np.asarray(results[1]).reshape(-1) if len(results) > 1 else None
        if durations is not None and len(durations) != tokens.shape[1]:
            durations = None  # not the tensor we took it for: no timings rather than wrong ones
        return audio, durations

    def _prepared(self, model: Path) -> Path:
        """The model to run: the cached prepared copy (durations out, the vocoder's convolutions
        in float), made now if it is not there yet; the export itself when nothing changes or
        the copy cannot be made."""
        cache_dir = self._cache_dir or _default_cache_dir()
        copy = f"{model.stem}.{file_fingerprint(model)}.{_COPY_VERSION}.{PREPARED_REVISION}.onnx"
        cached = cache_dir / copy
        if cached.is_file():
            return cached
        try:
            import onnx
        except ImportError:
            log.warning(
                "The onnx package is not installed: %s runs as exported, without word timings "
                "(and, if it is the int8 export, with its vocoder in 8 bits)",
                model.name,
            )
            return model
        try:
            proto = onnx.load(str(model))
        except Exception as exc:  # corrupt: onnxruntime will say so in its own words
            log.info("onnx could not read %s: %s", model, exc)
            return model
        changed = dequantize_graph(proto.graph, list(FLOAT_GROUPS)) > 0
        name = None if _gives_durations(proto) else _find_durations(proto)
        if name is not None and name not in {o.name for o in proto.graph.output}:
            proto.graph.output.append(onnx.helper.make_tensor_value_info(name, _INT64, None))
            changed = True
        if not changed:
            return model
        try:
            with atomic_path(cached) as temp:
                onnx.save(proto, str(temp))
        except StudioError as exc:
            log.warning("Could not cache the prepared ONNX model in %s: %s", cache_dir, exc)
            return model
        log.info("Prepared %s (durations out, vocoder in float) in %s", model.name, cache_dir)
        return cached


def _gives_durations(proto: Any) -> bool:
    """Whether the export has an int64 output already (a ``torch.onnx.export`` of kokoro's
    KModelForONNX gives the durations): then it needs no copy for them."""
    return any(o.type.tensor_type.elem_type == _INT64 for o in proto.graph.output)


def _find_durations(proto: Any) -> str | None:
    """The int64 frames-per-phoneme tensor: Cast(to int64) of Clip of Round, as Kokoro exports it.

    (torch: ``torch.round(duration).clamp(min=1).long()``.)
    """
    producers = {out: node for node in proto.graph.node for out in node.output}
    for node in proto.graph.node:
        if node.op_type != "Cast" or not node.input:
            continue
        if not any(a.name == "to" and a.i == _INT64 for a in node.attribute):
            continue
        clip = producers.get(node.input[0])
        if clip is None or clip.op_type != "Clip" or not clip.input:
            continue
        rounded = producers.get(clip.input[0])
        if rounded is not None and rounded.op_type == "Round":
            return str(node.output[0])
    return None


def _default_cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("narration-studio") / "onnx"


def _import_onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise StudioError(
            ErrorCode.NOT_INSTALLED,
            "onnxruntime is not installed, so the ONNX backend cannot run.",
            "Reinstall Narration Studio (pip install onnxruntime), or use --backend torch.",
        ) from exc
    return onnxruntime
