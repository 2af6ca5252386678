"""Continuous training: a new span arrives on top of a served model — warm start against a full retrain, side by
side, and the cost of a run when no span is new.

Run from the repository root (lowest CPU priority: others share the cores):

    nice -n 19 .venv/bin/python bench/continuous.py [--rows 100000] [--spans 5] [--epochs 5] [--warm-epochs 1]
    .venv/bin/python bench/continuous.py --smoke        # or TFXKIT_BENCH_SMOKE=1: tiny sizes, figures mean nothing

1. Spans 1..S of taxi-like data (bench/scale.py's generator, a seed per span: same distribution, other rows)
   and the taxi pipeline over a window of the S newest spans, run once to a pushed model: the served model.
2. Span S+1 arrives. The root is copied twice (the copies' stores reach the same artifacts), and in each
   one `tfxkit run`: warm start (`trainer.warm_start: true`, --warm-epochs) and a full retrain (--epochs, from
   scratch). Each is timed from the span's arrival to its outcome, as a whole process; the ExampleGens of the
   S-1 spans still in the window come from the cache in both. Their AUC and whether the gate pushed them are
   printed beside the times: "fewer epochs to the same accuracy" is read off those columns.
3. `tfxkit run` again in the warm root with no new span: the up-to-date check, against the floor of a bare
   `python -c "import ml_metadata"` in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import generate  # noqa: E402  (bench/scale.py: the taxi-like generator)

REPO = Path(__file__).resolve().parents[1]


def tfxkit(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    """A whole `tfxkit` process, timed."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tfxkit", *args], cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONWARNINGS="ignore"))
    return time.perf_counter() - started, proc


def vocabulary_columns() -> tuple[str, ...]:
    """The taxi spec's columns behind a vocabulary: each span holds all their values (the generator sees to it),
    so every window's model has the served model's shape and warm start can take its weights."""
    import yaml

    features = yaml.safe_load((REPO / "pipelines/taxi.yaml").read_text(encoding="utf-8"))["transform"]["features"]
    return tuple(name for name, how in features.items() if isinstance(how, dict) and how["transform"] == "vocabulary")


def write_spec(work: Path, spans: int, epochs: int) -> Path:
    text = (REPO / "pipelines/taxi.yaml").read_text(encoding="utf-8")
    text = text.replace("pkg://tfx/examples/chicago_taxi_pipeline/data/big_tipper_label/data.csv",
                        f"{work}/data/span-{{SPAN}}/part-0.csv\n  spans: {{last: {spans}}}")
    text = text.replace("../schemas/taxi.pbtxt", str(REPO / "schemas/taxi.pbtxt"))
    text = text.replace("../runs/taxi", str(work / "root")).replace("epochs: 5", f"epochs: {epochs}")
    spec = work / "taxi-spans.yaml"
    spec.write_text(text, encoding="utf-8")
    return spec


def outcome(spec: Path, root: Path) -> dict:
    """The newest run's status and AUC as tfxkit recorded them."""
    _, proc = tfxkit("runs", str(spec), "--root", str(root), "--format", "json", "--limit", "1")
    run = json.loads(proc.stdout)["runs"][0]
    return {"status": run["status"], "auc": (run.get("metrics") or {}).get("auc")}


def run_in(spec: Path, root: Path, *overrides: str) -> dict:
    seconds, proc = tfxkit("run", str(spec), "--root", str(root), *overrides)
    if proc.returncode not in (0, 3):  # 3: trained but not blessed, an outcome to report
        sys.exit(f"tfxkit run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return {"seconds": seconds, **outcome(spec, root)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows per span")
    parser.add_argument("--spans", type=int, default=5, help="spans behind the served model (the window)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the first run and of the full retrain")
    parser.add_argument("--warm-epochs", type=int, default=1, help="epochs of the warm-started run")
    parser.add_argument("--workdir", type=Path, help="keep the data and roots here (default: a temporary folder)")
    parser.add_argument("--smoke", action="store_true", default=os.environ.get("TFXKIT_BENCH_SMOKE") == "1")
    args = parser.parse_args()
    if args.smoke:
        args.rows, args.spans, args.epochs, args.warm_epochs = 2000, 2, 1, 1
    work = args.workdir or Path(tempfile.mkdtemp(prefix="tfxkit-continuous-"))
    work.mkdir(parents=True, exist_ok=True)  # a --workdir that does not exist yet
    spec = write_spec(work, args.spans, args.epochs)
    vocabularies = vocabulary_columns()
    for span in range(1, args.spans + 1):
        generate(args.rows, work / "data" / f"span-{span}" / "part-0.csv", seed=span, every_value=vocabularies)
    first = run_in(spec, work / "root")
    print(f"served model: {args.spans} spans x {args.rows} rows, {args.epochs} epochs: {first['seconds']:.1f} s, "
          f"AUC {first['auc']}, {first['status']}")

    roots = {name: work / f"root-{name}" for name in ("warm", "full")}
    for root in roots.values():
        shutil.copytree(work / "root", root)
    generate(args.rows, work / "data" / f"span-{args.spans + 1}" / "part-0.csv", seed=args.spans + 1,
             every_value=vocabularies)
    warm = run_in(spec, roots["warm"], "--set", "trainer.warm_start=true", "--set",
                  f"trainer.epochs={args.warm_epochs}")
    full = run_in(spec, roots["full"])
    idle, _ = tfxkit("run", str(spec), "--root", str(roots["warm"]), "--set", "trainer.warm_start=true", "--set",
                     f"trainer.epochs={args.warm_epochs}")
    floor_started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import ml_metadata"], check=True)
    floor = time.perf_counter() - floor_started

    print(f"\nspan {args.spans + 1} ({args.rows} rows) arrives; window of {args.spans} spans\n")
    print("| run | epochs | seconds (arrival to outcome) | AUC | outcome |\n|---|---|---|---|---|")
    print(f"| warm start | {args.warm_epochs} | {warm['seconds']:.1f} | {warm['auc']} | {warm['status']} |")
    print(f"| full retrain | {args.epochs} | {full['seconds']:.1f} | {full['auc']} | {full['status']} |")
    print(f"\nratio warm / full: {warm['seconds'] / full['seconds']:.2f}")
    print(f"no new span: `tfxkit run` {idle:.2f} s; floor `python -c 'import ml_metadata'` {floor:.2f} s "
          f"(ratio {idle / floor:.2f})")
    if args.smoke:
        print("smoke mode: the benchmark ran; these figures mean nothing")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
