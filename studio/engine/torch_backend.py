"""The PyTorch backend: the ``kokoro`` package's KModel, loaded once and kept.

On a CPU with native bfloat16 arithmetic (AVX512-BF16 or AMX) that oneDNN can use, it runs mostly
in bf16 by default (studio.engine.mixed_precision says which parts stay in fp32, and why): less
time per second of audio, with fp32's durations and predicted MOS (bench/quality.py,
tests/test_precision.py). Elsewhere it runs in fp32 (studio.engine.precision decides, once per
load).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from studio.engine.channels_last import run_generator_channels_last
from studio.engine.inplace_blocks import run_in_place
from studio.engine.kmodel_loading import load_kmodel
from studio.engine.library_imports import import_torch
from studio.engine.mixed_precision import run_in_bf16
from studio.engine.noise_source import draw_noise_contiguously
from studio.engine.onednn_caches import bound_kernel_caches
from studio.engine.precision import bf16_failure, bf16_is_native, choose_precision
from studio.engine.source import HUB_REPO_ID, ModelSource
from studio.engine.voicepack import check_voice_pack, unreadable_voice_pack
from studio.errors import ErrorCode, StudioError

log = logging.getLogger(__name__)
#: The seed of the vocoder's noise for every piece (see ``infer``).
NOISE_SEED = 0


class TorchBackend:
    """Runs Kokoro's KModel on CPU, or CUDA when present. Knows nothing of text or languages."""

    name = "torch"
    gives_durations = True
    audio_revision = ""
    needs_torch = True

    def __init__(
        self,
        source: ModelSource,
        device: str | None = None,
        precision: str = "auto",
        chosen_because: str = "",
    ) -> None:
        self._source = source
        self.chosen_because = chosen_because
        self._requested_device = device
        self._requested_precision = precision
        self._model: Any = None
        self.device = "cpu"
        self.precision = "fp32"  # what it runs in, decided at load

    def weights_file(self) -> Path:
        return self._source.weights_path()

    def load(self) -> None:
        config, weights = self._source.config_path(), self._source.weights_path()
        # before torch compiles its first kernel (the bf16 probe): in the precision it will
        # most likely compute in, which the CPU's flags and the setting tell without torch
        likely_bf16 = self._requested_precision != "fp32" and bf16_is_native()
        bound_kernel_caches("bf16" if likely_bf16 else "fp32")
        torch = _import_torch()
        self.device = self._requested_device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            model = load_kmodel(HUB_REPO_ID, config, weights)
        except StudioError:
            raise
        except Exception as exc:  # torch raises many types for a truncated or foreign file
            log.exception("Loading %s failed", weights)
            raise StudioError(
                ErrorCode.MODEL_NOT_FOUND,
                f"The model in {weights.parent} could not be loaded: it looks corrupt or incomplete "
                f"({type(exc).__name__}).",
                "Download the model again, or choose another model folder.",
            ) from exc
        self._model = model.to(self.device).eval()
        choice = choose_precision(
            self._requested_precision, self.device, bf16_is_native(), lambda: bf16_failure(torch)
        )
        if choice.warning:
            log.warning("%s", choice.warning)
        self.precision = choice.precision
        _ready_for_inference(self._model, bf16=self.precision == "bf16")
        log.info("Torch backend on %s in %s", self.device, self.precision)

    def load_voice(self, path: Path) -> np.ndarray:
        """A voice pack as float32 [510, 1, 256]: one style vector per phoneme count."""
        torch = _import_torch()
        try:
            pack = torch.load(path, map_location="cpu", weights_only=True)
            array = pack.numpy()
        except Exception as exc:
            raise unreadable_voice_pack(path, exc) from exc
        return check_voice_pack(path, array)

    def infer(
        self, phonemes: str, style: np.ndarray, speed: float
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """24 kHz float32 audio for ``phonemes``, and the predicted frames per phoneme."""
        torch = _import_torch()
        bf16 = self.precision == "bf16"
        with (
            torch.inference_mode(),
            torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16),
            torch.random.fork_rng(devices=[]),
        ):
            # Kokoro's vocoder draws noise: a fixed seed makes a piece's audio the same every
            # time, so a sentence heard in a preview is the sentence the export keeps.
            torch.manual_seed(NOISE_SEED)
            ref = torch.from_numpy(np.ascontiguousarray(style))
            output = self._model(phonemes, ref, speed, return_output=True)
        audio = output.audio.float().numpy()
        durations = None if output.pred_dur is None else output.pred_dur.numpy()
        return audio, durations


def _ready_for_inference(model: Any, bf16: bool) -> None:
    """Do once what Kokoro's forward would redo on every call; in bf16, take the faster paths.

    Its vocoder keeps weight normalisation, a training-time form (weight = g·v/‖v‖, computed
    again before each of its 89 convolutions on every call): folding it into plain weights
    gives bit-identical audio. In fp32 its residual blocks then run in place
    (studio.engine.inplace_blocks): bit-identical too.

    In bf16, the model runs as studio.engine.mixed_precision says (bf16 weights, the duration
    predictor and the vocoder's last convolution in fp32), the vocoder's generator runs
    channels-last (studio.engine.channels_last), and its noise is drawn contiguous
    (studio.engine.noise_source). tests/test_precision.py and bench/quality.py measure how close
    that stays to the fp32 model.
    """
    from torch.nn.utils import remove_weight_norm
    from torch.nn.utils.weight_norm import WeightNorm

    for module in model.modules():
        if any(isinstance(hook, WeightNorm) for hook in module._forward_pre_hooks.values()):
            remove_weight_norm(module)
    if bf16:
        run_in_bf16(model)
        run_generator_channels_last(model.decoder.generator)
        draw_noise_contiguously(model)
    else:
        run_in_place(model)


def _import_torch() -> Any:
    try:
        torch = import_torch()
    except ImportError as exc:
        raise StudioError(
            ErrorCode.NOT_INSTALLED,
            "PyTorch is not installed, so the speech model cannot run.",
            "Install it with: pip install torch==2.13.0  (then reinstall narration-studio)",
        ) from exc
    return torch
