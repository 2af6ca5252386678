"""Every option of every verb is honoured or refused: none is silently ignored.

The test walks the real parser of tfxkit/cli.py and requires a case in CASES for each option it finds (a new
option without one fails `test_every_option_has_a_case`, naming it). Each case runs `tfxkit.cli.main` in this
process against the `lineage_history` store (three penguin runs built with MLMD's API) or
pipelines/penguin.yaml, and checks the exit status and an effect a user would see: a file written, JSON that
parses, the value in the output, or a refusal in one `tfxkit: ...` line (a spec's located line for --set).

Verbs that would run a pipeline or a server (run, compile, deploy, tensorboard) are exercised on their refusal
paths or up to a stub that stands where the heavy part starts and reports the values it was handed (marked
`stub` below): the option was carried that far, nothing heavy ran.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
from dataclasses import dataclass, field, is_dataclass
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import REPO_ROOT
from tfxkit.cli import build_parser, main
from tfxkit.commands.common import CommandError
from tfxkit.runners.watch import Look

SPEC = str(REPO_ROOT / "pipelines/penguin.yaml")
# promote's spec: the shared history's store, its pushes' folder named `staging`, and a `production` to promote to
DESTINATIONS = "push.destinations={{staging: {root}/serving, production: {tmp}/prod}}"
PROMOTE = ["promote", "{spec}", "{version}", "--set", "pipeline.root={root}", "--set", DESTINATIONS]
CLUSTER = ["--set", "kubeflow.data=baked", "--pipeline-root", "gs://bucket/root", "--image", "registry.example/x:1"]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    tmp: Path
    values: dict[str, str] = field(default_factory=dict)  # the case's {placeholders}


Check = Callable[[Result], bool]


@dataclass
class Case:
    args: list[str]  # {spec} {url} {root} {run} {data} {tmp} are filled in
    code: int
    check: Check
    stubs: dict[str, object] = field(default_factory=dict)  # "module:attribute" -> replacement


def refused(text: str) -> Check:
    """One `tfxkit: ...` line on stderr naming the problem."""
    return lambda r: r.stderr.strip().count("\n") == 0 and r.stderr.startswith("tfxkit: ") and text in r.stderr


def located(text: str) -> Check:
    """The spec's located line(s) as `validate` prints them (file:line:col: key: message)."""
    return lambda r: any(line.startswith(f"{SPEC}:") or line.startswith("pipelines/") for line in
                         r.stderr.splitlines()) and text in r.stderr


def says(text: str) -> Check:
    return lambda r: text in r.stdout


def says_filled(text: str) -> Check:
    """`says`, with the case's {placeholders} filled in."""
    return lambda r: text.format(**r.values) in r.stdout


def parses_as_json(r: Result) -> bool:
    json.loads(r.stdout)
    return True


def wrote(name: str, text: str = "") -> Check:
    return lambda r: (r.tmp / name).is_file() and text in (r.tmp / name).read_text()


def reached(name: str) -> Callable:
    """A stub where the heavy part starts: it refuses with the values it was handed (exit 1)."""
    def stub(*args, **kwargs):
        shown = [repr(a) for a in args if isinstance(a, (str, int, bool, list)) or is_dataclass(a)] + \
                [f"{k}={v!r}" for k, v in kwargs.items() if isinstance(v, (str, int, bool, list, type(None)))]
        loaded = next((a for a in args if hasattr(a, "spec")), None)
        if loaded is not None:
            shown.append(f"root={loaded.spec.pipeline.root}")
        target = next((a for a in args if hasattr(a, "image")), None)
        if target is not None:
            shown.append(f"image={target.image} pipeline_root={target.pipeline_root}")
        raise CommandError(f"{name} reached: {' '.join(shown)}", 1)
    return stub


class _FakeServer:
    """TensorBoard that exits at once: the command reports the URL it waited on (its --host and --port)."""

    def __init__(self, *args, **kwargs):
        self.args = args

    def poll(self):
        return 1

    def kill(self):
        pass

    def wait(self, timeout=None):
        return 1


_UNCHANGED = Look(spans=None, dated=False, files=1, fingerprint="f", up_to_date_with="r1")


def _audit(verb: str, extra: list[str], ok: Check, json_ok: bool = True, code: int = 0) -> dict[str, list[Case]]:
    """The options every audit verb shares (tfxkit.commands.audit.add_audit_args)."""
    return {
        f"{verb} --metadata": [Case([verb, "--metadata", "{url}", *extra], code, ok),
                               Case([verb, "--metadata", "sqlite:///{tmp}/none.sqlite", *extra], 2,
                                    refused("none.sqlite"))],
        f"{verb} --pipeline": [Case([verb, "--metadata", "{url}", "--pipeline", "penguin", *extra], code, ok),
                               Case([verb, "--metadata", "{url}", "--pipeline", "nope", *extra], 2,
                                    refused("no runs of pipeline 'nope'"))],
        f"{verb} --root": [Case([verb, "{spec}", "--root", "{root}", *extra], code, ok),
                           Case([verb, "--metadata", "{url}", "--root", "{root}", *extra], 2, refused("--root"))],
        f"{verb} --set": [Case([verb, "{spec}", "--set", "pipeline.root={root}", *extra], code, ok),
                          Case([verb, "{spec}", "--set", "bogus.key=1", *extra], 2, located("bogus: unknown key")),
                          Case([verb, "{spec}", "--set", "trainer.epochs=3", *extra], 2,
                               refused("--set trainer.epochs: an audit reads only"))],
        f"{verb} --format": ([Case([verb, "--metadata", "{url}", "--format", "json", *extra], 0, parses_as_json)]
                             if json_ok else []),
    }


CASES: dict[str, list[Case]] = {
    "--version": [Case(["--version"], 0, says("tfxkit "))],
    # init writes a small project: fast, nothing runs
    "init --example": [Case(["init", "{tmp}/p", "--example", "penguin"], 0, wrote("p/pipelines/penguin.yaml")),
                       Case(["init", "{tmp}/q", "--example", "nope"], 2, refused("nope"))],
    "init --force": [Case(["init", "{tmp}", "--force"], 0, wrote("pipelines/penguin.yaml"))],
    "validate --root": [Case(["validate", "{spec}", "--root", "{root}"], 0, says("ok: "))],
    "validate --set": [Case(["validate", "{spec}", "--set", "bogus.key=1"], 2, located("bogus: unknown key")),
                       Case(["validate", "{spec}", "--set", "trainer.epochs=3"], 0, says("ok: "))],
    "plan --json": [Case(["plan", "{spec}", "--json"], 0, parses_as_json)],
    "plan --target": [Case(["plan", "{spec}", "--target", "kubeflow", *CLUSTER], 0, says("on Kubeflow"))],
    "plan --image": [Case(["plan", "{spec}", "--target", "kubeflow", *CLUSTER], 0, says("image registry.example/x:1"))],
    "plan --pipeline-root": [Case(["plan", "{spec}", "--target", "kubeflow", *CLUSTER], 0,
                                  says("root gs://bucket/root"))],
    "plan --root": [Case(["plan", "{spec}", "--root", "{tmp}"], 0, lambda r: f"root {r.tmp}" in r.stdout)],
    "plan --set": [Case(["plan", "{spec}", "--set", "trainer.epochs=3"], 0, says("epochs = 3")),
                   Case(["plan", "{spec}", "--set", "bogus.key=1"], 2, located("bogus: unknown key"))],
    # run: refusals before the spec loads, and a stub where TFX would start (`stub`)
    "run --runner": [Case(["run", "{spec}", "--runner", "flink"], 2, refused("invalid choice: 'flink'")),
                     Case(["run", "{spec}", "--runner", "beam"], 1, refused("runner='beam'"),
                          {"tfxkit.runners.run:run_spec": reached("run_spec")})],
    "run --beam-arg": [Case(["run", "{spec}", "--beam-arg=nonsense"], 2, refused("--beam-arg")),
                       Case(["run", "{spec}", "--beam-arg=--direct_num_workers=2"], 1,
                            refused("--direct_num_workers=2"), {"tfxkit.runners.run:run_spec": reached("run_spec")})],
    "run --verbose": [Case(["run", "{spec}", "--verbose"], 1, refused("verbose=True"),
                           {"tfxkit.runners.run:run_spec": reached("run_spec")})],
    "run --force": [Case(["run", "{spec}", "--force"], 1, refused("force=True"),
                         {"tfxkit.runners.run:run_spec": reached("run_spec")})],
    "run --root": [Case(["run", "{spec}", "--root", "{tmp}"], 1, lambda r: f"root={r.tmp}" in r.stderr,
                        {"tfxkit.runners.run:run_spec": reached("run_spec")})],
    "run --set": [Case(["run", "{spec}", "--set", "bogus.key=1"], 2, located("bogus: unknown key"))],
    # watch: a bad --every is refused; a look on a fresh root runs, up to a stub where TFX would start (`stub`)
    "watch --every": [Case(["watch", "{spec}", "--every", "10"], 2, refused("expected a duration like 30s")),
                      Case(["watch", "{spec}", "--root", "{tmp}", "--every", "30s"], 1, refused("pause reached: 30"),
                           {"tfxkit.runners.watch:look_at": lambda loaded: _UNCHANGED,
                            "tfxkit.runners.watch:pause": reached("pause")})],
    "watch --once": [Case(["watch", "{spec}", "--once", "--root", "{tmp}"], 1, refused("run_spec reached"),
                          {"tfxkit.runners.run:run_spec": reached("run_spec")})],
    "watch --root": [Case(["watch", "{spec}", "--once", "--root", "{tmp}"], 1, lambda r: f"root={r.tmp}" in r.stderr,
                          {"tfxkit.runners.run:run_spec": reached("run_spec")})],
    "watch --set": [Case(["watch", "{spec}", "--once", "--set", "bogus.key=1"], 2, located("bogus: unknown key")),
                    Case(["watch", "{spec}", "--once", "--root", "{tmp}", "--set", "trainer.epochs=3"], 1,
                         lambda r: "first look" in r.stdout, {"tfxkit.runners.run:run_spec": reached("run_spec")})],
    "runs --limit": [Case(["runs", "--metadata", "{url}", "--limit", "1"], 0, says("1 run shown")),
                     Case(["runs", "--metadata", "{url}", "--limit", "-3"], 2, refused("--limit: expected 1 or more"))],
    **_audit("runs", [], says("3 runs shown")),
    **_audit("models", [], says("2 model versions")),
    # rollback on the shared (read-only) history: --dry-run plans it and changes nothing; tests/registry rolls back
    **_audit("rollback", ["--reason", "r", "--dry-run"], says("would serve model")),
    "rollback --to": [Case(["rollback", "--metadata", "{url}", "--to", "{version}", "--reason", "r", "--dry-run"], 0,
                           says_filled("(version {version}, pushed by run")),
                      Case(["rollback", "--metadata", "{url}", "--to", "5", "--reason", "r"], 2,
                           refused("--to 5: pipeline 'penguin' pushed no version 5")),
                      Case(["rollback", "--metadata", "{url}", "--to", "v1", "--reason", "r"], 2,
                           refused("--to: expected a whole number"))],
    "rollback --reason": [Case(["rollback", "--metadata", "{url}", "--reason", "canary errors", "--dry-run"], 0,
                               says("reason: canary errors")),
                          Case(["rollback", "--metadata", "{url}", "--reason", " "], 2, refused("--reason: say why")),
                          Case(["rollback", "--metadata", "{url}"], 2, refused("--reason"))],
    "rollback --dry-run": [Case(["rollback", "--metadata", "{url}", "--reason", "r", "--dry-run"], 0,
                                says("dry run: nothing was changed"))],
    # gc on the shared (read-only) history: --dry-run plans and changes nothing; tests/registry/test_gc.py removes
    "gc --metadata": [Case(["gc", "--metadata", "{url}", "--keep", "1"], 2, refused("--metadata: gc removes files"))],
    "gc --pipeline": [Case(["gc", "{spec}", "--root", "{root}", "--pipeline", "penguin", "--keep", "1", "--dry-run"],
                           0, says("gc pipeline penguin")),
                      Case(["gc", "{spec}", "--root", "{root}", "--pipeline", "nope", "--keep", "1", "--dry-run"], 2,
                           refused("no runs of pipeline 'nope'"))],
    "gc --format": [Case(["gc", "{spec}", "--root", "{root}", "--keep", "1", "--dry-run", "--format", "json"], 0,
                         parses_as_json)],
    "gc --root": [Case(["gc", "{spec}", "--root", "{root}", "--keep", "3", "--dry-run"], 0,
                       says("would remove 0 artifacts"))],
    "gc --set": [Case(["gc", "{spec}", "--set", "pipeline.root={root}", "--set", "pipeline.keep_runs=1", "--dry-run"],
                      0, says("keeping the last 1 run (")),
                 Case(["gc", "{spec}", "--set", "pipeline.keep_runs=0", "--dry-run"], 2,
                      located("pipeline.keep_runs"))],
    "gc --keep": [Case(["gc", "{spec}", "--root", "{root}", "--keep", "2", "--dry-run"], 0,
                       says("keeping the last 2 runs (")),
                  Case(["gc", "{spec}", "--root", "{root}", "--keep", "0"], 2, refused("--keep: expected 1 or more")),
                  Case(["gc", "{spec}", "--root", "{root}"], 2, refused("--keep: say how many"))],
    "gc --dry-run": [Case(["gc", "{spec}", "--root", "{root}", "--keep", "1", "--dry-run"], 0,
                          says("(dry run: nothing was changed)"))],
    # promote on the shared (read-only) history, its pushes in <root>/serving named `staging`: --dry-run plans the
    # copy to `production`; tests/registry promotes
    "promote --metadata": [Case(["promote", "--metadata", "{url}", "{version}", "--to", "production"], 2,
                                refused("--metadata: promote reads the destinations from the spec"))],
    "promote --pipeline": [Case([*PROMOTE, "--pipeline", "penguin", "--to", "production", "--dry-run"], 0,
                                says("would promote model")),
                           Case([*PROMOTE, "--pipeline", "nope", "--to", "production", "--dry-run"], 2,
                                refused("no runs of pipeline 'nope'"))],
    "promote --format": [Case([*PROMOTE, "--to", "production", "--dry-run", "--format", "json"], 0, parses_as_json)],
    "promote --root": [Case(["promote", "{spec}", "{version}", "--root", "{root}", "--set", DESTINATIONS, "--to",
                             "production", "--dry-run"], 0, says_filled("in {tmp}/prod"))],
    "promote --set": [Case([*PROMOTE, "--to", "production", "--dry-run"], 0, says_filled("in {tmp}/prod")),
                      Case([*PROMOTE, "--set", "bogus.key=1", "--to", "production"], 2, located("bogus: unknown key")),
                      Case([*PROMOTE, "--set", "trainer.epochs=3", "--to", "production"], 2,
                           refused("--set trainer.epochs: an audit reads only"))],
    "promote --to": [Case([*PROMOTE, "--to", "production", "--dry-run"], 0, says("to production")),
                     Case([*PROMOTE, "--to", "prod", "--dry-run"], 2, refused("--to prod: no destination 'prod'")),
                     Case([*PROMOTE], 2, refused("--to"))],
    "promote --reason": [Case([*PROMOTE, "--to", "production", "--reason", "canary ok", "--dry-run"], 0,
                              says("reason: canary ok"))],
    "promote --dry-run": [Case([*PROMOTE, "--to", "production", "--dry-run"], 0, says("dry run: nothing was changed"))],
    **_audit("lineage", [], says("served now")),
    "lineage --from-data": [Case(["lineage", "--metadata", "{url}", "--from-data", "{data}"], 0,
                                 says("models trained on it")),
                            Case(["lineage", "--metadata", "{url}", "--from-data", "{data}", "--spec"], 2,
                                 refused("--from-data prints text or json"))],
    "lineage --spec": [Case(["lineage", "--metadata", "{url}", "--spec"], 0, says("# spec ")),
                       Case(["lineage", "--metadata", "{url}", "--spec", "--format", "json"], 0,
                            lambda r: "resolved" in json.loads(r.stdout)),
                       Case(["lineage", "--metadata", "{url}", "--spec", "--format", "dot"], 2,
                            refused("--spec prints the recorded spec as text (YAML) or json, not dot"))],
    "lineage --output": [Case(["lineage", "--metadata", "{url}", "-o", "{tmp}/l.txt"], 0, wrote("l.txt", "served now")),
                         Case(["lineage", "--metadata", "{url}", "--format", "json", "-o", "{tmp}/l.json"], 0,
                              lambda r: "model" in json.loads((r.tmp / "l.json").read_text())),
                         Case(["lineage", "--metadata", "{url}", "--format", "dot", "-o", "{tmp}/l.dot"], 0,
                              wrote("l.dot", "digraph provenance")),
                         Case(["lineage", "--metadata", "{url}", "--format", "html", "-o", "{tmp}/l.html"], 0,
                              wrote("l.html", "<html")),
                         Case(["lineage", "--metadata", "{url}", "--spec", "-o", "{tmp}/s.yaml"], 0,
                              wrote("s.yaml", "# spec ")),
                         Case(["lineage", "--metadata", "{url}", "--from-data", "{data}", "-o", "{tmp}/r.txt"], 0,
                              wrote("r.txt", "models trained on it"))],
    **_audit("diff", ["latest"], says("pipeline penguin: run")),
    **_audit("report", ["-o", "{tmp}/r.html"], wrote("r.html", "<html"), json_ok=False),
    "report --format": [Case(["report", "--metadata", "{url}", "--format", "json"], 2, refused("invalid choice"))],
    "report --output": [Case(["report", "--metadata", "{url}", "-o", "{tmp}/x/r.html"], 0, wrote("x/r.html", "<html"))],
    "report --models": [Case(["report", "--metadata", "{url}", "--models", "-o", "{tmp}/m.html"], 0,
                             wrote("m.html", 'id="models"')),
                        Case(["report", "--metadata", "{url}", "--models", "latest"], 2, refused("latest"))],
    **_audit("reproduce", ["latest"], says("# The spec of run")),
    "reproduce --output": [Case(["reproduce", "--metadata", "{url}", "latest", "-o", "{tmp}/s.yaml"], 0,
                                wrote("s.yaml", "pipeline:")),
                           Case(["reproduce", "--metadata", "{url}", "latest", "--format", "json", "-o",
                                 "{tmp}/s.json"], 0, lambda r: "pipeline" in json.loads((r.tmp / "s.json").read_text()))],
    # tensorboard: up to the server, which a stub stands in for (`stub`): the URL it waited on names host and port
    **_audit("tensorboard", [], lambda r: "TensorBoard did not start" in r.stderr, json_ok=False, code=1),
    "tensorboard --format": [Case(["tensorboard", "--metadata", "{url}", "--format", "json"], 2,
                                  refused("invalid choice"))],
    "tensorboard --port": [Case(["tensorboard", "--metadata", "{url}", "--port", "7007"], 1, refused(":7007/")),
                           Case(["tensorboard", "--metadata", "{url}", "--port", "0"], 2,
                                refused("--port: expected from 1 to 65535"))],
    "tensorboard --host": [Case(["tensorboard", "--metadata", "{url}", "--host", "0.0.0.0", "--port", "7007"], 1,
                                refused("http://0.0.0.0:7007/"))],
    "schema --output": [Case(["schema", "-o", "{tmp}/s.json"], 0,
                             lambda r: "properties" in json.loads((r.tmp / "s.json").read_text()))],
    # schema update reads the store, then relaxes with TFDV (heavy): the history has no gated run, so it refuses
    "schema update --metadata": [Case(["schema", "update", "--metadata", "{url}"], 2,
                                      refused("no run of pipeline 'penguin' was stopped by the data gate"))],
    "schema update --pipeline": [Case(["schema", "update", "--metadata", "{url}", "--pipeline", "nope"], 2,
                                      refused("no runs of pipeline 'nope'"))],
    "schema update --output": [Case(["schema", "update", "--metadata", "{url}", "{run}", "-o", "{tmp}/s.pbtxt"], 0,
                                    wrote("s.pbtxt", "feature"))],
    "schema update --root": [Case(["schema", "update", "{spec}", "--root", "{root}"], 2,
                                  refused("no run of pipeline 'penguin' was stopped by the data gate"))],
    "schema update --set": [Case(["schema", "update", "{spec}", "--set", "bogus.key=1"], 2,
                                 located("bogus: unknown key"))],
    # compile: refusals up to TFX, and a stub where TFX's compiler would start (`stub`)
    "compile --target": [Case(["compile", "{spec}", "--target", "vertex", "-o", "{tmp}/p.yaml"], 2,
                              refused("a Vertex PipelineJob is JSON"))],
    "compile --output": [Case(["compile", "{spec}"], 2, refused("-o FILE is required"))],
    "compile --smoke-run": [Case(["compile", "{spec}", "--smoke-run", "{tmp}/smoke"], 2,
                                 located("no kubeflow section"))],
    "compile --image": [Case(["compile", "{spec}", "-o", "{tmp}/p.json", *CLUSTER], 1,
                             refused("image=registry.example/x:1"),
                             {"tfxkit.deploy.compile:compile_job": reached("compile_job")})],
    "compile --pipeline-root": [Case(["compile", "{spec}", "-o", "{tmp}/p.json", *CLUSTER], 1,
                                     refused("pipeline_root=gs://bucket/root"),
                                     {"tfxkit.deploy.compile:compile_job": reached("compile_job")}),
                                Case(["compile", "{spec}", "-o", "{tmp}/p.json", "--pipeline-root", "relative/x"], 2,
                                     located("'relative/x' is a local path"))],
    "compile --root": [Case(["compile", "{spec}", "-o", "{tmp}/p.json", "--root", "{tmp}", *CLUSTER], 1,
                            lambda r: f"root={r.tmp}" in r.stderr,
                            {"tfxkit.deploy.compile:compile_job": reached("compile_job")})],
    "compile --set": [Case(["compile", "{spec}", "-o", "{tmp}/p.json", "--set", "bogus.key=1"], 2,
                           located("bogus: unknown key"))],
    # deploy: the host is checked before compiling; past it, stubs for TFX's compiler and the upload (`stub`)
    "deploy --host": [Case(["deploy", "{spec}", "--host", "http://127.0.0.1:9", *CLUSTER], 1,
                           refused("127.0.0.1:9"))],
    **{f"deploy {flag}": [Case(["deploy", "{spec}", "--host", "http://kfp", flag, *values, *CLUSTER], 1,
                               refused(shown), {"tfxkit.deploy.upload:check_reachable": lambda host: None,
                                                "tfxkit.deploy.compile:compile_job": lambda *a: {},
                                                "tfxkit.deploy.compile:render": lambda *a: "{}",
                                                "tfxkit.deploy.upload:upload": reached("upload")})]
       for flag, values, shown in (("--experiment", ["exp1"], "'exp1'"), ("--run", [], "True"),
                                   ("--version", ["v7"], "'v7'"), ("--namespace", ["team-a"], "'team-a'"))},
    **{f"deploy {flag}": [Case(["deploy", "{spec}", "--host", "http://kfp", *CLUSTER], 1, refused(shown),
                               {"tfxkit.deploy.upload:check_reachable": lambda host: None,
                                "tfxkit.deploy.compile:compile_job": reached("compile_job")})]
       for flag, shown in (("--image", "image=registry.example/x:1"), ("--pipeline-root", "gs://bucket/root"))},
    "deploy --root": [Case(["deploy", "{spec}", "--host", "http://kfp", "--root", "{tmp}", *CLUSTER], 1,
                           lambda r: f"root={r.tmp}" in r.stderr,
                           {"tfxkit.deploy.upload:check_reachable": lambda host: None,
                            "tfxkit.deploy.compile:compile_job": reached("compile_job")})],
    "deploy --schedule": [
        Case(["deploy", "{spec}", "--host", "http://kfp", "--schedule", "0 3 * * *", *CLUSTER], 1,
             refused("ScheduleRequest(cron='0 0 3 * * *')"), {"tfxkit.deploy.upload:check_reachable": lambda host: None,
                                                              "tfxkit.deploy.compile:compile_job": lambda *a: {},
                                                              "tfxkit.deploy.compile:render": lambda *a: "{}",
                                                              "tfxkit.deploy.upload:upload": reached("upload")}),
        Case(["deploy", "{spec}", "--host", "http://kfp", "--schedule", "0 3 * * 9", *CLUSTER], 2,
             refused("--schedule '0 3 * * 9': day of week 9 is out of range (expected 0-6)"))],
    "deploy --set": [Case(["deploy", "{spec}", "--host", "http://kfp", "--set", "bogus.key=1"], 2,
                          located("bogus: unknown key"))],
    "image --output": [Case(["image", "{spec}", "-o", "{tmp}/Dockerfile"], 0, wrote("Dockerfile", "FROM "))],
    "image --base": [Case(["image", "{spec}", "-o", "-", "--base", "python:3.11-slim"], 0,
                          says("ARG BASE=python:3.11-slim"))],
    "image --set": [Case(["image", "{spec}", "-o", "-", "--set", "bogus.key=1"], 2, located("bogus: unknown key")),
                    Case(["image", "{spec}", "-o", "-", "--set", "schema.file=../schemas/penguin.pbtxt"], 0,
                         says("COPY schemas/penguin.pbtxt"))],
}


def _options(parser: argparse.ArgumentParser, verb: str = "") -> list[str]:
    """'VERB --option' for every option of every (sub)verb, by its long name."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _options(sub, f"{verb} {name}".strip())
        elif action.option_strings and not isinstance(action, argparse._HelpAction):
            long = max(action.option_strings, key=len)
            found.append(f"{verb} {long}".strip())
    return found


OPTIONS = _options(build_parser())


def test_every_option_has_a_case():
    missing = [option for option in OPTIONS if not CASES.get(option)]
    assert not missing, f"options without a case in CASES (honoured or refused?): {', '.join(missing)}"
    assert not set(CASES) - set(OPTIONS), f"cases for options that do not exist: {set(CASES) - set(OPTIONS)}"


@pytest.mark.parametrize("option", OPTIONS)
def test_option_is_honoured_or_refused(option, lineage_history, tmp_path, monkeypatch, capsys):
    import tfxkit.commands.tensorboard as tensorboard

    # the server's stand-in (`stub`), for the tensorboard verb only; the test process keeps its SIGTERM handler
    monkeypatch.setattr(tensorboard, "subprocess", types.SimpleNamespace(
        Popen=_FakeServer, DEVNULL=None, TimeoutExpired=TimeoutError))
    monkeypatch.setattr(tensorboard, "signal", types.SimpleNamespace(signal=lambda *args: None, SIGTERM=None))
    h = lineage_history
    values = {"spec": SPEC, "url": h.pipeline.url, "version": Path(h.first.pushed_to).name, "root": str(h.pipeline.root), "run": h.second.run_id,
              "data": str(h.pipeline.data_file), "tmp": str(tmp_path)}
    for i, case in enumerate(CASES.get(option, [])):
        for target, replacement in case.stubs.items():
            module, attribute = target.split(":")
            if module == "tfxkit.runners.run":  # importing it would import the run machinery: a stand-in module
                monkeypatch.setitem(sys.modules, module, types.SimpleNamespace(**{attribute: replacement}))
            else:
                monkeypatch.setattr(f"{module}.{attribute}", replacement)
        work = tmp_path / f"case{i}"
        work.mkdir()
        values["tmp"] = str(work)
        args = [a.format(**values) for a in case.args]
        monkeypatch.chdir(work)
        try:
            code = main(args)
        except SystemExit as exit_:  # argparse's refusals and --version end the parse
            code = exit_.code
        out = capsys.readouterr()
        result = Result(code, out.out, out.err, work, dict(values))
        assert (code, case.check(result)) == (case.code, True), f"{option}: tfxkit {' '.join(args)}\n{out}"
