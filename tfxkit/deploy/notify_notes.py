"""What a spec's `notify` section needs on Kubeflow, said at compile time (no TFX import, like target.py).

The section compiles to an exit-handler task (tfxkit.components.notify_exit)
that runs in the pipeline's image with the env and secrets of every task. Two
things can make it silent without failing anything, so each is one warning:
- a variable the section names (webhook_env, a headers_env value) that neither
  kubeflow.secrets nor kubeflow.env sets: that target warns in the task's log
  and sends nothing (the cluster may still inject it by other means, so this
  is a warning, not a refusal);
- an outcome the exit handler cannot see (it gets KFP's final state only): a
  data-gate stop arrives as `failed`, a finished run as `succeeded`, so
  `when: [data_stopped]` without `failed`, or `pushed`/`not_blessed` without
  `succeeded`, would never fire.
"""

from __future__ import annotations

from collections.abc import Iterator

from tfxkit.config.load import LoadedSpec

# The outcomes a local run tells apart that reach the exit handler as another: what each arrives as.
ARRIVES_AS = {"data_stopped": "failed", "pushed": "succeeded", "not_blessed": "succeeded"}


def notify_notes(loaded: LoadedSpec) -> Iterator[tuple[tuple, str]]:
    """(the key, the note) for each thing the cluster needs for the notify section to reach its targets."""
    notify, kubeflow = loaded.spec.notify, loaded.spec.kubeflow
    if notify is None or kubeflow is None:
        return
    on_pods = set(kubeflow.secrets) | set(kubeflow.env)
    for i, target in enumerate(notify.targets):
        named = ([(("webhook_env",), target.webhook_env)] if target.webhook_env else []) + [
            (("headers_env", header), variable) for header, variable in target.headers_env.items()]
        for key, variable in named:
            if variable not in on_pods:
                yield (("notify", "targets", i, *key), f"${variable} is set on no Kubeflow task: that target "
                       f"will send nothing (expected kubeflow.secrets: {{{variable}: secret-name/key}})")
    for event, arrives_as in ARRIVES_AS.items():
        if event in notify.when and arrives_as not in notify.when:
            yield (("notify", "when"), f"{event}: on Kubeflow the exit handler sees the run's final state only, "
                   f"so this outcome arrives as '{arrives_as}', which `when` does not list: add it")
