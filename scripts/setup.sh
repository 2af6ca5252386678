#!/usr/bin/env bash
# Create .venv (or $VENV) from the pinned lock and install tfxkit into it (editable).
# Idempotent: does nothing when the lock and pyproject.toml are unchanged.
# VENV lets a second interpreter's environment sit beside .venv (make test-py310).
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

VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
stamp=$VENV/.tfxkit-lock
want=$(cat requirements.txt pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
echo "setup: installing the pinned TFX stack into $VENV (one to two minutes with a warm cache)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
# Compiled to bytecode here (uv does not by default): where PYTHONDONTWRITEBYTECODE is set, as in many containers
# and CI images, every process would otherwise compile TensorFlow, Beam and TFX from source at each start
# (importing them took 34-37 s instead of 15 s on 2 cores). tfxkit's own modules too, beside their sources.
"$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps --compile-bytecode -r requirements.txt
"$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" --no-deps -e .
"$VENV/bin/python" -m compileall -q tfxkit
echo "$want" > "$stamp"
