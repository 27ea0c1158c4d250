#!/usr/bin/env bash
# Creates .venv and installs Netdesigner in editable mode with its dev tools.
# torch is pinned by constraints/torch-cpu.txt so that set-up never drags CUDA wheels in.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
    -c constraints/torch-cpu.txt -e ".[dev]"
