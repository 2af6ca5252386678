"""The `components:` section: each mistake is one located line, found without importing TFX.

Specs are tests.config.spec_files.BASE (33 lines) plus a components section from
line 34, in a tmp project holding a copy of components/ (and, for the cycle and
kind cases, small component files written here: they are only parsed, never
imported).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.config.spec_files import BASE, write_spec
from tests.conftest import REPO_ROOT
from tfxkit.config.component_file import code_hash, read_component
from tfxkit.config.errors import SpecErrors
from tfxkit.config.load import load_spec
from tfxkit.dag.plan import component_problems, plan_nodes

CHECK = """\
components:
  - name: ServingCheck
    class: components.serving_check.component.ServingCheck
    inputs:
      model: Trainer.model
      examples: ExampleGen.examples
    parameters:
      num_examples: 10
      max_latency_p95_ms: 100
    before_push: true
"""
# 34 components   36 class   38 model   39 examples   41 num_examples   42 max_latency_p95_ms   43 before_push

RELAY = '''\
from tfx import types
from tfx.dsl.components.base import base_component
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ExecutionParameter

MODEL_KEY = "model"


class RelaySpec(types.ComponentSpec):
    PARAMETERS = {"ratio": ExecutionParameter(type=float), "tags": ExecutionParameter(type=list, optional=True)}
    INPUTS = {MODEL_KEY: ChannelParameter(type=standard_artifacts.Model)}
    OUTPUTS = {"relayed": ChannelParameter(type=standard_artifacts.Model)}


class Relay(base_component.BaseComponent):
    SPEC_CLASS = RelaySpec

    def __init__(self, model, ratio=0.5, tags=None):
        pass
'''


def project(tmp_path: Path, components: str, relay: bool = False) -> Path:
    """BASE + `components` in tmp_path, beside a copy of components/ (and components/relay when asked)."""
    shutil.copytree(REPO_ROOT / "components", tmp_path / "components",
                    ignore=shutil.ignore_patterns("__pycache__"))
    if relay:
        (tmp_path / "components" / "relay").mkdir()
        (tmp_path / "components" / "relay" / "__init__.py").write_text("")
        (tmp_path / "components" / "relay" / "component.py").write_text(RELAY)
    return write_spec(tmp_path, text=BASE + components)


def errors(path: Path) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        load_spec(path, more_checks=(component_problems,))
    return [str(e) for e in info.value.errors]


def edited(*edits: tuple[str, str]) -> str:
    text = CHECK
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_the_example_pipeline_validates_and_plans_its_components():
    loaded = load_spec(REPO_ROOT / "pipelines/penguin_checked.yaml", more_checks=(component_problems,))
    nodes = {n.id: n for n in plan_nodes(loaded)}
    order = [n.id for n in plan_nodes(loaded)]
    assert nodes["Pusher"].inputs["infra_blessing"] == "ServingCheck.blessing"
    assert nodes["ServingCheck"].inputs == {"model": "Trainer.model", "examples": "CsvExampleGen.examples"}
    assert order.index("ServingCheck") < order.index("Pusher") < order.index("ModelCard")
    assert nodes["ModelCard"].inputs["pushed_model"] == "Pusher.pushed_model"
    assert nodes["ModelCard"].outputs == ("model_card",)


def test_a_valid_section_plans_the_component_before_the_pusher(tmp_path):
    loaded = load_spec(project(tmp_path, CHECK), more_checks=(component_problems,))
    nodes = {n.id: n for n in plan_nodes(loaded)}
    assert nodes["ServingCheck"].params["parameters"]["num_examples"] == 10
    assert nodes["Pusher"].inputs["infra_blessing"] == "ServingCheck.blessing"


@pytest.mark.parametrize("edit, expected", [
    (("ServingCheck\n    inputs", "ServingChek\n    inputs"),
     "36:12: components[0].class: components/serving_check/component.py has no class 'ServingChek' "
     "(did you mean 'ServingCheck'?)"),
    (("components.serving_check.component.ServingCheck", "components.serving_chek.component.ServingCheck"),
     "36:12: components[0].class: no module 'components.serving_chek.component' (looked for "
     "components/serving_chek/component.py in the spec's folder, its parents and sys.path)"),
    (("components.serving_check.component.ServingCheck", "components/serving_check/komponent.py:ServingCheck"),
     "36:12: components[0].class: file not found: '{tmp}/components/serving_check/komponent.py' (expected a "
     "Python file under components/)"),
    (("model: Trainer.model", "model: Trainer.models"),
     "38:14: components[0].inputs.model: Trainer has no output 'models' (outputs: model, model_run)"),
    (("model: Trainer.model", "model: Trainr.model"),
     "38:14: components[0].inputs.model: no component 'Trainr' in this pipeline (did you mean 'Trainer'?)"),
    (("model: Trainer.model", "model: Evaluator.evaluation"),
     "38:14: components[0].inputs.model: Evaluator.evaluation is a ModelEvaluation; input 'model' of "
     "ServingCheck takes a Model"),
    (("model: Trainer.model", "model: Trainer"),
     "38:14: components[0].inputs.model: 'Trainer' is not an upstream output (expected Node.output, "
     "e.g. Trainer.model)"),
    (("model: Trainer.model", "modle: Trainer.model"),
     "38:7: components[0].inputs.modle: ServingCheck has no input 'modle' (did you mean 'model'?)"),
    (("      examples: ExampleGen.examples\n", ""),
     "37:5: components[0].inputs: ServingCheck needs input 'examples' (a Examples, e.g. ExampleGen.examples)"),
    (("num_examples: 10", "num_examples: many"),
     "41:21: components[0].parameters.num_examples: expected an integer (ServingCheckSpec declares "
     "ExecutionParameter(type=int)), got 'many' (a string)"),
    (("num_examples: 10", "num_examples: 10.5"),
     "41:21: components[0].parameters.num_examples: expected an integer (ServingCheckSpec declares "
     "ExecutionParameter(type=int)), got 10.5 (a number)"),
    (("max_latency_p95_ms: 100", "max_latency_p95_ms: true"),
     "42:27: components[0].parameters.max_latency_p95_ms: expected a number (ServingCheckSpec declares "
     "ExecutionParameter(type=float)), got true (a bool)"),
    (("max_latency_p95_ms: 100", "max_latency_p99_ms: 100"),
     "42:7: components[0].parameters.max_latency_p99_ms: ServingCheck has no parameter 'max_latency_p99_ms' "
     "(did you mean 'max_latency_p95_ms'?)"),
    (("name: ServingCheck", "name: Trainer"),
     "35:11: components[0].name: 'Trainer' is the id of a standard component (expected a name of its own)"),
])
def test_each_mistake_is_one_located_line(tmp_path, edit, expected):
    found = errors(project(tmp_path, edited(edit)))
    assert found == [f"{tmp_path / 'spec.yaml'}:{expected.replace('{tmp}', str(tmp_path))}"]


def test_a_cycle_between_custom_components(tmp_path):
    section = """\
components:
  - name: A
    class: components.relay.component.Relay
    inputs: {model: B.relayed}
    parameters: {ratio: 1}
  - name: B
    class: components.relay.component.Relay
    inputs: {model: A.relayed}
    parameters: {ratio: 0.5, tags: [x]}
"""
    found = errors(project(tmp_path, section, relay=True))
    assert found == [f"{tmp_path / 'spec.yaml'}:37:5: components[0].inputs: cycle: A -> B -> A (expected each "
                     "component to read only outputs of components that run before it)"]


def test_before_push_on_a_component_that_reads_the_pusher_is_a_cycle(tmp_path):
    section = """\
components:
  - name: Card
    class: components.model_card.component.ModelCardGen
    inputs: {evaluation: Evaluator.evaluation, pushed_model: Pusher.pushed_model}
    before_push: true
"""
    found = errors(project(tmp_path, section))
    assert len(found) == 1 and found[0].startswith(f"{tmp_path / 'spec.yaml'}:37:5: components[0].inputs: cycle: ")
    assert "Card -> Pusher -> Card" in found[0] or "Pusher -> Card -> Pusher" in found[0]
    assert "before_push: true makes the Pusher wait" in found[0]


def test_required_parameters_lists_and_filled_ones(tmp_path):
    section = """\
components:
  - name: A
    class: components.relay.component.Relay
    inputs: {model: Trainer.model}
    parameters: {tags: nope}
  - name: Card
    class: components.model_card.component.ModelCardGen
    inputs: {evaluation: Evaluator.evaluation}
    parameters: {run_facts: '{}'}
"""
    found = errors(project(tmp_path, section, relay=True))
    spec = tmp_path / "spec.yaml"
    assert found == [
        f"{spec}:38:24: components[0].parameters.tags: expected a list (RelaySpec declares "
        "ExecutionParameter(type=list)), got 'nope' (a string)",
        f"{spec}:42:18: components[1].parameters.run_facts: 'run_facts' is filled by tfxkit (spec hash, data and "
        "schema fingerprints); remove it",
    ]


def test_validate_prints_one_line_and_exits_2_without_importing_tensorflow(tmp_path):
    path = project(tmp_path, edited(("num_examples: 10", "num_examples: many")))
    # `python -m tfxkit` ends the process itself (tfxkit.cli.entry), running exit handlers first.
    probe = ("import atexit, sys, runpy; sys.argv = ['tfxkit', 'validate', sys.argv[1]]\n"
             "atexit.register(lambda: print('HEAVY', [m for m in ('tensorflow', 'tfx', 'apache_beam')\n"
             "                                       if m in sys.modules]))\n"
             "runpy.run_module('tfxkit', run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", probe, str(path)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "HEAVY []" in proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines[0].endswith("41:21: components[0].parameters.num_examples: expected an integer (ServingCheckSpec "
                             "declares ExecutionParameter(type=int)), got 'many' (a string)")
    assert lines[-1] == f"tfxkit: 1 problem in {path}"


def test_code_hash_follows_the_component_folder_not_its_tests_or_docs(tmp_path):
    path = project(tmp_path, CHECK)
    info = read_component("components.serving_check.component.ServingCheck", path.parent)
    before = code_hash(info)
    folder = tmp_path / "components" / "serving_check"
    (folder / "README.md").write_text("docs change\n")
    (folder / "test_serving_check.py").write_text("# a test change\n")
    assert code_hash(info) == before
    executor = folder / "executor.py"
    executor.write_text(executor.read_text() + "\n# a changed executor\n")
    assert code_hash(info) != before
    assert [p.name for p in info.source_files()] == ["__init__.py", "component.py", "executor.py"]


def test_up_to_date_fingerprint_follows_component_code(tmp_path):
    from tfxkit.runners.up_to_date import inputs_fingerprint

    path = project(tmp_path, CHECK)
    base = inputs_fingerprint(load_spec(path), "local", [])
    executor = tmp_path / "components" / "serving_check" / "executor.py"
    executor.write_text(executor.read_text() + "\n# changed\n")
    assert inputs_fingerprint(load_spec(path), "local", []) != base


def test_plan_json_shows_the_component_and_its_code_hash():
    from tests.conftest import run_cli

    result = run_cli("plan", "pipelines/penguin_checked.yaml", "--json")
    assert result.code == 0, result.stderr
    nodes = {n["id"]: n for n in json.loads(result.stdout)}
    info = read_component("components.serving_check.component.ServingCheck", REPO_ROOT / "pipelines")
    assert nodes["ServingCheck"]["params"]["code"] == code_hash(info)[:16]
    assert nodes["ServingCheck"]["component"] == "ServingCheck (custom, components/serving_check/component.py)"
    assert "ServingCheck" in nodes["Pusher"]["inputs"]["infra_blessing"]




def test_built_component_carries_its_code_hash_into_the_compiled_node(tmp_path):
    """TFX's cache key is computed from the compiled node's parameters: the code hash must be one of them."""
    from tfx.dsl.compiler.compiler import Compiler

    from tfxkit.dag.build import build_pipeline

    path = project(tmp_path, CHECK)

    def compiled_hash() -> str:
        ir = Compiler().compile(build_pipeline(load_spec(path)))
        node = next(n.pipeline_node for n in ir.nodes if n.pipeline_node.node_info.id == "ServingCheck")
        return node.parameters.parameters["tfxkit_code_hash"].field_value.string_value

    info = read_component("components.serving_check.component.ServingCheck", tmp_path)
    before = compiled_hash()
    assert before == code_hash(info)
    executor = tmp_path / "components" / "serving_check" / "executor.py"
    executor.write_text(executor.read_text() + "\n# changed\n")
    after = compiled_hash()
    assert after != before and after == code_hash(info)


def test_the_image_carries_the_components_package_on_pythonpath():
    from tfxkit.deploy.image import dockerfile

    checked = dockerfile(load_spec(REPO_ROOT / "pipelines/penguin_checked.yaml"))
    assert "COPY components /app/components\nENV PYTHONPATH=/app\n" in checked
    assert "components" not in dockerfile(load_spec(REPO_ROOT / "pipelines/penguin.yaml"))
