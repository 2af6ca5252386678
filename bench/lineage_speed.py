"""How fast the audit commands answer on a store with 50 recorded runs.

Builds an SQLite store from one real penguin run (tfxkit run, local runner),
then re-records that run 49 more times through the MLMD API (new run
contexts, executions, artifacts and events with tfxkit's recorded facts), so
the store holds 50 runs of 10 nodes each. Times `tfxkit runs`, `lineage
latest`, `diff latest` and `lineage --from-data` as whole processes (the
median of several), next to `python -c pass`, `import ml_metadata` (the floor:
MLMD's protobuf runtime is pure Python in this stack) and `tfxkit validate`, measured in the same session, and checks with `python -X importtime` that none of them
imports TensorFlow, TFX or Beam. Targets: under 1 s each, 0.5 s for `runs`.

    .venv/bin/python bench/lineage_speed.py [--root DIR] [--repeat N] [--smoke]

--smoke (or TFXKIT_BENCH_SMOKE=1) re-records 4 runs and times each command once (CI runs it so the
benchmark never breaks unnoticed; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SPEC = "pipelines/penguin.yaml"
DATA = str(REPO / "data/penguins/penguins.csv")
HEAVY = {"tensorflow", "tfx", "apache_beam", "keras", "tf_keras", "tensorflow_transform"}


def real_run(root: Path) -> None:
    if (root / "metadata.sqlite").exists():
        return
    print(f"one real run of {SPEC} into {root} (about 2 minutes) ...", flush=True)
    subprocess.run([sys.executable, "-m", "tfxkit", "run", SPEC, "--root", str(root)], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)


def rerecord(root: Path, total: int) -> int:
    """Re-record the newest recorded run through MLMD until the store holds `total` runs; returns the count."""
    from ml_metadata import metadata_store
    from ml_metadata.proto import metadata_store_pb2 as pb

    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = str(root / "metadata.sqlite")
    store = metadata_store.MetadataStore(config)
    run_type = store.get_context_type("pipeline_run")
    runs = sorted(store.get_contexts_by_type("pipeline_run"), key=lambda c: c.create_time_since_epoch)
    have = len(runs)
    source = next(r for r in runs if "tfxkit_run" in r.custom_properties)
    executions = sorted(store.get_executions_by_context(source.id), key=lambda e: e.id)
    events = store.get_events_by_execution_ids([e.id for e in executions])
    artifacts = {a.id: a for a in store.get_artifacts_by_id(list({e.artifact_id for e in events}))}
    context_of = {e.id: [c for c in store.get_contexts_by_execution(e.id) if c.type_id != run_type.id]
                  for e in executions}
    summary = json.loads(source.custom_properties["tfxkit_run"].string_value)
    for i in range(have, total):
        run = pb.Context(type_id=run_type.id, name=f"{source.name}-copy{i:03d}")
        run.custom_properties.MergeFrom(source.custom_properties)
        run.custom_properties["tfxkit_run"].string_value = json.dumps({**summary, "started": summary["started"] + i})
        [run.id] = store.put_contexts([run])
        new_id: dict[int, int] = {}
        for execution in executions:
            copy = pb.Execution()
            copy.CopyFrom(execution)
            copy.ClearField("id")
            copy.ClearField("create_time_since_epoch")
            copy.ClearField("last_update_time_since_epoch")
            if copy.name:
                copy.name = f"{copy.name}-copy{i:03d}"
            pairs = []
            for event in (e for e in events if e.execution_id == execution.id):
                output = event.type in (pb.Event.OUTPUT, pb.Event.DECLARED_OUTPUT)
                if output:
                    artifact = pb.Artifact()
                    artifact.CopyFrom(artifacts[event.artifact_id])
                    artifact.ClearField("id")
                    artifact.ClearField("create_time_since_epoch")
                    artifact.ClearField("last_update_time_since_epoch")
                    artifact.ClearField("external_id")
                    if artifact.name:
                        artifact.name = f"{artifact.name}-copy{i:03d}"
                else:
                    [artifact] = store.get_artifacts_by_id([new_id.get(event.artifact_id, event.artifact_id)])
                linked = pb.Event()
                linked.CopyFrom(event)
                linked.ClearField("artifact_id")
                linked.ClearField("execution_id")
                linked.ClearField("milliseconds_since_epoch")
                pairs.append((artifact, linked, event.artifact_id if output else None))
            _, artifact_ids, _ = store.put_execution(copy, [(a, e) for a, e, _ in pairs],
                                                     context_of[execution.id] + [run])
            for (_, _, old), new in zip(pairs, artifact_ids):
                if old is not None:
                    new_id[old] = new
    return max(have, total)


def timed(args: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def heavy_imports(args: list[str]) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *args[1:]], cwd=REPO, capture_output=True, text=True)
    return {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
            if line.startswith("import time:")} & HEAVY


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", help="pipeline root to (re)use; default: a temporary folder")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--smoke", action="store_true", default=os.environ.get("TFXKIT_BENCH_SMOKE") == "1")
    args = parser.parse_args()
    if args.smoke:
        args.repeat, args.runs = 1, 5
    root = Path(args.root or tempfile.mkdtemp(prefix="tfxkit-lineage-bench-")).resolve()
    real_run(root)
    total = rerecord(root, args.runs)
    print(f"store {root / 'metadata.sqlite'}: {total} runs of pipeline penguin")
    tfxkit = [sys.executable, "-m", "tfxkit"]
    cases = [
        ("python -c pass (interpreter start)", [sys.executable, "-c", "pass"], None),
        ("import ml_metadata (the floor)", [sys.executable, "-c", "import ml_metadata"], None),
        ("tfxkit validate", [*tfxkit, "validate", SPEC], None),
        ("tfxkit runs", [*tfxkit, "runs", SPEC, "--root", str(root), "--limit", "50"], 0.5),
        ("tfxkit lineage latest", [*tfxkit, "lineage", SPEC, "--root", str(root)], 1.0),
        ("tfxkit diff latest", [*tfxkit, "diff", SPEC, "latest", "--root", str(root)], 1.0),
        ("tfxkit lineage --from-data", [*tfxkit, "lineage", SPEC, "--root", str(root), "--from-data", DATA], 1.0),
    ]
    print(f"{'command':<38} {'median s':>9} {'target s':>9} {'ratio':>6}  heavy imports")
    failed = False
    for name, cmd, target in cases:
        seconds = timed(cmd, args.repeat)
        heavy = heavy_imports(cmd) if target else set()
        ratio = f"{seconds / target:.2f}" if target else ""
        failed |= bool(heavy)
        print(f"{name:<38} {seconds:9.3f} {target or '':>9} {ratio:>6}  {', '.join(sorted(heavy)) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
