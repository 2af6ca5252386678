# The two commands a newcomer needs:
#   make demo   set up .venv from the lock and run pipelines/penguin.yaml end to end
#   make test   set up .venv from the lock and run the whole test suite
.PHONY: setup demo test test-fast lint docs bench bazel-test

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/tfxkit validate pipelines/penguin.yaml
	.venv/bin/tfxkit run pipelines/penguin.yaml

# Import layers (import-linter, pyproject.toml's contracts), then pyflakes' checks and import order (ruff).
lint: setup
	.venv/bin/lint-imports
	.venv/bin/ruff check .

test: lint
	.venv/bin/python -m pytest -n 2 --dist loadfile --durations=25

test-fast: setup
	.venv/bin/python -m pytest -m "not e2e"

# The docs/ site (mkdocs.yml): regenerate the spec reference from the spec's models, then build strictly, so a
# broken link or anchor fails. CI runs `make docs SPEC_REFERENCE=--check`: a stale committed page fails there.
SPEC_REFERENCE ?=
docs: setup
	.venv/bin/python -m tfxkit.config.reference $(SPEC_REFERENCE) docs/reference/spec.md
	.venv/bin/mkdocs build --strict --site-dir site

# The fast tests again on Python 3.10 (README promises 3.10 and 3.11; setup picks 3.11 for .venv when both
# exist), in their own .venv310. pyenv's python3.10 shim runs only while 3.10 is a selected pyenv version,
# so where pyenv has a 3.10 its interpreter is named directly.
.PHONY: python310 test-py310
PYTHON310 ?= $(or $(shell v=$$(pyenv latest 3.10 2>/dev/null) && echo "$$(pyenv root)/versions/$$v/bin/python3.10"),python3.10)
python310:
	@$(PYTHON310) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null \
	  || { echo "make: no Python 3.10 at '$(PYTHON310)' (set PYTHON310=...)" >&2; exit 1; }

test-py310: python310
	PYTHON=$(PYTHON310) VENV=.venv310 bash scripts/setup.sh
	.venv310/bin/python -m pytest -n 2 --dist loadfile -m "not e2e"

# The fast tests through Bazel's targets (BUILD files), offline: Debian's bazel-bootstrap (Bazel 4) and
# .venv's Python as the toolchain (WORKSPACE, bazel/). Installs bazel-bootstrap when bazel is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
bazel-test: setup
	@command -v bazel >/dev/null || { echo "bazel-test: installing Debian's bazel-bootstrap"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq bazel-bootstrap >/dev/null; }
	bazel test //:fast

bench: setup
	.venv/bin/python bench/e2e_vs_tfx.py
	.venv/bin/python bench/trainer_throughput.py
	.venv/bin/python bench/lineage_speed.py
	nice -n 19 .venv/bin/python bench/floors.py

.PHONY: bench-smoke bench-scale
# Every benchmark at tiny sizes (figures mean nothing): what tests/e2e/test_bench_smoke.py runs in CI.
bench-smoke: setup
	TFXKIT_BENCH_SMOKE=1 .venv/bin/python bench/e2e_vs_tfx.py
	TFXKIT_BENCH_SMOKE=1 .venv/bin/python bench/trainer_throughput.py
	TFXKIT_BENCH_SMOKE=1 .venv/bin/python bench/lineage_speed.py
	TFXKIT_BENCH_SMOKE=1 .venv/bin/python bench/scale.py
	TFXKIT_BENCH_SMOKE=1 .venv/bin/python bench/scale.py --example-gen --workers 2
	TFXKIT_BENCH_SMOKE=1 .venv/bin/python bench/scale.py --statistics-gen
	TFXKIT_BENCH_SMOKE=1 .venv/bin/python bench/continuous.py
	TFXKIT_BENCH_SMOKE=1 .venv/bin/python bench/floors.py

# The taxi pipeline at 10k, 100k and 1M rows on three runners (hours on 2 cores), lowest CPU priority.
bench-scale: setup
	nice -n 19 .venv/bin/python bench/scale.py --out bench/results/scale

# The image the compiled Kubeflow pipeline names (Dockerfile from `tfxkit image pipelines/penguin.yaml`).
.PHONY: image
IMAGE ?= tfxkit-penguin:latest
image:
	docker build -t $(IMAGE) .
