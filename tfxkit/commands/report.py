"""`tfxkit report FILE [RUN] -o report.html`: one self-contained HTML page about a run (latest by default);
`tfxkit report FILE --models -o models.html`: one about every model version the pipeline pushed.

The page shows the run's DAG coloured by state, its data (rows per split,
per-feature statistics, anomalies), training curves and tuning trials, the
evaluation against thresholds and the baseline, and its lineage. It reads the
store like the audit verbs (a spec file or --metadata URL) and imports no
TensorFlow. `tfxkit run` writes the same page after every run.
"""

from __future__ import annotations

import argparse

from tfxkit.commands.audit import add_audit_args, compute_answer
from tfxkit.commands.common import CommandError


def run(args: argparse.Namespace) -> int:
    def compute(audit):
        from tfxkit.lineage.runs import find_run
        from tfxkit.report.write import write_models_page, write_report

        try:
            if args.models:
                return write_models_page(audit.store, audit.pipeline, args.output or "models.html")
            run_id = find_run(audit.store, audit.pipeline, audit.positionals[0] if audit.positionals else "latest").id
            return write_report(audit.store, audit.pipeline, run_id, args.output or f"report-{run_id}.html")
        except OSError as exc:
            raise CommandError(f"{args.output or 'report'}: cannot write the report: {exc.strerror or exc}") from None

    path = compute_answer(args, compute, max_positionals=0 if args.models else 1)
    print(f"wrote {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write a self-contained HTML report of a run (latest by default)")
    add_audit_args(p, "FILE [RUN]", formats=("html",))
    p.add_argument("--output", "-o", metavar="FILE", help="the HTML file to write (default: report-RUN.html, or "
                   "models.html with --models, here)")
    p.add_argument("--models", action="store_true", help="a page of every model version pushed instead: which "
                   "serves, rollbacks, the gate's metrics across versions")
    p.set_defaults(func=run)
