"""`tfxkit deploy FILE --host URL [--experiment NAME] [--run] [--schedule CRON|none]`: compile, upload with the kfp
client, run, and keep the pipeline's recurring run on the new version (or remove it)."""

from __future__ import annotations

import argparse
import os
import tempfile

from tfxkit.commands.common import EXIT_OK, EXIT_RUN_FAILED, CommandError, add_overrides


def run(args: argparse.Namespace) -> int:
    from tfxkit.commands.compile import load_target
    from tfxkit.deploy.schedule import ScheduleError, parse_schedule
    from tfxkit.deploy.upload import ServerRefused, UnreachableHost, check_reachable, upload

    try:
        schedule = parse_schedule(args.schedule) if args.schedule is not None else None
    except ScheduleError as error:
        raise CommandError(f"--schedule {error}") from None
    loaded, target = load_target(args)  # refusals first: nothing is uploaded for a spec that cannot work
    try:
        check_reachable(args.host)  # before the minute of TFX imports that compiling costs
    except UnreachableHost as error:
        raise CommandError(str(error), EXIT_RUN_FAILED) from None
    from tfxkit.deploy.compile import compile_job, render
    from tfxkit.deploy.files import write_atomically

    job = compile_job(loaded, target)
    with tempfile.TemporaryDirectory() as tmp:
        package = os.path.join(tmp, "pipeline.yaml")
        write_atomically(package, render(loaded, job, "kubeflow", package))
        version = args.version or loaded.spec_hash()
        try:
            deployed = upload(args.host, package, target.name, version, args.experiment, args.run,
                              loaded.spec.kubeflow.service_account, args.namespace, schedule)
        except (UnreachableHost, ServerRefused) as error:
            raise CommandError(str(error), EXIT_RUN_FAILED) from None
    print(f"uploaded {target.name} version {deployed.version_name} (pipeline {deployed.pipeline_id})")
    if deployed.run_url:
        print(f"run {deployed.run_id}: {deployed.run_url}")
    scheduled = deployed.scheduled
    if scheduled is not None and scheduled.cron is not None:
        print(f"schedule '{scheduled.name}' ({scheduled.recurring_run_id}) runs at '{scheduled.cron}' (KFP's cron, "
              f"seconds first){f', replacing {scheduled.replaced}' if scheduled.replaced else ''}")
    elif scheduled is not None:
        print(f"schedule '{scheduled.name}' " + (f"removed ({scheduled.replaced})" if scheduled.replaced
                                                 else "was not there: nothing removed"))
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    from tfxkit.commands.compile import add_cluster_flags

    p = sub.add_parser("deploy", help="compile and upload to Kubeflow Pipelines; --run starts a run")
    p.add_argument("file")
    p.add_argument("--host", required=True, help="KFP API endpoint, e.g. http://localhost:8080")
    p.add_argument("--experiment", help="experiment for --run (default: Default)")
    p.add_argument("--run", action="store_true", help="start a run and print its URL")
    p.add_argument("--version", help="pipeline version name (default: the spec hash)")
    p.add_argument("--namespace", help="Kubeflow namespace (multi-user installs)")
    p.add_argument("--schedule", metavar="CRON", help="create or replace the pipeline's recurring run on this version: "
                   "a crontab line ('0 3 * * *'), @daily/@hourly/..., or 'none' to remove it")
    add_cluster_flags(p)
    add_overrides(p)
    p.set_defaults(func=run)
