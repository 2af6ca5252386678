"""End-to-end benchmark: tfxkit's penguin pipeline against TFX's own penguin example.

Run from the repository root:

    .venv/bin/python bench/e2e_vs_tfx.py [--skip-reference] [--keep] [--workdir DIR] [--smoke]

It measures, each as the wall time of a fresh subprocess (imports included):

1. TFX's reference example (tfx/examples/penguin/penguin_pipeline_local.py,
   create_pipeline + LocalDagRunner, module file penguin_utils_keras.py, the
   DirectRunner Beam args it ships), on a fresh pipeline root;
2. `python -m tfxkit run SPEC --root ROOT` on a fresh root (nothing cached), three times, each on
   its own fresh root (the median is reported);
3. the same command again with nothing changed (the cached re-run);
4. `python -m tfxkit validate SPEC` (median of 5).

Both pipelines read the same CSV, built from the `palmerpenguins` package in the
shape the reference expects (`species` as 0/1/2, culmen_* columns, rows with
missing measurements dropped), with the same split (2:1 hash buckets), the
same model (two Dense(8) layers, Adam 0.01, batch 20), about the same amount
of training (the reference's 100 steps x 20 examples, turned into epochs for
tfxkit), an inferred schema, and the same accuracy gate (>= 0.6, change vs the
baseline >= -1e-10).

--smoke (or TFXKIT_BENCH_SMOKE=1) checks that the benchmark still runs, for CI:
the reference with in-process Beam (no worker processes), tfxkit with 1 epoch,
both gates at accuracy >= 0, no --force run, validate once; its figures mean
nothing.

Everything is written under a temporary work folder (removed at the end
unless --keep or --workdir is given, or a step failed); each subprocess's output goes
to a log file there. Exit status: 0 when every run succeeded, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

SPECIES = {"Adelie": 0, "Chinstrap": 1, "Gentoo": 2}
# palmerpenguins column -> the reference example's column.
NUMERIC = {
    "bill_length_mm": "culmen_length_mm",
    "bill_depth_mm": "culmen_depth_mm",
    "flipper_length_mm": "flipper_length_mm",
    "body_mass_g": "body_mass_g",
}
REFERENCE_EXAMPLES_TRAINED = 100 * 20  # TrainArgs(num_steps=100) x TRAIN_BATCH_SIZE 20
ACCURACY_THRESHOLD = 0.6
# Issue 20's targets for the first run (ratio to TFX's example, and seconds); the cached re-run's and
# validate's are the project's standing ones (validate < 0.5 s: the spec's promise).
TARGET_FIRST_RATIO = 0.15
TARGET_FIRST_S = 25.0
TARGET_CACHED_RATIO = 0.25
TARGET_VALIDATE_S = 0.5
VALIDATE_REPEATS = 5
# tfxkit's first run is taken on this many fresh roots and its median reported: on these shared cores one run of
# the same code varied by 2-3 s (a component by 1-2 s), more than the gap to the target.
FIRST_REPEATS = 3

# Run inside a subprocess with the reference example's own code; prints the
# evaluation it reached (read the way tfxkit reads its own, so both include that cost).
REFERENCE_DRIVER = textwrap.dedent(
    """\
    import glob, os, sys, time

    import absl.logging
    from tfx.examples.penguin import penguin_pipeline_local as ppl
    from tfx import v1 as tfx

    work, module_file, data_root = sys.argv[1], sys.argv[2], sys.argv[3]
    absl.logging.set_verbosity(absl.logging.INFO)  # as the example's __main__ does
    pipeline_root = os.path.join(work, "pipeline_root")
    pipeline = ppl.create_pipeline(
        pipeline_name="penguin_local_keras",
        pipeline_root=pipeline_root,
        data_root=data_root,
        module_file=module_file,
        accuracy_threshold=%(threshold)r,
        serving_model_dir=os.path.join(work, "serving_model"),
        metadata_path=os.path.join(work, "metadata", "metadata.db"),
        user_provided_schema_path=None,
        enable_tuning=False,
        enable_bulk_inferrer=False,
        enable_example_diff=False,
        examplegen_input_config=None,
        examplegen_range_config_date=None,
        resolver_range_config=None,
        beam_pipeline_args=%(beam_args)r,
        enable_transform_input_cache=False,
    )
    started = time.monotonic()
    tfx.orchestration.LocalDagRunner().run(pipeline)
    print(f"reference: LocalDagRunner.run took {time.monotonic() - started:.1f} s", flush=True)

    from tfxkit.runners.evaluation import overall_metrics  # the repository is on PYTHONPATH

    def latest(pattern):
        found = [p for p in glob.glob(pattern) if os.path.basename(p).isdigit()]
        return max(found, key=lambda p: int(os.path.basename(p))) if found else None

    evaluation = latest(os.path.join(pipeline_root, "Evaluator", "evaluation", "*"))
    if evaluation:
        for name, value in sorted(overall_metrics(evaluation).items()):
            print(f"  metric {name} = {value:.4f}")
    blessing = latest(os.path.join(pipeline_root, "Evaluator", "blessing", "*"))
    blessed = bool(blessing) and os.path.exists(os.path.join(blessing, "BLESSED"))
    serving = os.path.join(work, "serving_model")
    pushed = os.path.isdir(serving) and bool(os.listdir(serving))
    print(f"reference: blessed={blessed} pushed={pushed}")
    """
)
REFERENCE_BEAM_ARGS = ["--direct_running_mode=multi_processing", "--direct_num_workers=0"]  # the example's own


@dataclass
class Result:
    label: str
    seconds: float | None = None
    rc: int | None = None
    log: Path | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def accuracy(self) -> float | None:
        for name, value in self.metrics.items():
            if "accuracy" in name:
                return value
        return None


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return "\n".join(text[-lines:])


def timed_run(label: str, cmd: list[str], log: Path, cwd: Path, env: dict[str, str], timeout: float) -> Result:
    """Run `cmd` in its own process group, output to `log`; wall time of the whole subprocess."""
    log.parent.mkdir(parents=True, exist_ok=True)
    result = Result(label, log=log)
    with open(log, "w", encoding="utf-8") as out:
        out.write(f"$ {' '.join(cmd)}\n# cwd {cwd}\n")
        out.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            result.rc = proc.wait(timeout=timeout)
        except (subprocess.TimeoutExpired, KeyboardInterrupt) as exc:
            os.killpg(proc.pid, signal.SIGKILL)  # the subprocess and its Beam workers
            proc.wait()
            if isinstance(exc, KeyboardInterrupt):
                raise
            result.rc = -1
            result.note = f"timed out after {timeout:.0f} s"
        result.seconds = time.perf_counter() - started
    result.metrics = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^\s*metric (\S+) = ([-+0-9.eE]+|nan|inf)\s*$", log.read_text(errors="replace"),
                             re.MULTILINE)
    }
    return result


def report_step(result: Result) -> None:
    status = "ok" if result.ok else f"FAILED (exit {result.rc}{', ' + result.note if result.note else ''})"
    acc = result.accuracy()
    acc_text = f", accuracy {acc:.4f}" if acc is not None else ""
    print(f"  -> {result.seconds:.1f} s, {status}{acc_text}   log {result.log}", flush=True)
    if not result.ok:
        print(f"  ---- last 30 lines of {result.log} ----")
        print(textwrap.indent(tail(result.log), "  | "))
        print("  ----", flush=True)


def build_data(data_root: Path) -> int:
    """The reference's processed penguins CSV in <data_root>/labelled/; returns the row count."""
    source = _palmerpenguins_csv()
    target = data_root / "labelled" / "penguins_processed.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with open(source, newline="", encoding="utf-8") as src, open(target, "w", newline="", encoding="utf-8") as dst:
        writer = csv.writer(dst)
        writer.writerow(["species", *NUMERIC.values()])
        for row in csv.DictReader(src):
            values = [row[c] for c in NUMERIC]
            if row["species"] not in SPECIES or any(v in ("", "NA") for v in values):
                continue
            # floats throughout, as in the reference's own processed data
            writer.writerow([SPECIES[row["species"]], *(repr(float(v)) for v in values)])
            rows += 1
    return rows


def _palmerpenguins_csv() -> Path:
    import importlib.util

    found = importlib.util.find_spec("palmerpenguins")
    if found is None or not found.submodule_search_locations:
        raise SystemExit("bench: the palmerpenguins package is not installed in this interpreter")
    return Path(list(found.submodule_search_locations)[0]) / "data" / "penguins.csv"


def reference_driver(threshold: float, beam_args: list[str]) -> str:
    """The driver script, with the accuracy gate and Beam args it runs the reference under."""
    return REFERENCE_DRIVER % {"threshold": threshold, "beam_args": beam_args}


def write_spec(path: Path, csv_path: Path, root: Path, epochs: int, threshold: float = ACCURACY_THRESHOLD) -> None:
    features = "\n".join(f"    {name}: zscore" for name in NUMERIC.values())
    path.write_text(
        textwrap.dedent(
            """\
            # Generated by bench/e2e_vs_tfx.py: the reference TFX penguin example, as a tfxkit spec.
            version: 1

            pipeline:
              name: penguin_bench
              root: {root}
              cache: true

            data:
              path: {csv}
              label: species
              split: {{train: 2, eval: 1}}

            transform:
              features:
            {features}

            model:
              task: multiclass
              hidden_units: [8, 8]
              activation: relu

            trainer:
              epochs: {epochs}
              batch_size: 20
              optimizer: adam
              learning_rate: 0.01

            evaluation:
              metrics: [accuracy]
              thresholds:
                accuracy:
                  lower_bound: {threshold}
                  min_improvement: -1.0e-10

            push:
              destination: {serving}
            """
        ).format(root=root, csv=csv_path, features=features, epochs=epochs, threshold=threshold,
                 serving=root.parent / "serving"),
        encoding="utf-8",
    )


def reference_module_file() -> Path:
    import importlib.util

    found = importlib.util.find_spec("tfx")
    if found is None or not found.submodule_search_locations:
        raise SystemExit("bench: tfx is not installed in this interpreter")
    path = Path(list(found.submodule_search_locations)[0]) / "examples" / "penguin" / "penguin_utils_keras.py"
    if not path.is_file():
        raise SystemExit(f"bench: reference module file not found: {path}")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-reference", action="store_true", help="run tfxkit only")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--workdir", help="work folder (created; kept afterwards); default: a new temp folder")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds allowed per pipeline run")
    parser.add_argument("--smoke", action="store_true", default=os.environ.get("TFXKIT_BENCH_SMOKE") == "1",
                        help="check that the benchmark runs: cheapest settings, figures mean nothing")
    args = parser.parse_args()
    threshold = 0.0 if args.smoke else ACCURACY_THRESHOLD
    validate_repeats = 1 if args.smoke else VALIDATE_REPEATS

    if args.workdir:
        work = Path(args.workdir).resolve()
        work.mkdir(parents=True, exist_ok=True)
        if any(work.iterdir()):
            raise SystemExit(f"bench: --workdir {work} is not empty (the runs need fresh roots)")
    else:
        work = Path(tempfile.mkdtemp(prefix="tfxkit-bench-"))
    keep = args.keep or bool(args.workdir)
    logs = work / "logs"
    print(f"bench: work folder {work}")
    print(f"bench: python {PYTHON}, {os.cpu_count()} CPUs")

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    env["PYTHONUNBUFFERED"] = "1"

    rows = build_data(work / "data")
    csv_path = work / "data" / "labelled" / "penguins_processed.csv"
    train_rows = round(rows * 2 / 3)
    epochs = 1 if args.smoke else max(1, round(REFERENCE_EXAMPLES_TRAINED / train_rows))
    print(f"bench: data {csv_path}: {rows} rows (~{train_rows} train); tfxkit epochs = "
          f"round({REFERENCE_EXAMPLES_TRAINED} / {train_rows}) = {epochs}")

    spec = work / "tfxkit" / "penguin_bench.yaml"
    tfx_root = work / "tfxkit" / "root"
    spec.parent.mkdir(parents=True)
    write_spec(spec, csv_path, tfx_root, epochs, threshold)

    tfxkit = [PYTHON, "-m", "tfxkit"]
    check = timed_run("validate (check)", [*tfxkit, "validate", str(spec)], logs / "validate-check.log", work, env, 120)
    if not check.ok:
        print(f"bench: the generated spec {spec} does not validate:")
        report_step(check)
        return 1
    print(f"bench: spec {spec} validates ({check.seconds:.2f} s)")

    results: dict[str, Result] = {}

    if not args.skip_reference:
        ref_dir = work / "reference"
        ref_dir.mkdir()
        driver = ref_dir / "driver.py"
        driver.write_text(reference_driver(threshold, [] if args.smoke else REFERENCE_BEAM_ARGS), encoding="utf-8")
        print("\n[1/4] reference TFX penguin example (LocalDagRunner), fresh root ...", flush=True)
        results["reference"] = timed_run(
            "reference", [PYTHON, str(driver), str(ref_dir), str(reference_module_file()), str(work / "data")],
            logs / "reference-first.log", ref_dir, env, args.timeout)
        report_step(results["reference"])

    first_repeats = 1 if args.smoke else FIRST_REPEATS
    print(f"\n[2/4] tfxkit run x{first_repeats}, each on a fresh root (nothing cached) ...", flush=True)
    run_cmd = [*tfxkit, "run", str(spec), "--root", str(tfx_root)]
    firsts = []
    for i in range(first_repeats):
        root, log = (tfx_root, "tfxkit-first.log") if i == 0 else (tfx_root.with_name(f"root-{i + 1}"),
                                                                   f"tfxkit-first-{i + 1}.log")
        firsts.append(timed_run("tfxkit first", [*tfxkit, "run", str(spec), "--root", str(root)], logs / log, work,
                                env, args.timeout))
        report_step(firsts[-1])
        if not firsts[-1].ok:
            break
    failed_first = [r for r in firsts if not r.ok]
    results["first"] = failed_first[0] if failed_first else sorted(firsts, key=lambda r: r.seconds)[len(firsts) // 2]

    if results["first"].ok:
        print("\n[3/4] tfxkit run again, nothing changed (cached) ...", flush=True)
        results["cached"] = timed_run("tfxkit cached", run_cmd, logs / "tfxkit-cached.log", work, env, args.timeout)
        report_step(results["cached"])
        if not args.smoke:
            print("\n[3b/4] tfxkit run --force: TFX launched, every component from TFX's cache ...", flush=True)
            results["forced"] = timed_run("tfxkit forced", [*run_cmd, "--force"], logs / "tfxkit-forced.log", work,
                                          env, args.timeout)
            report_step(results["forced"])
    else:
        print("\n[3/4] tfxkit cached run skipped: the first run failed", flush=True)

    print(f"\n[4/4] tfxkit validate x{validate_repeats} ...", flush=True)
    validate_times = []
    validate_ok = True
    for i in range(validate_repeats):
        r = timed_run("validate", [*tfxkit, "validate", str(spec)], logs / f"validate-{i + 1}.log", work, env, 120)
        if not r.ok:
            report_step(r)
            validate_ok = False
            break
        validate_times.append(r.seconds)
    if validate_times:
        print(f"  -> {', '.join(f'{t:.2f}' for t in validate_times)} s", flush=True)

    # ---- summary ----
    def acc_text(r: Result | None) -> str:
        acc = r.accuracy() if r else None
        return f"accuracy {acc:.4f}" if acc is not None else "accuracy ?"

    def fmt_time(r: Result | None) -> str:
        if r is None:
            return "       —"
        if not r.ok:
            return f"{r.seconds:6.1f} s FAILED(exit {r.rc})"
        return f"{r.seconds:6.1f} s"

    ref, first, cached = results.get("reference"), results.get("first"), results.get("cached")
    forced = results.get("forced")
    lines = []
    if ref is not None:
        lines.append(f"{'reference TFX penguin (LocalDagRunner)':<40} {'first run':<11} {fmt_time(ref)}   "
                     f"{acc_text(ref)}")
    label = "first run" if len(firsts) == 1 else f"first, median of {len(firsts)}"
    line = f"{'tfxkit penguin':<40} {label:<11} {fmt_time(first)}"
    if ref is not None and ref.ok and first is not None and first.ok:
        line += (f"   ratio {first.seconds / ref.seconds:.3f}x reference  (target <= {TARGET_FIRST_RATIO}x "
                 f"and < {TARGET_FIRST_S:g} s)")
    line += f"   {acc_text(first)}"
    if len(firsts) > 1:
        line += f"   (runs: {', '.join(f'{r.seconds:.1f}' for r in firsts)} s)"
    lines.append(line)
    if cached is not None:
        line = f"{'tfxkit penguin':<40} {'cached run':<11} {fmt_time(cached)}"
        if cached.ok and first is not None and first.ok:
            line += f"   ratio {cached.seconds / first.seconds:.2f}x first run  (target <= {TARGET_CACHED_RATIO}x)"
        line += f"   {acc_text(cached)}"
        lines.append(line)
    if forced is not None:
        line = f"{'tfxkit penguin (--force, TFX cache)':<40} {'cached run':<11} {fmt_time(forced)}"
        if forced.ok and first is not None and first.ok:
            line += f"   ratio {forced.seconds / first.seconds:.2f}x first run"
        lines.append(line)
    if validate_times:
        median = statistics.median(validate_times)
        lines.append(f"{'tfxkit validate':<40} {'median':<11} {median:6.2f} s   (target < {TARGET_VALIDATE_S:g} s)"
                     + ("" if validate_ok else "   FAILED"))
    elif not validate_ok:
        lines.append(f"{'tfxkit validate':<40} {'median':<11}        —   FAILED")

    print("\n" + "=" * 100)
    if args.smoke:
        print("smoke mode: the benchmark ran; these figures mean nothing")
    print(f"penguins: {rows} rows, split train:eval 2:1, tfxkit epochs {epochs} "
          f"(reference: 100 steps x batch 20); {os.cpu_count()} CPUs")
    print("\n".join(lines))
    print("=" * 100)

    failed = [r for r in (ref, first, cached, forced) if r is not None and not r.ok]
    all_ok = not failed and validate_ok and first is not None
    if not all_ok or keep:
        print(f"bench: work folder kept: {work}  (logs in {logs})")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
