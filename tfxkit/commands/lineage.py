"""`tfxkit lineage FILE [TARGET]`: where a model came from and why it shipped;
`--from-data PATH`: every model trained on a file or folder."""

from __future__ import annotations

import argparse
import json

from tfxkit.commands.audit import add_audit_args, answer, compute_answer, emit
from tfxkit.commands.common import CommandError


def run(args: argparse.Namespace) -> int:
    from tfxkit.lineage import text

    if args.from_data:
        if args.format in ("dot", "html") or args.spec:
            raise CommandError("--from-data prints text or json (--format dot/html and --spec draw one model)")
        return answer(args, lambda audit: _reverse(audit, args), text.format_reverse, max_positionals=0)

    def compute(audit):
        from tfxkit.lineage.provenance import provenance

        return provenance(audit.store, audit.pipeline, audit.positionals[0] if audit.positionals else "latest")

    if args.spec:
        return _spec(args, compute)
    if args.format in ("dot", "html"):
        return _draw(args, compute)
    return answer(args, compute, text.format_provenance, max_positionals=1)


def _reverse(audit, args: argparse.Namespace) -> dict:
    from tfxkit.lineage.reverse import models_from_data

    # Without a spec or --pipeline, a shared store is searched across every pipeline in it.
    pipelines = [audit.pipeline] if (args.pipeline or not args.metadata) else audit.store.pipelines()
    return models_from_data(audit.store, args.from_data, pipelines)


def _spec(args: argparse.Namespace, compute) -> int:
    """The recorded spec of the model's run: YAML (text) or JSON, printed or written to -o."""
    import yaml

    if args.format in ("dot", "html"):
        raise CommandError(f"--spec prints the recorded spec as text (YAML) or json, not {args.format} "
                           "(drop --spec to draw the lineage)")
    spec = compute_answer(args, compute, max_positionals=1).get("spec")
    if not spec:
        raise CommandError("no spec was recorded for this model's run")
    if args.format == "json":
        emit(args, json.dumps(spec, indent=2, sort_keys=True))
    else:
        emit(args, f"# spec {spec['hash']}\n" + yaml.safe_dump(spec["resolved"], sort_keys=False).rstrip())
    return 0


def _draw(args: argparse.Namespace, compute) -> int:
    """DOT text, or the HTML page (its drawing replaced by a note where Graphviz is missing)."""
    from tfxkit.lineage.dot import provenance_dot
    from tfxkit.lineage.html import provenance_html

    render = provenance_dot if args.format == "dot" else provenance_html
    emit(args, render(compute_answer(args, compute, max_positionals=1)).rstrip("\n"))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lineage", help="provenance of a model (latest: the one served), or --from-data PATH")
    add_audit_args(p, "FILE [TARGET]", formats=("text", "json", "dot", "html"))
    p.add_argument("--from-data", metavar="PATH", help="every model trained on data from this file or folder")
    p.add_argument("--spec", action="store_true", help="print the full resolved spec of the model's run")
    p.add_argument("--output", "-o", metavar="FILE", help="write the answer (any format) to this file")
    p.set_defaults(func=run)
