#!/usr/bin/env bash
# Sets up .venv-quality with the listening-test stand-ins that bench/quality.py scores with:
# DistillMOS (its weights ship in its wheel) and DNSMOS P.835 (inside the speechmos wheel, run by
# onnxruntime). A venv of its own, so the app's .venv never carries them. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
venv=.venv-quality
stamp=$venv/.setup-stamp
want=$(sha256sum scripts/setup-quality.sh | cut -c1-16)

if [[ ! -x $venv/bin/python ]]; then
  "$python" -m venv "$venv"
fi
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  "$venv/bin/python" -m pip install -q --upgrade pip
  # The app's torch (the CPU build); any other torch spec would pull CUDA wheels.
  "$venv/bin/python" -m pip install -q torch==2.13.0
  # distillmos imports torchaudio, though scoring a waveform uses none of it. No torchaudio
  # release matches torch 2.13, and its dependencies would replace torch: take one without
  # them, and without its compiled extensions (built for another torch, and never called).
  "$venv/bin/python" -m pip install -q --no-deps torchaudio==2.11.1
  rm -f "$venv"/lib/python*/site-packages/torchaudio/lib/*.so
  "$venv/bin/python" -m pip install -q --no-deps distillmos==0.9.1 xls-r-sqa==0.1.0 speechmos==0.0.1.1
  "$venv/bin/python" -m pip install -q onnxruntime librosa soundfile soxr numpy transformers
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
