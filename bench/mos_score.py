"""Predicted mean opinion scores for WAV files: DistillMOS and DNSMOS P.835 (SIG, BAK, OVRL).

Runs in the quality venv (``scripts/setup-quality.sh``), never in the app's: bench/quality.py
calls it with the files to score and reads one JSON object per file from stdout.

    .venv-quality/bin/python bench/mos_score.py FILE.wav [...]

Both models take 16 kHz speech; the files are resampled with soxr. DistillMOS predicts a
listening panel's 1-5 score from a model distilled from XLS-R (Stahl & Gamper, 2025); DNSMOS is
Microsoft's P.835 predictor, made for noise suppression, so its OVRL moves less with the
artefacts of a vocoder.
"""

from __future__ import annotations

import json
import sys

import distillmos
import numpy as np
import soundfile as sf
import soxr
import torch
from speechmos import dnsmos

RATE = 16_000


def main(paths: list[str]) -> None:
    torch.set_num_threads(2)
    model = distillmos.ConvTransformerSQAModel().eval()
    for path in paths:
        audio, rate = sf.read(path, dtype="float32", always_2d=True)
        mono = audio.mean(axis=1)
        clipped = float(np.mean(np.abs(mono) > 1.0))
        # as a 16-bit or MP3 export would store it: DNSMOS refuses samples beyond full scale
        # (clipped again after resampling, whose ringing can overshoot a clipped peak)
        speech = soxr.resample(np.clip(mono, -1.0, 1.0), rate, RATE)
        speech = np.clip(speech, -1.0, 1.0).astype(np.float32)
        with torch.inference_mode():
            distill = float(model(torch.from_numpy(speech)[None]).item())
        dns = dnsmos.run(speech, sr=RATE)
        scores = {
            "file": path,
            "distillmos": round(distill, 4),
            "dnsmos_ovrl": round(float(dns["ovrl_mos"]), 4),
            "dnsmos_sig": round(float(dns["sig_mos"]), 4),
            "dnsmos_bak": round(float(dns["bak_mos"]), 4),
            "clipped": round(clipped, 6),
        }
        print(json.dumps(scores), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
