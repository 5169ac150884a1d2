#!/usr/bin/env bash
# Sets up .venv with Narration Studio and everything it needs. Safe to run again: a no-op when
# nothing changed. On machines with ../shared/kokoro-offline (ours, CI), it also lays out the
# offline model folder and installs spaCy's English model from there.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
venv=.venv
stamp=$venv/.setup-stamp
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)

if [[ ! -x $venv/bin/python ]]; then
  "$python" -m venv "$venv"
fi
if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  "$venv/bin/python" -m pip install -q --upgrade pip
  # Pin torch first: this exact release is the CPU build on our machines; anything else would
  # pull gigabytes of CUDA wheels in through kokoro's unpinned dependency.
  "$venv/bin/python" -m pip install -q torch==2.13.0
  "$venv/bin/python" -m pip install -q -e ".[dev,docs,cluster]"
  echo "$want" > "$stamp"
fi

offline=${NARRATION_STUDIO_SHARED:-../shared}/kokoro-offline
if [[ -x $offline/prepare.sh ]]; then
  model=${NARRATION_STUDIO_TEST_MODEL_DIR:-$HOME/.cache/narration-studio-test/model}
  bash "$offline/prepare.sh" "$model" "$venv/bin/python" >/dev/null
  echo "Offline model folder: $model" >&2
fi
