#!/usr/bin/env bash
# Create .venv from the pinned lock and install tfxkit into it (editable).
# Idempotent: does nothing when the lock and pyproject.toml are unchanged.
# The lock is resolved for Python 3.10 (tfx 1.16's metadata stops there) and
# installed without re-resolving on 3.10 or 3.11; see docs/install.md.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.10 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 11))'; then
      PYTHON=$candidate; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "setup: need Python 3.10 or 3.11 (set PYTHON=...)" >&2; exit 1; }

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.tfxkit-lock
want=$(cat requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "setup: installing the pinned TFX stack into .venv (about a minute with a warm cache)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
.venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -r requirements.txt
.venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e .
echo "$want" > "$stamp"
