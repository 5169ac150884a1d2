#!/usr/bin/env bash
# Sets up (see setup.sh), checks style, types and the import rules of the package layout
# (lint-imports: pyproject's [tool.importlinter]), and runs the whole test suite on the real model.
# Arguments go to pytest. With none, the numeric tests then run twice more with oneDNN's kernels
# held to older CPUs (AVX2; AVX-512 without bf16), so every run checks three kinds of CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy studio
.venv/bin/lint-imports
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [[ $status -eq 5 ]]; then
  echo "pytest collected no tests (exit 5): treating as success" >&2
  status=0
fi
if [[ $# -eq 0 && $status -eq 0 ]]; then
  for isa in AVX2 AVX512_CORE; do
    echo "numeric tests with ONEDNN_MAX_CPU_ISA=$isa" >&2
    ONEDNN_MAX_CPU_ISA=$isa .venv/bin/python -m pytest -m numeric -p no:cacheprovider || status=$?
  done
fi
exit $status
