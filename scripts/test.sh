#!/usr/bin/env bash
# Sets up (see setup.sh), checks style and types, and runs the whole test suite on the real model.
# Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy studio
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [[ $status -eq 5 ]]; then
  echo "pytest collected no tests (exit 5): treating as success" >&2
  status=0
fi
exit $status
