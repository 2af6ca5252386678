"""Scale: the taxi pipeline at 10k, 100k and 1M rows on the local, multi-process Beam and portable runners.

Run from the repository root (the heavy sizes at the lowest CPU priority: others share the cores):

    nice -n 19 .venv/bin/python bench/scale.py [--rows 10000,100000,1000000] \\
        [--runners local,beam,portable] [--out bench/results/scale] [--epochs 1]
    .venv/bin/python bench/scale.py --example-gen [--profile] [--rows 15000]
    .venv/bin/python bench/scale.py --example-gen --workers 2 [--rows 1000000]
    .venv/bin/python bench/scale.py --statistics-gen [--workers 2] [--rows 1000000]
    .venv/bin/python bench/scale.py --smoke          # or TFXKIT_BENCH_SMOKE=1

Data: `generate` writes taxi-like CSVs of N rows, deterministically (seed 0),
from the 15k-row Chicago taxi sample inside the tfx wheel (no download): rows
drawn with replacement, so every column keeps the sample's types, missing
values, categories and joint distribution (the label, big_tipper, still
follows tips > 20% of the fare); fare, tips, trip_miles, trip_seconds and the
coordinates get a small multiplicative/additive jitter so rows are not plain
copies. Every value stays inside schemas/taxi.pbtxt's domains, and every column
keeps at least RARE values (pickup_census_tract has one in the 15k sample), so
that both splits have each column, as the schema requires.

Per size and runner, one fresh `tfxkit run pipelines/taxi.yaml` process
(`--set data.path=... --set trainer.epochs=E`), timed as a whole, with:
- per-component wall time (from tfxkit's progress lines),
- rows per second (N / total wall time),
- peak memory of the whole process tree (the run and every Beam worker it
  starts), sampled every 0.2 s with psutil as each process's proportional set
  size (PSS: a page several processes map counts once, split among them).
Runners: `local` (in-process DirectRunner), `beam` (BeamDagRunner, DirectRunner
multi_processing with 2 workers), `portable` (PortableRunner against Beam's
Python job service and an EXTERNAL SDK worker pool, both started here).
Results: scale.csv, scale.md (a table) and scale.png (time and peak memory
against rows, log-log) in --out. Targets checked and printed: 100k -> 1M time
ratio <= 10x; at 1M rows on the local runner under 240 s and peak memory at most
1.75 GiB (issue 20), on the others under 6 GB; multi-process Beam faster than
in-process for StatisticsGen, Transform and Evaluator at 1M rows.

--example-gen runs TFX's CsvExampleGen executor and tfxkit's (tfxkit.components.csv_example_gen.executor.py)
one after the other in this process on N generated rows (in-process DirectRunner,
as the local runner does), prints both times and their ratio and checks that the
splits hold the same bytes; --profile adds cProfile's view of each. With
--workers W it instead runs tfxkit's executor twice under the multi-process
DirectRunner (W workers), each in a fresh process: once through TFX's WriteSplit
(a Reshuffle before writing) and once through tfxkit's (in process on the DirectRunner),
and prints Do()'s time and the peak memory of each and whether each split holds
the same examples.

--statistics-gen runs TFX's StatisticsGen on the first size's examples in process
and on W DirectRunner workers (--workers, default 2), in turn, twice, each in a fresh
process, and prints Do()'s time and the CPU seconds of the run process and of the
workers: what the multi-process runner spends moving data between processes.

--smoke: 400 rows, the local runner, 1 epoch, a table and plot written; the
figures mean nothing (CI runs it so the benchmark cannot break unnoticed).
"""

from __future__ import annotations

import argparse
import collections
import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SPEC = "pipelines/taxi.yaml"
SAMPLE = "tfx/examples/chicago_taxi_pipeline/data/big_tipper_label/data.csv"
BEAM_COMPONENTS = ("StatisticsGen", "Transform", "Evaluator")
LOCAL_1M_SECONDS, LOCAL_1M_GIB = 240, 1.75  # issue 20: the taxi pipeline at 1M rows on the local runner
RARE = 20  # at least this many rows carry each column
EVERY = 8  # at least this many rows carry each value of an `every_value` column
_DONE = re.compile(r"^✓ (\S+)\s+(?:cached|([0-9.]+) s)$")


# ---------------------------------------------------------------- data


def sample_path() -> Path:
    import importlib.util

    found = importlib.util.find_spec("tfx")
    if found is None or not found.submodule_search_locations:
        raise SystemExit("bench: tfx is not installed in this interpreter")
    return Path(list(found.submodule_search_locations)[0]).parent / SAMPLE


def generate(n: int, path: Path, seed: int = 0, every_value: tuple[str, ...] = ()) -> Path:
    """A taxi-like CSV of `n` rows (see the module docstring); the same file for the same n and seed.

    Each column in `every_value` holds each of the sample's values in at least EVERY rows, so a vocabulary over any
    of these files (or a window of them) has the same entries: a model's shape does not follow the draw."""
    import numpy as np

    with open(sample_path(), newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    columns = {name: np.array([r[i] for r in rows], dtype=object) for i, name in enumerate(header)}
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(rows), size=n)
    # The schema wants every column in every split; pickup_census_tract has one value in 15k rows, so a
    # draw could miss it or land it in one split only: RARE evenly spaced rows get a row that has it
    # (the jitter below makes them distinct records, so the hash split spreads them).
    taken = set()
    for values in columns.values():
        if (values[pick] != "").sum() < RARE:
            having = np.flatnonzero(values != "")
            for k in range(RARE):
                pick[k * n // RARE] = int(having[k % len(having)])
                taken.add(k * n // RARE)
    for name in every_value:  # rows of rarely drawn values replace random rows (not the rows placed before)
        drawn = collections.Counter(columns[name][pick])
        forced = [int(row) for value in sorted(set(columns[name])) if drawn[value] < EVERY
                  for row in np.resize(np.flatnonzero(columns[name] == value), EVERY - drawn[value])]
        if forced:
            slots = rng.choice(np.setdiff1d(np.arange(n), list(taken)), size=len(forced), replace=False)
            pick[slots] = forced
            taken.update(slots.tolist())
    out = {name: values[pick] for name, values in columns.items()}
    scale = np.clip(rng.normal(1.0, 0.05, size=n), 0.8, 1.2)  # the same factor for fare and tips: the label holds

    def jitter(name: str, factor, decimals: int | None) -> None:
        values = out[name]
        present = values != ""
        numbers = values[present].astype(float) * factor[present]
        values[present] = [str(int(round(v))) for v in numbers] if decimals is None else \
            [repr(round(float(v), decimals)) for v in numbers]

    jitter("fare", scale, 2)
    jitter("tips", scale, 2)
    jitter("trip_miles", np.clip(rng.normal(1.0, 0.05, size=n), 0.8, 1.2), 2)
    jitter("trip_seconds", np.clip(rng.normal(1.0, 0.05, size=n), 0.8, 1.2), None)
    for name in ("pickup_latitude", "pickup_longitude", "dropoff_latitude", "dropoff_longitude"):
        values = out[name]
        present = values != ""
        sample = columns[name][columns[name] != ""].astype(float)
        numbers = np.clip(values[present].astype(float) + rng.normal(0, 0.002, size=int(present.sum())),
                          sample.min(), sample.max())
        values[present] = [repr(round(float(v), 9)) for v in numbers]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(zip(*(out[name] for name in header)))
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------- runs


@dataclass
class Result:
    runner: str
    rows: int
    seconds: float = 0.0
    rc: int | None = None
    peak_memory: int = 0
    components: dict[str, float] = field(default_factory=dict)
    log: str = ""
    peak_made_of: str = ""

    @property
    def ok(self) -> bool:
        """The run went through every component: pushed (0) or not blessed (3, small data can miss the gate)."""
        return self.rc in (0, 3)


def tree_memory(proc, cpu: dict[int, float] | None = None) -> list[int]:
    """Resident bytes of a process and of each of its descendants, each as its proportional set size (PSS), so
    that their sum is what the tree holds: a child forked but not yet exec'd shares every page of its parent,
    and by resident size (RSS) the run's last `dot` for the report once doubled a 1M-row run's peak (2 processes
    of 1,284 MiB). Those that vanish mid-read are left out; `cpu`, when given, gets each one's CPU seconds so
    far (user + system) by pid."""
    import psutil

    try:
        members = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return []
    sizes = []
    for member in members:
        try:
            sizes.append(member.memory_full_info().pss)
            if cpu is not None:
                times = member.cpu_times()
                cpu[member.pid] = times.user + times.system
        except psutil.Error:
            pass
    return sizes


def timed_run(cmd: list[str], log: Path, env: dict[str, str], timeout: float,
              cpu: dict[int, float] | None = None) -> tuple[int, float, int, str, str]:
    """(exit status, wall seconds, peak tree memory bytes, stdout, what made the peak) of one run, memory
    (tree_memory) sampled every 0.2 s; what made the peak: when it came and each process's share then, largest
    first.
    `cpu`, when given, ends with each process's CPU seconds as last sampled, by pid (the run's own first)."""
    import psutil

    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as out:
        started = time.perf_counter()
        popen = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=out, text=True,
                                 start_new_session=True)
        proc, peak, stop = psutil.Process(popen.pid), [0, ""], threading.Event()

        def sample() -> None:
            while not stop.wait(0.2):
                sizes = tree_memory(proc, cpu)
                if sum(sizes) > peak[0]:
                    peak[0] = sum(sizes)
                    peak[1] = (f"at {time.perf_counter() - started:.0f} s, {len(sizes)} processes: "
                               + " + ".join(f"{size / 2**20:,.0f}" for size in sorted(sizes, reverse=True)) + " MiB")

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            stdout, _ = popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(popen.pid, 9)
            stdout, _ = popen.communicate()
        stop.set()
        sampler.join()
        seconds = time.perf_counter() - started
        out.write(stdout)
    return popen.returncode, seconds, peak[0], stdout, peak[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


class PortableServices:
    """Beam's Python job service and an EXTERNAL SDK worker pool, for the portable runner's runs."""

    def __init__(self, logs: Path, env: dict[str, str]):
        self.job_port, self.pool_port = free_port(), free_port()
        logs.mkdir(parents=True, exist_ok=True)
        self._procs = [
            subprocess.Popen([PYTHON, "-m", "apache_beam.runners.portability.local_job_service_main",
                              "--port", str(self.job_port)], cwd=REPO, env=env, start_new_session=True,
                             stdout=open(logs / "job_service.log", "w"), stderr=subprocess.STDOUT),
            subprocess.Popen([PYTHON, "-m", "apache_beam.runners.worker.worker_pool_main",
                              f"--service_port={self.pool_port}"], cwd=REPO, env=env, start_new_session=True,
                             stdout=open(logs / "worker_pool.log", "w"), stderr=subprocess.STDOUT),
        ]
        for port in (self.job_port, self.pool_port):
            wait_for_port(port, 300)

    def beam_args(self) -> list[str]:
        return [f"--beam-arg={a}" for a in (
            "--runner=PortableRunner", f"--job_endpoint=localhost:{self.job_port}",
            "--environment_type=EXTERNAL", f"--environment_config=localhost:{self.pool_port}")]

    def close(self) -> None:
        for proc in self._procs:
            try:
                os.killpg(proc.pid, 15)
            except ProcessLookupError:
                pass
            proc.wait()


def wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("localhost", port)) == 0:
                return
        time.sleep(0.5)
    raise SystemExit(f"bench: nothing listens on localhost:{port} after {timeout:.0f} s")


def run_one(runner: str, rows: int, csv_path: Path, work: Path, epochs: int, env: dict[str, str],
            portable: PortableServices | None, timeout: float) -> Result:
    root = work / "roots" / f"{runner}-{rows}"
    shutil.rmtree(root, ignore_errors=True)
    cmd = [PYTHON, "-m", "tfxkit", "run", SPEC, "--root", str(root), "--set", f"data.path={csv_path}",
           "--set", f"trainer.epochs={epochs}"]
    if runner == "beam":
        cmd += ["--runner", "beam", "--beam-arg=--direct_num_workers=2"]
    elif runner == "portable":
        assert portable is not None
        cmd += ["--runner", "beam", *portable.beam_args()]
    log = work / "logs" / f"{runner}-{rows}.log"
    rc, seconds, peak, stdout, peak_made_of = timed_run(cmd, log, env, timeout)
    result = Result(runner, rows, seconds, rc, peak, log=str(log), peak_made_of=peak_made_of)
    for line in stdout.splitlines():
        if (m := _DONE.match(line.strip())) and m.group(2):
            result.components[m.group(1)] = float(m.group(2))
    return result


# ---------------------------------------------------------------- report


def write_table(results: list[Result], out: Path) -> str:
    names = sorted({c for r in results for c in r.components}, key=_component_order)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "scale.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["runner", "rows", "ok", "total_s", "rows_per_s", "peak_pss_mib", *[f"{n}_s" for n in names]])
        for r in results:
            writer.writerow([r.runner, r.rows, r.ok, f"{r.seconds:.1f}", f"{r.rows / r.seconds:.0f}",
                             f"{r.peak_memory / 2**20:.0f}", *[f"{r.components.get(n, float('nan')):.1f}" for n in names]])
    head = ["runner", "rows", "total s", "rows/s", "peak PSS MiB", *names]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [r.runner, f"{r.rows:,}", f"{r.seconds:.0f}" + ("" if r.rc == 0 else f" (exit {r.rc})"),
                 f"{r.rows / r.seconds:,.0f}", f"{r.peak_memory / 2**20:,.0f}",
                 *[f"{r.components[n]:.1f}" if n in r.components else "" for n in names]]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines) + "\n"
    (out / "scale.md").write_text(table, encoding="utf-8")
    return table


def _component_order(name: str) -> int:
    order = ["CsvExampleGen", "StatisticsGen", "ImportSchemaGen", "SchemaGen", "ExampleValidator", "AnomaliesGate",
             "Transform", "Tuner", "Trainer", "latest_blessed_model_resolver", "Evaluator", "Pusher"]
    return order.index(name) if name in order else len(order)


def plot(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for runner in sorted({r.runner for r in results}):
        done = sorted((r for r in results if r.runner == runner and r.ok), key=lambda r: r.rows)
        if not done:
            continue
        xs = [r.rows for r in done]
        left.plot(xs, [r.seconds for r in done], marker="o", label=runner)
        right.plot(xs, [r.peak_memory / 2**30 for r in done], marker="o", label=runner)
    for axis, label in ((left, "wall time, s"), (right, "peak memory (PSS) of the process tree, GiB")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("rows")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    fig.suptitle("tfxkit taxi pipeline: time and memory against rows")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def check_targets(results: list[Result]) -> list[str]:
    """The issue's targets, where the measured sizes allow saying something."""
    by = {(r.runner, r.rows): r for r in results if r.ok}
    lines = []
    for runner in sorted({r.runner for r in results}):
        a, b = by.get((runner, 100_000)), by.get((runner, 1_000_000))
        if a and b:
            ratio = b.seconds / a.seconds
            lines.append(f"{runner}: 100k -> 1M time ratio {ratio:.1f}x (target <= 10x: "
                         f"{'met' if ratio <= 10 else 'NOT met'})")
        if b:
            if runner == "local":
                lines.append(f"local: 1M rows in {b.seconds:.0f} s (target < {LOCAL_1M_SECONDS} s: "
                             f"{'met' if b.seconds < LOCAL_1M_SECONDS else 'NOT met'})")
                gib = b.peak_memory / 2**30
                lines.append(f"local: peak memory at 1M rows {gib:.2f} GiB (target <= {LOCAL_1M_GIB} GiB: "
                             f"{'met' if gib <= LOCAL_1M_GIB else 'NOT met'})")
            else:
                gb = b.peak_memory / 1e9
                verdict = "met" if gb < 6 else "NOT met"
                lines.append(f"{runner}: peak memory at 1M rows {gb:.2f} GB (target < 6 GB: {verdict})")
    local, beam = by.get(("local", 1_000_000)), by.get(("beam", 1_000_000))
    if local and beam:
        for name in BEAM_COMPONENTS:
            x, y = local.components.get(name), beam.components.get(name)
            if x and y:
                lines.append(f"{name} at 1M rows: in-process {x:.0f} s, multi-process {y:.0f} s "
                             f"({'faster' if y < x else 'NOT faster'})")
    return lines or ["no target can be checked at the sizes measured (they need 100k and 1M rows)"]


# ---------------------------------------------------------------- profile


def example_gen_properties(csv_dir: Path) -> dict:
    """The exec properties tfxkit's build gives CsvExampleGen: every file one input, train 4 : eval 1."""
    from tfx.proto import example_gen_pb2
    from tfx.utils import proto_utils

    input_config = example_gen_pb2.Input(splits=[example_gen_pb2.Input.Split(name="all", pattern="*")])
    output_config = example_gen_pb2.Output(split_config=example_gen_pb2.SplitConfig(splits=[
        example_gen_pb2.SplitConfig.Split(name="train", hash_buckets=4),
        example_gen_pb2.SplitConfig.Split(name="eval", hash_buckets=1)]))
    return {"input_base": str(csv_dir), "input_config": proto_utils.proto_to_json(input_config),
            "output_config": proto_utils.proto_to_json(output_config), "output_data_format": 6,
            "output_file_format": 5}


def compare_example_gen(rows: int, work: Path, profile: bool, top: int = 25) -> None:
    """TFX's CsvExampleGen executor and tfxkit's, in process, side by side on the same rows (optionally profiled)."""
    import cProfile
    import gzip
    import pstats

    csv_path = generate(rows, work / "data" / f"taxi-{rows}" / "data.csv")
    from tfx.components.example_gen.csv_example_gen.executor import Executor
    from tfx.types import standard_artifacts

    from tfxkit.components.csv_example_gen.executor import CommaExecutor

    exec_properties = example_gen_properties(csv_path.parent)
    seconds, sizes = {}, {}
    for name, executor in (("TFX", Executor()), ("tfxkit", CommaExecutor())):
        examples = standard_artifacts.Examples()
        examples.uri = str(work / "examples" / name)
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.runcall(executor.Do, {}, {"examples": [examples]}, exec_properties)
        else:
            executor.Do({}, {"examples": [examples]}, exec_properties)
        seconds[name] = time.perf_counter() - started
        # Same examples in the same splits: the uncompressed split files' sizes agree (row by row in the tests).
        sizes[name] = {split: sum(len(gzip.decompress(f.read_bytes())) for f in
                                  (Path(examples.uri) / f"Split-{split}").glob("*.gz")) for split in ("train", "eval")}
        print(f"bench: {name} CsvExampleGen executor on {rows:,} rows: {seconds[name]:.1f} s "
              f"({rows / seconds[name]:,.0f} rows/s; in process, imports done); split bytes {sizes[name]}", flush=True)
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(top)
            stats.sort_stats("tottime").print_stats(top)
    print(f"bench: TFX / tfxkit time: {seconds['TFX'] / seconds['tfxkit']:.1f}x; "
          f"split bytes {'equal' if sizes['TFX'] == sizes['tfxkit'] else 'DIFFER'}")


def child_env() -> dict[str, str]:
    """The environment of a benchmark's child process: this repository importable, tf.keras as the runs use."""
    return dict(os.environ, PYTHONWARNINGS="ignore", TF_USE_LEGACY_KERAS="1",
                PYTHONPATH=os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]))


def example_gen_memory(rows: int, work: Path, workers: int) -> None:
    """tfxkit's CsvExampleGen under the multi-process DirectRunner with TFX's WriteSplit (a Reshuffle before
    writing) and with its own (in process on the DirectRunner), each in a fresh process: Do()'s time and the peak
    memory of the process tree side by side, and whether each split holds the same examples."""
    csv_path = generate(rows, work / "data" / f"taxi-{rows}" / "data.csv")
    env = child_env()
    measured, contents = {}, {}
    for write in ("reshuffle", "tfxkit"):
        out = work / "examples" / write
        shutil.rmtree(out, ignore_errors=True)
        cmd = [PYTHON, __file__, "--example-gen-child", write, str(csv_path.parent), str(out), str(workers)]
        rc, _, peak, stdout, made_of = timed_run(cmd, work / "logs" / f"example-gen-{write}.log", env, 4 * 3600)
        if rc != 0:
            raise SystemExit(f"bench: CsvExampleGen ({write}) failed, exit {rc}: {work / 'logs'}")
        seconds = float(stdout.split()[-1])
        measured[write], contents[write] = (seconds, peak), split_contents(out)
        print(f"bench: CsvExampleGen, {rows:,} rows, DirectRunner with {workers} workers, "
              f"{'TFX' if write == 'reshuffle' else 'tfxkit'} WriteSplit: Do() {seconds:.1f} s, "
              f"peak PSS {peak / 2**20:,.0f} MiB ({made_of}); records per split "
              f"{ {split: n for split, (n, _) in contents[write].items()} }", flush=True)
    (t_old, m_old), (t_new, m_new) = measured["reshuffle"], measured["tfxkit"]
    print(f"bench: TFX / tfxkit WriteSplit: peak memory {m_old / m_new:.2f}x, time {t_old / t_new:.2f}x; "
          f"each split's examples {'the same' if contents['reshuffle'] == contents['tfxkit'] else 'DIFFER'}")


def split_contents(examples_uri: Path) -> dict[str, tuple[int, str]]:
    """Per split: the number of records and a digest of them as a multiset (the order of records across the
    files is the runner's), read here from the TFRecord framing without TensorFlow."""
    import gzip
    import hashlib

    contents = {}
    for split in sorted(p.name.removeprefix("Split-") for p in examples_uri.glob("Split-*")):
        digests = []
        for path in (examples_uri / f"Split-{split}").glob("*.gz"):
            with gzip.open(path) as fh:
                while header := fh.read(12):  # length (8), its CRC (4), payload, its CRC (4)
                    n = int.from_bytes(header[:8], "little")
                    digests.append(hashlib.sha256(fh.read(n)).digest())
                    fh.read(4)
        contents[split] = (len(digests), hashlib.sha256(b"".join(sorted(digests))).hexdigest())
    return contents


def _example_gen_child(write: str, csv_dir: str, out: str, workers: int) -> None:
    """One CsvExampleGen run for example_gen_memory; prints Do()'s seconds last."""
    import apache_beam as beam
    from tfx.components.example_gen.base_example_gen_executor import BaseExampleGenExecutor
    from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor
    from tfx.types import standard_artifacts

    from tfxkit.components.csv_example_gen.executor import CommaExecutor

    argv = ["--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
    executor = CommaExecutor(BaseBeamExecutor.Context(make_beam_pipeline_fn=lambda: beam.Pipeline(argv=argv)))
    examples = standard_artifacts.Examples()
    examples.uri = out
    # TFX's Do (the base class's) writes through TFX's WriteSplit.
    do = BaseExampleGenExecutor.Do if write == "reshuffle" else CommaExecutor.Do
    started = time.perf_counter()
    do(executor, {}, {"examples": [examples]}, example_gen_properties(Path(csv_dir)))
    print(f"{time.perf_counter() - started:.2f}")


def statistics_gen_cpu(rows: int, work: Path, workers: int, repeats: int = 2) -> None:
    """TFX's StatisticsGen on the same examples in process and under the multi-process DirectRunner, in turn,
    each in a fresh process: Do()'s time and the CPU seconds of the run process and of the workers."""
    import apache_beam as beam
    from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor
    from tfx.types import standard_artifacts

    from tfxkit.components.csv_example_gen.executor import CommaExecutor

    csv_path = generate(rows, work / "data" / f"taxi-{rows}" / "data.csv")
    examples = work / "examples" / f"taxi-{rows}-{workers}"
    if not (examples / "Split-eval").is_dir():
        # Written on as many workers as `--runner beam` would: one gzipped file per worker and split, which is
        # the most StatisticsGen's workers can share (a gzipped file is read whole by one of them).
        argv = ["--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
        artifact = standard_artifacts.Examples()
        artifact.uri = str(examples)
        CommaExecutor(BaseBeamExecutor.Context(make_beam_pipeline_fn=lambda: beam.Pipeline(argv=argv))).Do(
            {}, {"examples": [artifact]}, example_gen_properties(csv_path.parent))
    env = child_env()
    for attempt in range(repeats):
        for mode_workers in (1, workers):
            out = work / "statistics" / str(mode_workers)
            shutil.rmtree(out, ignore_errors=True)
            cmd = [PYTHON, __file__, "--statistics-gen-child", str(examples), str(out), str(mode_workers)]
            cpu: dict[int, float] = {}
            rc, seconds, _, stdout, _ = timed_run(cmd, work / "logs" / f"statistics-{mode_workers}.log", env,
                                                  4 * 3600, cpu)
            if rc != 0:
                raise SystemExit(f"bench: StatisticsGen failed, exit {rc}: {work / 'logs'}")
            run, *rest = cpu.values()
            label = "in process" if mode_workers == 1 else f"{mode_workers} workers"
            do_seconds = float(stdout.split()[-1])
            print(f"bench: StatisticsGen, {rows:,} rows, {label} (#{attempt + 1}): Do() {do_seconds:.1f} s "
                  f"of {seconds:.1f} s; CPU s: run process {run:.1f}, workers {sum(rest):.1f}, together "
                  f"{run + sum(rest):.1f} ({(run + sum(rest)) / seconds:.2f} cores on average)", flush=True)


def _statistics_gen_child(examples_uri: str, out: str, workers: int) -> None:
    """One StatisticsGen run for statistics_gen_cpu (1 worker: in process); prints Do()'s seconds last."""
    import apache_beam as beam
    from tfx.components.statistics_gen.executor import Executor
    from tfx.dsl.components.base.base_beam_executor import BaseBeamExecutor
    from tfx.types import artifact_utils, standard_artifacts

    argv = [] if workers == 1 else ["--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
    examples = standard_artifacts.Examples()
    examples.uri = examples_uri
    examples.split_names = artifact_utils.encode_split_names(["train", "eval"])
    statistics = standard_artifacts.ExampleStatistics()
    statistics.uri = out
    executor = Executor(BaseBeamExecutor.Context(make_beam_pipeline_fn=lambda: beam.Pipeline(argv=argv)))
    started = time.perf_counter()
    executor.Do({"examples": [examples]}, {"statistics": [statistics]}, {"exclude_splits": "[]"})
    print(f"{time.perf_counter() - started:.2f}")


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="10000,100000,1000000", help="comma-separated sizes")
    parser.add_argument("--runners", default="local,beam,portable")
    parser.add_argument("--epochs", type=int, default=1, help="trainer.epochs for every run")
    parser.add_argument("--out", help="where scale.csv/.md/.png go (default: the work folder)")
    parser.add_argument("--workdir", help="work folder (default: a new temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated data and pipeline roots")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds allowed per run")
    parser.add_argument("--example-gen", action="store_true",
                        help="only CsvExampleGen: TFX's executor and tfxkit's side by side on the first size")
    parser.add_argument("--profile", action="store_true", help="with --example-gen: cProfile both")
    parser.add_argument("--workers", type=int, default=0,
                        help="with --example-gen: instead, memory with and without TFX's Reshuffle on this many "
                             "DirectRunner workers; with --statistics-gen: the workers (default 2)")
    parser.add_argument("--statistics-gen", action="store_true",
                        help="only StatisticsGen, in process and on --workers (default 2) DirectRunner workers, "
                             "twice each: time and CPU seconds per process")
    parser.add_argument("--example-gen-child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--statistics-gen-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--smoke", action="store_true", default=os.environ.get("TFXKIT_BENCH_SMOKE") == "1",
                        help="400 rows, local runner: check that the benchmark runs (figures mean nothing)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))  # the modes below import tfxkit
    if args.example_gen_child:
        write, csv_dir, out, workers = args.example_gen_child
        _example_gen_child(write, csv_dir, out, int(workers))
        return 0
    if args.statistics_gen_child:
        examples, out, workers = args.statistics_gen_child
        _statistics_gen_child(examples, out, int(workers))
        return 0
    if args.smoke:
        args.rows, args.epochs = "400", 1
        if args.runners == parser.get_default("runners"):
            args.runners = "local"
    sizes = [int(s) for s in args.rows.split(",")]
    runners = args.runners.split(",")
    unknown = set(runners) - {"local", "beam", "portable"}
    if unknown:
        raise SystemExit(f"bench: unknown runner(s) {sorted(unknown)} (local, beam, portable)")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="tfxkit-scale-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    out = Path(args.out).resolve() if args.out else work
    print(f"bench: work folder {work}; {os.cpu_count()} CPUs; niceness {os.nice(0)}", flush=True)

    if args.statistics_gen:
        statistics_gen_cpu(sizes[0], work, args.workers or 2, repeats=1 if args.smoke else 2)
        return 0
    if args.example_gen:
        if args.workers:
            example_gen_memory(sizes[0], work, args.workers)
        else:
            compare_example_gen(sizes[0], work, args.profile)
        return 0

    # The worker pool starts SDK workers as `python -c ...`: this interpreter's folder first on PATH; they are
    # not children of `tfxkit run`, so they need its Keras choice too (TFMA loads the model with tf.keras).
    env = dict(os.environ, PYTHONWARNINGS="ignore", PYTHONUNBUFFERED="1", TF_USE_LEGACY_KERAS="1",
               PATH=os.pathsep.join([str(Path(PYTHON).parent), os.environ.get("PATH", "")]))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    results: list[Result] = []
    portable = PortableServices(work / "logs", env) if "portable" in runners else None
    try:
        for rows in sizes:
            started = time.perf_counter()
            csv_path = generate(rows, work / "data" / f"taxi-{rows}" / "data.csv")
            print(f"bench: generated {rows:,} taxi-like rows in {time.perf_counter() - started:.1f} s: {csv_path}",
                  flush=True)
            for runner in runners:
                print(f"bench: {runner} runner, {rows:,} rows ...", flush=True)
                result = run_one(runner, rows, csv_path, work, args.epochs, env, portable, args.timeout)
                results.append(result)
                status = {0: "ok", 3: "ok, not blessed"}.get(result.rc, f"FAILED (exit {result.rc}; log {result.log})")
                print(f"  -> {result.seconds:.0f} s, {rows / result.seconds:,.0f} rows/s, peak PSS "
                      f"{result.peak_memory / 2**20:,.0f} MiB ({result.peak_made_of}), {status}", flush=True)
    finally:
        if portable is not None:
            portable.close()
    table = write_table(results, out)
    plot(results, out / "scale.png")
    print("\n" + table)
    if args.smoke:
        print("smoke mode: the benchmark ran; these figures mean nothing")
    else:
        print("\n".join(check_targets(results)))
    print(f"bench: wrote {out / 'scale.csv'}, {out / 'scale.md'}, {out / 'scale.png'}")
    failed = [r for r in results if not r.ok]
    if not failed and not args.keep:  # the data and pipeline roots are big; logs and results stay
        for heavy in ("data", "roots"):
            shutil.rmtree(work / heavy, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
