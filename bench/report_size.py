"""Size and render time of the run report when the data behind it is large.

A real 1M-row pipeline run costs far too long here, and the report never reads
the rows: its size grows with what summarises them. So this measures those
drivers directly, on real artifacts:

- statistics: 1M rows (--rows) of generated data, --numeric numeric and
  --categorical string features, through TFDV's own statistics generation
  (tfdv.generate_statistics_from_dataframe, the code StatisticsGen runs), split
  90/10 into train/eval and written as each split's FeatureStats.pb, exactly
  what the report reads from a StatisticsGen artifact;
- training curves: real TensorBoard event files (TensorBoard's writer) with
  --epochs epochs of loss/accuracy/learning_rate for train and validation;
- slices: --slices slice rows in the evaluation table;
- everything else (DAG, provenance, checks, diff) from a real run in a store:
  --root ROOT of a finished `tfxkit run pipelines/penguin.yaml --root ROOT`.

Then it times gathering (reading the statistics and the event files) and
rendering the page, and headless Chromium loading it (--dump-dom), beside
Chromium loading a blank page (its own start-up), and prints the sizes by part.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def generated_statistics(rows: int, numeric: int, categorical: int, folder: str) -> float:
    """Write train/eval FeatureStats.pb for generated data via TFDV; returns the seconds TFDV took."""
    import pandas as pd
    import tensorflow_data_validation as tfdv

    rng = np.random.default_rng(0)
    columns = {f"num_{i:02d}": rng.normal(i, 1 + i % 5, rows).astype("float32") for i in range(numeric)}
    for i in range(categorical):
        cardinality = (5, 50, 5000)[i % 3]
        values = np.array([f"value_{j}" for j in range(cardinality)], dtype=object)
        column = values[rng.zipf(1.5, rows) % cardinality]
        column[rng.random(rows) < 0.02 * (i % 4)] = None  # some missing values
        columns[f"cat_{i:02d}"] = column
    frame = pd.DataFrame(columns)
    cut = rows * 9 // 10
    started = time.monotonic()
    for split, part in (("train", frame.iloc[:cut]), ("eval", frame.iloc[cut:])):
        stats = tfdv.generate_statistics_from_dataframe(part, n_jobs=1)
        os.makedirs(os.path.join(folder, f"Split-{split}"), exist_ok=True)
        with open(os.path.join(folder, f"Split-{split}", "FeatureStats.pb"), "wb") as fh:
            fh.write(stats.SerializeToString())
    return time.monotonic() - started


def event_files(folder: str, epochs: int) -> None:
    """TensorBoard event files as Keras writes them: epoch_* scalars in train/ and validation/."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    for part in ("train", "validation"):
        writer = EventFileWriter(os.path.join(folder, part))
        for epoch in range(epochs):
            values = [summary_pb2.Summary.Value(tag="epoch_loss", simple_value=1.0 / (epoch + 1)),
                      summary_pb2.Summary.Value(tag="epoch_accuracy", simple_value=1 - 0.5 / (epoch + 1))]
            if part == "train":
                values.append(summary_pb2.Summary.Value(tag="epoch_learning_rate", simple_value=0.01 * 0.97 ** epoch))
            writer.add_event(event_pb2.Event(step=epoch, wall_time=time.time(),
                                             summary=summary_pb2.Summary(value=values)))
        writer.close()


def chromium_seconds(page: str) -> float:
    browser = shutil.which("chromium")
    started = time.monotonic()
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", f"file://{page}"],
                   capture_output=True, check=True, timeout=300)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", required=True, help="root of a finished penguin run (its store and artifacts)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--numeric", type=int, default=40)
    parser.add_argument("--categorical", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--slices", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", default=os.environ.get("TFXKIT_BENCH_SMOKE") == "1",
                        help="tiny sizes, one Chromium load each (CI: the script runs to the end; figures mean nothing)")
    args = parser.parse_args()
    repeat = 3
    if args.smoke:
        args.rows, args.numeric, args.categorical, args.epochs, args.slices, repeat = 2000, 3, 3, 5, 2, 1
        print("smoke mode: tiny sizes, figures mean nothing")

    from tfxkit.metadata.connection import connection_config
    from tfxkit.metadata.store import Store
    from tfxkit.report.collect import collect
    from tfxkit.report.curves import read_curves
    from tfxkit.report.features import read_statistics
    from tfxkit.report.page import render_report

    work = tempfile.mkdtemp(prefix="report-bench-")
    print(f"TFDV statistics of {args.rows:,} rows x {args.numeric} numeric + {args.categorical} string features ...")
    tfdv_seconds = generated_statistics(args.rows, args.numeric, args.categorical, os.path.join(work, "statistics"))
    event_files(os.path.join(work, "tensorboard"), args.epochs)

    store = Store(connection_config(f"sqlite:///{os.path.abspath(args.root)}/metadata.sqlite", read_only=True))
    started = time.monotonic()
    data = collect(store, "penguin", "latest")
    collect_seconds = time.monotonic() - started
    started = time.monotonic()
    data.split_rows, data.features = read_statistics(os.path.join(work, "statistics"))
    data.curves = read_curves(os.path.join(work, "tensorboard"))
    (data.training or {}).setdefault("trainer", {})["learning_rate"] = {"schedule": "exponential"}
    template = (data.slices or [{"slice": "all data", "metrics": {"accuracy": 0.9}, "baseline": {}, "examples": 1}])
    data.slices = [template[0]] + [{**template[-1], "slice": f"region=r{i:03d}"} for i in range(args.slices)]
    read_seconds = time.monotonic() - started

    sizes = {}
    started, cpu = time.monotonic(), time.process_time()
    page = render_report(data)
    render_seconds, render_cpu = time.monotonic() - started, time.process_time() - cpu
    from tfxkit.report.plots import curve_svg, feature_svg

    sizes["feature charts"] = sum(len(feature_svg(f)) for f in data.features)
    sizes["training curves"] = sum(len(curve_svg(m, parts, {})) for m, parts in data.curves.items())
    path = os.path.join(work, "report.html")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(page)
    blank = os.path.join(work, "blank.html")
    with open(blank, "w") as fh:
        fh.write("<!DOCTYPE html><html><body></body></html>")
    chromium_seconds(blank)  # warm the browser's files once
    blank_s = min(chromium_seconds(blank) for _ in range(repeat))
    page_s = min(chromium_seconds(path) for _ in range(repeat))

    size = os.path.getsize(path)
    print(f"statistics: {sum(data.split_rows.values()):,} rows, {len(data.features)} features "
          f"(TFDV took {tfdv_seconds:.1f} s); curves: {args.epochs} epochs x {len(data.curves)} metrics; "
          f"slices: {len(data.slices)}")
    print(f"report size            {size / 1e6:6.2f} MB   (limit 2 MB)   ratio {size / 2e6:.2f}")
    for part, value in sizes.items():
        print(f"  {part:<20} {value / 1e6:6.2f} MB")
    print(f"  {'rest (DAG, lineage, tables)':<20} {(size - sum(sizes.values())) / 1e6:6.2f} MB")
    print(f"gather from the store  {collect_seconds:6.2f} s  (the real penguin run: provenance, diff, its files)")
    print(f"read stats + event files {read_seconds:6.2f} s")
    print(f"render the page        {render_seconds:6.2f} s  ({render_cpu:.2f} s of CPU: one SVG chart per "
          f"feature; the machine is shared)")
    print(f"chromium: blank page   {blank_s:6.2f} s;  report {page_s:6.2f} s;  report - blank {page_s - blank_s:6.2f} s "
          f"(limit 2 s)  ratio {max(page_s - blank_s, 0) / 2:.2f}")
    print(f"page: {path}")


if __name__ == "__main__":
    main()
