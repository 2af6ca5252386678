"""`tfxkit deploy --schedule`: a recurring run on Kubeflow Pipelines, declared by a cron line, created or replaced.

Users write the five-field cron of crontab(5) ("0 3 * * *"); KFP's scheduler
(robfig/cron) takes six fields with the seconds first, so a five-field line
gets "0 " in front. The line is checked here field by field before anything
reaches the network, so a typo is one located line, not a server error after
a minute of compiling. KFP has no call that updates a recurring run: the one
recurring run tfxkit keeps per pipeline (named "<pipeline> schedule" in the
experiment) is created again on the new pipeline version and the old one then
deleted, and `--schedule none` deletes it.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass
from typing import Optional

NONE = "none"
MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
          "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (name, lowest, highest, names for the values from `lowest` on)
FIELDS = (("second", 0, 59, ()), ("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day of month", 1, 31, ()),
          ("month", 1, 12, MONTHS), ("day of week", 0, 6, DAYS))
_ITEM = re.compile(r"^(?P<range>\*|\?|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:/(?P<step>\d+))?$")


class ScheduleError(ValueError):
    """A cron line that does not parse; the message names the field and what was expected."""


@dataclass(frozen=True)
class ScheduleRequest:
    """`--schedule` as parsed: the six-field cron KFP takes, or None to remove the schedule."""

    cron: Optional[str]


def parse_schedule(line: str) -> ScheduleRequest:
    """`--schedule LINE`: a five- or six-field cron line, a macro (@daily ...) or `none`; ScheduleError if bad."""
    text = " ".join(line.split())
    return ScheduleRequest(None if text.lower() == NONE else kfp_cron(text))


def kfp_cron(line: str) -> str:
    """The six-field cron KFP takes for a five- or six-field line or a macro (@daily, @hourly, ...)."""
    text = " ".join(line.split())
    text = MACROS.get(text.lower(), text)
    fields = text.split(" ")
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ScheduleError(f"'{line}' has {len(fields)} fields (expected 5: minute hour day-of-month month "
                            "day-of-week, as in crontab; or 'none' to remove the schedule)")
    for value, (name, low, high, names) in zip(fields, FIELDS):
        for item in value.split(","):
            _check_item(item, name, low, high, names, line)
    return " ".join(fields)


def _check_item(item: str, name: str, low: int, high: int, names: tuple[str, ...], line: str) -> None:
    match = _ITEM.match(item)
    if not match:
        raise ScheduleError(f"'{line}': {name} '{item}' is not a cron field (expected *, a number, a range a-b, "
                            "a step */n or a list of them)")
    if match.group("step") is not None and int(match.group("step")) == 0:
        raise ScheduleError(f"'{line}': {name} '{item}' steps by 0 (expected a step of 1 or more)")
    if match.group("range") == "?" and name not in ("day of month", "day of week"):
        raise ScheduleError(f"'{line}': {name} '?' (expected '?' only for the day of month or of week)")
    if match.group("range") in ("*", "?"):
        return
    bounds = [_value(part, name, low, high, names, line) for part in match.group("range").split("-")]
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        raise ScheduleError(f"'{line}': {name} range '{item}' runs backwards (expected low-high)")


def _value(part: str, name: str, low: int, high: int, names: tuple[str, ...], line: str) -> int:
    if part.upper() in names:
        return low + names.index(part.upper())
    if not part.isdigit():
        expected = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
        raise ScheduleError(f"'{line}': {name} '{part}' is not a number (expected {expected})")
    if not low <= int(part) <= high:
        raise ScheduleError(f"'{line}': {name} {part} is out of range (expected {low}-{high})")
    return int(part)


@dataclass(frozen=True)
class Scheduled:
    """What `--schedule` did: the recurring run now in place (None after `none`) and how many it replaced."""

    name: str
    recurring_run_id: Optional[str]
    cron: Optional[str]
    replaced: int


def apply_schedule(client, pipeline: str, pipeline_id: str, version_id: str, cron: Optional[str],
                   experiment: Optional[str], namespace: Optional[str], service_account: Optional[str]) -> Scheduled:
    """Replace the pipeline's recurring run with one on `version_id` at `cron`, or remove it (cron None).

    `client` is a kfp.Client. The experiment is created when it does not exist.
    """
    name = f"{pipeline} schedule"
    with contextlib.redirect_stdout(io.StringIO()):  # kfp prints a link for every experiment it looks up
        experiment_id = client.create_experiment(experiment or "Default", namespace=namespace).experiment_id
    by_name = json.dumps({"predicates": [{"operation": "EQUALS", "key": "display_name", "stringValue": name}]})
    existing = client.list_recurring_runs(experiment_id=experiment_id, filter=by_name, page_size=100).recurring_runs
    created = None
    if cron is not None:  # the new one first: a failure in between leaves the old schedule running, never none
        created = client.create_recurring_run(
            experiment_id=experiment_id, job_name=name, cron_expression=cron, pipeline_id=pipeline_id,
            version_id=version_id, max_concurrency=1, no_catchup=True, service_account=service_account,
            description=f"tfxkit: {pipeline} at '{cron}' (seconds first)").recurring_run_id
    for old in existing or []:
        client.delete_recurring_run(old.recurring_run_id)
    return Scheduled(name, created, cron, len(existing or []))
