"""`pipeline.keep_runs`: after a run, what `tfxkit gc --keep N` would remove goes, and the run says so."""

from __future__ import annotations

import logging
import sys

from tfxkit.config.load import LoadedSpec
from tfxkit.metadata.store import Store


def collect_old_runs(store: Store, loaded: LoadedSpec) -> str | None:
    """Apply the spec's retention policy; one line saying what it freed (None when there is none).

    Retention is housekeeping: a gc that fails is one warning line and the details in the log, never a failed
    run (the run is recorded by now; `tfxkit gc` finishes the job later).
    """
    keep = loaded.spec.pipeline.keep_runs
    if keep is None:
        return None
    from tfxkit.registry.gc import collect, plan_gc, summary

    try:
        plan = collect(store, plan_gc(store, loaded.spec.pipeline.name, loaded.resolve(loaded.spec.pipeline.root),
                                      keep))
    except Exception as exc:
        logging.getLogger("tfxkit").exception("pipeline.keep_runs: gc failed")
        print(f"tfxkit: warning: pipeline.keep_runs: old runs were not removed ({type(exc).__name__}: "
              f"{' '.join(str(exc).split())[:200]}); the run is unaffected", file=sys.stderr, flush=True)
        return None
    return f"{summary({'dry_run': False, **plan.to_json()})} (pipeline.keep_runs: {keep})"
