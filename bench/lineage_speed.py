"""How fast the audit and served-model commands answer on a store with 1,000 recorded runs.

Builds an SQLite store from one real penguin run (tfxkit run, local runner),
then re-records that run through the MLMD API (new run contexts, executions,
artifacts and events with tfxkit's recorded facts) until the store holds
`--runs` runs of 10 nodes each (default 1,000); every fifth copy pushed a
version of its own (a version folder of hard links to the real push: 200
versions), the others were not blessed; then `--rollbacks` real rollbacks
(tfxkit.registry.rollback, default 20) to versions spread over the history.
Times `tfxkit runs`, `lineage latest`, `diff latest`, `lineage --from-data`,
`models`, `rollback --dry-run` and `gc --dry-run` as whole processes (the
median of several), next to `python -c pass`, `import ml_metadata` (the floor:
importing MLMD and its protobuf runtime) and `tfxkit validate`,
measured in the same session, and checks with `python -X importtime` that none
of them imports TensorFlow, TFX or Beam. Targets: under 1 s each, 0.5 s for `runs`.

    .venv/bin/python bench/lineage_speed.py [--root DIR] [--repeat N] [--runs N] [--rollbacks N] [--smoke]

--smoke (or TFXKIT_BENCH_SMOKE=1) re-records 10 runs (2 pushed), makes 2 rollbacks and times each command
once (CI runs it so the benchmark never breaks unnoticed; its figures mean nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


def rerecord(root: Path, total: int, push_every: int = 5) -> int:
    """Re-record the newest recorded run through MLMD until the store holds `total` runs; returns the count.

    Every `push_every`-th copy pushed a version of its own (a folder of hard links to the real push's files,
    above every version before it); the others were not blessed and pushed nothing."""
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
    real_push = root / "serving" / Path(summary["pushed_to"]).name  # penguin.yaml pushes to <root>/serving; the
    # store may be a copy of another root's (the smoke test's), whose recorded paths name that root
    for i in range(have, total):
        pushed = i % push_every == 0
        version = real_push.parent / str(int(real_push.name) + i) if pushed else None
        if version is not None and not version.exists():
            shutil.copytree(real_push, version, copy_function=os.link)
        run = pb.Context(type_id=run_type.id, name=f"{source.name}-copy{i:03d}")
        run.custom_properties.MergeFrom(source.custom_properties)
        run.custom_properties["tfxkit_run"].string_value = json.dumps(
            {**summary, "started": summary["started"] + i, "status": "pushed" if pushed else "not_blessed",
             "pushed_to": str(version) if pushed else None})
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
                    if "pushed" in artifact.custom_properties:  # the Pusher's output: this copy's push, or none
                        artifact.custom_properties["pushed"].int_value = int(pushed)
                        if pushed:
                            artifact.custom_properties["pushed_destination"].string_value = str(version)
                            artifact.custom_properties["pushed_version"].string_value = version.name
                        else:
                            for name in ("pushed_destination", "pushed_version"):
                                artifact.custom_properties.pop(name, None)
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


def roll_back(root: Path, count: int) -> int:
    """`count` real rollbacks (tfxkit.registry.rollback), to versions spread over the history; returns how many
    the store holds."""
    from tfxkit.lineage.models import SERVING, model_versions
    from tfxkit.metadata.connection import connection_config
    from tfxkit.metadata.keys import ROLLBACK_TYPE
    from tfxkit.metadata.store import Store
    from tfxkit.registry.rollback import plan_rollback, rollback

    store = Store(connection_config(f"sqlite:///{root / 'metadata.sqlite'}"))
    have = len(store.executions_of_type(ROLLBACK_TYPE, "penguin"))
    for i in range(have, count):
        versions = model_versions(store, "penguin")
        serving = next(v for v in versions if v.status == SERVING)
        # pushes of another model than the one serving, spread over the history (a rollback refuses the serving one)
        others = [v.version for v in versions if v.kind == "push" and v.model_id != serving.model_id]
        rollback(store, plan_rollback(store, "penguin", f"benchmark rollback {i}", others[(i * 7) % len(others)]))
    return max(have, count)


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
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--rollbacks", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", default=os.environ.get("TFXKIT_BENCH_SMOKE") == "1")
    args = parser.parse_args()
    if args.smoke:
        args.repeat, args.runs, args.rollbacks = 1, 10, 2
    root = Path(args.root or tempfile.mkdtemp(prefix="tfxkit-lineage-bench-")).resolve()
    real_run(root)
    started = time.perf_counter()
    total = rerecord(root, args.runs)
    rollbacks = roll_back(root, args.rollbacks)
    versions = sum(1 for p in (root / "serving").iterdir() if p.name.isdigit())
    print(f"store {root / 'metadata.sqlite'}: {total} runs of pipeline penguin, {versions} versions pushed, "
          f"{rollbacks} rollbacks (built in {time.perf_counter() - started:.0f} s)")
    tfxkit = [sys.executable, "-m", "tfxkit"]
    cases = [
        ("python -c pass (interpreter start)", [sys.executable, "-c", "pass"], None),
        ("import ml_metadata (the floor)", [sys.executable, "-c", "import ml_metadata"], None),
        ("tfxkit validate", [*tfxkit, "validate", SPEC], None),
        ("tfxkit runs", [*tfxkit, "runs", SPEC, "--root", str(root), "--limit", "50"], 0.5),
        ("tfxkit lineage latest", [*tfxkit, "lineage", SPEC, "--root", str(root)], 1.0),
        ("tfxkit diff latest", [*tfxkit, "diff", SPEC, "latest", "--root", str(root)], 1.0),
        ("tfxkit lineage --from-data", [*tfxkit, "lineage", SPEC, "--root", str(root), "--from-data", DATA], 1.0),
        ("tfxkit models", [*tfxkit, "models", SPEC, "--root", str(root)], 1.0),
        ("tfxkit rollback --dry-run", [*tfxkit, "rollback", SPEC, "--root", str(root), "--reason", "bench",
                                       "--dry-run"], 1.0),
        ("tfxkit gc --keep 10 --dry-run", [*tfxkit, "gc", SPEC, "--root", str(root), "--keep", "10", "--dry-run"],
         1.0),
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
