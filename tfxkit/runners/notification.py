"""A run's outcome as a notification (the spec's `notify` section): which event each outcome is, and its facts."""

from __future__ import annotations

from tfxkit.config.load import LoadedSpec
from tfxkit.notify.send import Facts, notify
from tfxkit.runners.outcome import OutcomeKind, RunReport

# An up-to-date run (UNCHANGED) did nothing new: nobody is told.
EVENT_OF = {OutcomeKind.PUSHED: "pushed", OutcomeKind.NOT_BLESSED: "not_blessed", OutcomeKind.GATED: "data_stopped",
            OutcomeKind.FAILED: "failed", OutcomeKind.INTERRUPTED: "interrupted"}


def notify_run(loaded: LoadedSpec, report: RunReport) -> list[str]:
    """Tell the spec's targets how the run ended, when they asked for that outcome; the failures (warnings)."""
    event = EVENT_OF.get(report.kind)
    if loaded.spec.notify is None or event is None or report.run_id is None:
        return []
    reason = (report.error or report.not_pushed_reason or "").strip().splitlines()
    facts = Facts(loaded.spec.pipeline.name, report.run_id, event, reason[0] if reason else "", dict(report.metrics),
                  report.report_file, report.pushed_to)
    return notify(loaded.spec.notify, facts)
