"""The `components` section: custom TFX components added to the DAG, checked against their files.

Each entry names a component class; its file is read without importing it
(`tfxkit.config.component_file`) to check the class, its inputs' and parameters'
names, the required ones left out, and parameter values of the wrong kind. The
wiring (upstream outputs, cycles) is checked against the planned DAG by
`tfxkit.dag.plan.component_problems`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from pydantic import Field

from tfxkit.config.component_file import ComponentInfo, ComponentNotFound, read_component
from tfxkit.config.did_you_mean import closest, did_you_mean
from tfxkit.config.node_ids import ALIASES
from tfxkit.config.problem import Problem
from tfxkit.config.sections.strict import Strict

COMPONENT_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,62}$"
# Filled by tfxkit when a component's spec declares it (JSON: pipeline, spec hash, data and schema file facts).
RUN_FACTS = "run_facts"
# The execution property tfxkit adds to every custom component: its source hash, so TFX's cache key follows code.
CODE_HASH_PROPERTY = "tfxkit_code_hash"
KINDS = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false", "list": "a list",
         "dict": "a mapping"}


class CustomComponentSection(Strict):
    """A custom TFX component added to the DAG (see components/ and README "Custom components")."""

    name: str = Field(pattern=COMPONENT_NAME, description="Its node id in the DAG, e.g. ServingCheck.")
    class_: str = Field(alias="class", min_length=1, description="package.module.ClassName (looked up from the "
                        "spec's folder upward, then sys.path), or path/to/file.py:ClassName relative to the spec.")
    inputs: dict[str, str] = Field(default_factory=dict, description="Input name -> upstream output, e.g. "
                                   "model: Trainer.model (ExampleGen and SchemaGen name whichever the spec uses).")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Execution parameters, checked against "
                                       "the component's ComponentSpec.")
    before_push: bool = Field(default=False, description="The Pusher waits for it; an InfraBlessing output gates "
                              "the Pusher (its infra_blessing input).")


def value_fits(kind: str, value: Any) -> bool:
    """Whether a YAML value fits a parameter kind (an integer fits a float; a bool fits no number)."""
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    if kind == "list":
        return isinstance(value, list)
    if kind == "dict":
        return isinstance(value, dict)
    return kind == "any"


def _yaml_kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (a bool)"
    if isinstance(value, (int, float)):
        return f"{value!r} (a number)"
    if isinstance(value, str):
        return f"{value!r} (a string)"
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else repr(value)


def check_components(components: list[CustomComponentSection], base_dir: Path, reserved_ids: tuple[str, ...]
                     ) -> Iterator[Problem]:
    """Every problem in `components:` that the component files reveal: the class, its inputs' and parameters'
    names, required ones left out, parameter values of the wrong kind. The wiring (upstream outputs, cycles)
    is checked against the planned DAG by `tfxkit.dag.plan.component_problems`."""
    seen: dict[str, int] = {}
    for i, entry in enumerate(components):
        where = ("components", i)
        if entry.name in reserved_ids or entry.name in ALIASES:
            yield Problem(where + ("name",), f"'{entry.name}' is the id of a standard component (expected a name "
                          "of its own)")
        elif entry.name in seen:
            yield Problem(where + ("name",), f"'{entry.name}' is already the name of "
                          f"components[{seen[entry.name]}] (expected unique names)")
        seen.setdefault(entry.name, i)
        try:
            info = read_component(entry.class_, base_dir)
        except (ComponentNotFound, SyntaxError, UnicodeDecodeError, OSError) as exc:
            message = str(exc) if isinstance(exc, ComponentNotFound) else f"cannot read the component: {exc}"
            yield Problem(where + ("class",), message)
            continue
        yield from _check_ports(where, info, entry.inputs)
        yield from _check_parameters(where, info, entry.parameters)


def _check_ports(where: tuple, info: ComponentInfo, given: dict[str, str]) -> Iterator[Problem]:
    unknown = [key for key in given if key not in info.inputs]
    for key, source in given.items():
        node, dot, output = source.partition(".")
        if key in unknown:
            yield Problem(where + ("inputs", key), f"{info.class_name} has no input '{key}' "
                          f"({_hint(key, info.inputs)})", True)
        elif not dot or not node or not output or "." in output:
            yield Problem(where + ("inputs", key), f"{source!r} is not an upstream output (expected Node.output, "
                          f"e.g. {_example_source(info.inputs[key].type)})")
    for key, port in info.inputs.items():
        misspelled = closest(key, unknown)  # one mistake, one line
        if not port.optional and key not in given and not misspelled:
            yield Problem(where + ("inputs",), f"{info.class_name} needs input '{key}' (a {port.type}, e.g. "
                          f"{_example_source(port.type)})", True)


def _example_source(artifact_type: str) -> str:
    examples = {"Model": "Trainer.model", "Examples": "ExampleGen.examples", "ModelEvaluation": "Evaluator.evaluation",
                "ModelBlessing": "Evaluator.blessing", "ExampleStatistics": "StatisticsGen.statistics",
                "Schema": "SchemaGen.schema", "ModelRun": "Trainer.model_run", "PushedModel": "Pusher.pushed_model",
                "TransformGraph": "Transform.transform_graph"}
    return examples.get(artifact_type, "Node.output")


def _check_parameters(where: tuple, info: ComponentInfo, given: dict[str, Any]) -> Iterator[Problem]:
    for key, value in given.items():
        param = info.parameters.get(key)
        if key == CODE_HASH_PROPERTY:
            yield Problem(where + ("parameters", key), f"'{key}' is set by tfxkit (the component's source hash)",
                          True)
        elif param is None:
            yield Problem(where + ("parameters", key), f"{info.class_name} has no parameter '{key}' "
                          f"({_hint(key, info.parameters)})", True)
        elif key == RUN_FACTS:
            yield Problem(where + ("parameters", key), f"'{RUN_FACTS}' is filled by tfxkit (spec hash, data and "
                          "schema fingerprints); remove it", True)
        elif param.kind not in KINDS and param.kind != "any":
            yield Problem(where + ("parameters", key), f"{info.class_name}'s parameter '{key}' is of type "
                          f"{param.kind}, which a spec cannot set (expected int, float, str, bool, list or dict "
                          "parameters)", True)
        elif not value_fits(param.kind, value):
            yield Problem(where + ("parameters", key), f"expected {KINDS[param.kind]} ({info.spec_class} declares "
                          f"ExecutionParameter(type={param.kind})), got {_yaml_kind(value)}")
    unknown = [key for key in given if key not in info.parameters]
    for key, param in info.parameters.items():
        misspelled = closest(key, unknown)
        if not param.optional and key not in given and key != RUN_FACTS and not misspelled:
            yield Problem(where + ("parameters",), f"{info.class_name} needs parameter '{key}' "
                          f"({KINDS.get(param.kind, param.kind)})", True)


def _hint(key: str, known: dict) -> str:
    return did_you_mean(key, known, f"it has: {', '.join(known)}" if known else "it has none")
