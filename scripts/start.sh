#!/usr/bin/env bash
# Sets up (see setup.sh) and starts Narration Studio. Arguments go to `narration-studio`.
# Where the offline model folder from ../shared exists and no model is chosen, it is used.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
model=${NARRATION_STUDIO_TEST_MODEL_DIR:-$HOME/.cache/narration-studio-test/model}
if [[ -z ${NARRATION_STUDIO_MODEL_DIR:-} && -f $model/kokoro-v1_0.pth ]]; then
  export NARRATION_STUDIO_MODEL_DIR=$model
fi
exec .venv/bin/narration-studio "$@"
