"""Custom components named in a spec's `components:` section, read without importing them.

`tfxkit validate` must stay fast and must not import TensorFlow or TFX, yet it
should say whether `components.serving_check.component.ServingCheck` exists,
which inputs it takes and what kind each parameter is. So the component's file
is found on disk and parsed with `ast`: the class, its `SPEC_CLASS`, and that
spec's INPUTS / OUTPUTS (ChannelParameter(type=...)) and PARAMETERS
(ExecutionParameter(type=..., optional=...)), written as dict literals the way
TFX's own components write them. The same reading gives the DAG its wiring
(`tfxkit.dag.plan`) and the runner the folder whose source is hashed into the
cache key (`code_hash`).
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

Problem = tuple[tuple, str, bool]

# Filled by tfxkit when a component's spec declares it (JSON: pipeline, spec hash, data and schema file facts).
RUN_FACTS = "run_facts"
# The execution property tfxkit adds to every custom component: its source hash, so TFX's cache key follows code.
CODE_HASH_PROPERTY = "tfxkit_code_hash"
# Aliases a spec may use for nodes whose id depends on the spec (csv vs tfrecord, curated vs inferred schema).
ALIASES = {"ExampleGen": ("CsvExampleGen", "ImportExampleGen"), "SchemaGen": ("ImportSchemaGen", "SchemaGen")}
KINDS = {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false", "list": "a list",
         "dict": "a mapping"}


@dataclass(frozen=True)
class Port:
    """One input or output channel: its artifact type's name and whether it may be left out."""

    type: str
    optional: bool = False


@dataclass(frozen=True)
class Parameter:
    """One execution parameter: its kind (int, float, str, bool, list, dict; else the written type) and whether
    it may be left out (optional in the spec, or a default in __init__)."""

    kind: str
    optional: bool = False


@dataclass(frozen=True)
class ComponentInfo:
    """What the AST of a component file says about one component class."""

    module: str  # import path of the module, e.g. components.serving_check.component
    class_name: str
    file: Path
    import_root: Path  # the folder to put on sys.path so that `module` imports
    spec_class: str
    inputs: dict[str, Port] = field(default_factory=dict)
    outputs: dict[str, Port] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)

    @property
    def import_path(self) -> str:
        return f"{self.module}.{self.class_name}"

    @property
    def source_folder(self) -> Path:
        """The folder whose code is the component: its own folder, or just the file when it sits in a top-level
        package (e.g. components/my_step.py)."""
        return self.file.parent

    def source_files(self) -> list[Path]:
        """The files hashed into the cache key: the component's folder (recursively) without tests, docs and
        bytecode; only the file itself when the folder is the top-level package."""
        if self.file.parent.parent == self.import_root:  # components/my_step.py: the file alone
            return [self.file]
        return sorted(p for p in self.source_folder.rglob("*") if p.is_file() and _is_source(p))


def _is_source(path: Path) -> bool:
    return ("__pycache__" not in path.parts and path.suffix not in (".pyc", ".md")
            and not path.name.startswith(("test_", ".")) and not path.name.endswith("_test.py"))


class ComponentNotFound(Exception):
    """The class reference cannot be resolved; the message says what was looked for."""


def code_hash(info: ComponentInfo) -> str:
    """sha256 over the component's source files (relative names and bytes), hex."""
    digest = hashlib.sha256()
    for path in info.source_files():
        digest.update(str(path.relative_to(info.source_folder)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def search_roots(base_dir: Path) -> list[Path]:
    """Where a dotted class path is looked for: the spec's folder and its ancestors (the project), then sys.path."""
    roots = [base_dir, *base_dir.parents]
    roots += [Path(p).resolve() for p in sys.path if p and os.path.isdir(p)]
    out: list[Path] = []
    for root in roots:
        if root not in out:
            out.append(root)
    return out


def resolve_reference(reference: str, base_dir: Path) -> tuple[str, str, Path, Path]:
    """(module, class, file, import root) for 'pkg.module.Class' or 'path/to/file.py:Class' (relative to the
    spec's folder)."""
    if ":" in reference or reference.endswith(".py"):
        file_part, sep, class_name = reference.rpartition(":")
        if not sep or not class_name:
            raise ComponentNotFound(f"'{reference}' names a file but no class (expected path/to/file.py:ClassName)")
        file = (base_dir / file_part).resolve()
        if not file.is_file():
            raise ComponentNotFound(f"file not found: '{file}' (expected a Python file under components/)")
        root, parts = file.parent, [file.stem]
        while (root / "__init__.py").is_file():
            parts.insert(0, root.name)
            root = root.parent
        if len(parts) < 2:
            raise ComponentNotFound(f"'{file}' is not inside a package (expected a folder with __init__.py, "
                                    "e.g. components/)")
        return ".".join(parts), class_name, file, root
    parts = reference.split(".")
    if len(parts) < 2 or not all(p.isidentifier() for p in parts):
        raise ComponentNotFound(f"'{reference}' is not a class path (expected package.module.ClassName or "
                                "path/to/file.py:ClassName)")
    module, class_name = parts[:-1], parts[-1]
    for root in search_roots(base_dir):
        candidate = root.joinpath(*module)
        for file in (candidate.with_suffix(".py"), candidate / "__init__.py"):
            if file.is_file() and all((root.joinpath(*module[:i]) / "__init__.py").is_file()
                                      for i in range(1, len(module))):
                return ".".join(module), class_name, file.resolve(), root.resolve()
    wanted = "/".join(module) + ".py"
    raise ComponentNotFound(f"no module '{'.'.join(module)}' (looked for {wanted} in the spec's folder, its "
                            "parents and sys.path)")


def read_component(reference: str, base_dir: Path) -> ComponentInfo:
    """Resolve and parse a component class; ComponentNotFound (or SyntaxError) says why not."""
    module, class_name, file, root = resolve_reference(reference, base_dir)
    shown = os.path.relpath(file, root)  # as the import path names it: components/x/component.py
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    strings = _module_strings(tree)
    if class_name not in classes:
        close = difflib.get_close_matches(class_name, list(classes), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"classes: {', '.join(classes) or 'none'}"
        raise ComponentNotFound(f"{shown} has no class '{class_name}' ({hint})")
    cls = classes[class_name]
    spec_name = _assigned_name(cls, "SPEC_CLASS")
    if spec_name is None:
        raise ComponentNotFound(f"class '{class_name}' in {shown} has no SPEC_CLASS (expected a TFX "
                                "BaseComponent with SPEC_CLASS = <its ComponentSpec>)")
    if spec_name not in classes:
        raise ComponentNotFound(f"SPEC_CLASS '{spec_name}' of '{class_name}' is not defined in {shown} "
                                "(expected the ComponentSpec beside its component)")
    spec = classes[spec_name]
    defaults = _init_defaults(cls)
    inputs = {k: Port(t, o or k in defaults) for k, (t, o) in _spec_dict(spec, "INPUTS", strings).items()}
    outputs = {k: Port(t, o) for k, (t, o) in _spec_dict(spec, "OUTPUTS", strings).items()}
    params = {k: Parameter(t, o or k in defaults) for k, (t, o) in _spec_dict(spec, "PARAMETERS", strings).items()}
    return ComponentInfo(module, class_name, file, root, spec_name, inputs, outputs, params)


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = 'string' constants (TFX specs key their dicts by such names)."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.value.value
    return out


def _assigned_name(cls: ast.ClassDef, attribute: str) -> Optional[str]:
    for node in cls.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attribute for t in node.targets):
            return _last_name(node.value)
    return None


def _last_name(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _init_defaults(cls: ast.ClassDef) -> set[str]:
    """Arguments of __init__ that have a default value."""
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == "__init__":
            args = node.args
            positional = args.posonlyargs + args.args
            with_defaults = positional[len(positional) - len(args.defaults):] if args.defaults else []
            names = {a.arg for a in with_defaults}
            names |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
            return names
    return set()


def _kind(node: Optional[ast.AST]) -> str:
    """int, float, str, bool, list, dict, or the type as written (a proto message, Any, ...)."""
    if node is None:
        return "any"
    if isinstance(node, ast.Subscript):  # List[str], Dict[str, Any], list[int]
        base = _last_name(node.value) or ""
        return {"List": "list", "list": "list", "Dict": "dict", "dict": "dict"}.get(base, ast.unparse(node))
    name = _last_name(node)
    if name in ("int", "float", "str", "bool"):
        return name
    if name in ("List", "list"):
        return "list"
    if name in ("Dict", "dict"):
        return "dict"
    return ast.unparse(node)


def _spec_dict(spec: ast.ClassDef, attribute: str, strings: dict[str, str]) -> dict[str, tuple[str, bool]]:
    """{key: (type name, optional)} from `ATTRIBUTE = {'key': XParameter(type=..., optional=...)}` in the spec."""
    for node in spec.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) \
            else []
        if not any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
            continue
        if not isinstance(node.value, ast.Dict):
            raise ComponentNotFound(f"{spec.name}.{attribute} is not a dict literal (tfxkit reads it without "
                                    "importing the component)")
        out = {}
        for key, value in zip(node.value.keys, node.value.values):
            name = key.value if isinstance(key, ast.Constant) else strings.get(_last_name(key) or "")
            if not isinstance(name, str) or not isinstance(value, ast.Call):
                raise ComponentNotFound(f"{spec.name}.{attribute}: line {value.lineno}: expected 'name': "
                                        "ChannelParameter(...) or ExecutionParameter(...)")
            keywords = {k.arg: k.value for k in value.keywords}
            type_node = keywords.get("type", value.args[0] if value.args else None)
            optional_node = keywords.get("optional")
            optional = isinstance(optional_node, ast.Constant) and optional_node.value is True
            if attribute == "PARAMETERS":
                out[name] = (_kind(type_node), optional)
            else:
                out[name] = (_last_name(type_node) or "Artifact", optional)
        return out
    return {}


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


def check_components(spec: Any, base_dir: Path, reserved_ids: tuple[str, ...]) -> Iterator[Problem]:
    """Every problem in `components:` that the component files reveal: the class, its inputs' and parameters'
    names, required ones left out, parameter values of the wrong kind. The wiring (upstream outputs, cycles)
    is checked against the planned DAG by `tfxkit.dag.plan.component_problems`."""
    seen: dict[str, int] = {}
    for i, entry in enumerate(spec.components):
        where = ("components", i)
        if entry.name in reserved_ids or entry.name in ALIASES:
            yield where + ("name",), f"'{entry.name}' is the id of a standard component (expected a name of its " \
                "own)", False
        elif entry.name in seen:
            yield where + ("name",), f"'{entry.name}' is already the name of components[{seen[entry.name]}] " \
                "(expected unique names)", False
        seen.setdefault(entry.name, i)
        try:
            info = read_component(entry.class_, base_dir)
        except (ComponentNotFound, SyntaxError, UnicodeDecodeError, OSError) as exc:
            message = str(exc) if isinstance(exc, ComponentNotFound) else f"cannot read the component: {exc}"
            yield where + ("class",), message, False
            continue
        yield from _check_ports(where, info, entry.inputs)
        yield from _check_parameters(where, info, entry.parameters)


def _check_ports(where: tuple, info: ComponentInfo, given: dict[str, str]) -> Iterator[Problem]:
    unknown = [key for key in given if key not in info.inputs]
    for key, source in given.items():
        node, dot, output = source.partition(".")
        if key in unknown:
            yield where + ("inputs", key), f"{info.class_name} has no input '{key}' ({_hint(key, info.inputs)})", True
        elif not dot or not node or not output or "." in output:
            yield where + ("inputs", key), f"{source!r} is not an upstream output (expected Node.output, e.g. " \
                f"{_example_source(info.inputs[key].type)})", False
    for key, port in info.inputs.items():
        misspelled = difflib.get_close_matches(key, unknown, n=1, cutoff=0.6)  # one mistake, one line
        if not port.optional and key not in given and not misspelled:
            yield where + ("inputs",), f"{info.class_name} needs input '{key}' (a {port.type}, e.g. " \
                f"{_example_source(port.type)})", True


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
            yield where + ("parameters", key), f"'{key}' is set by tfxkit (the component's source hash)", True
        elif param is None:
            yield where + ("parameters", key), f"{info.class_name} has no parameter '{key}' " \
                f"({_hint(key, info.parameters)})", True
        elif key == RUN_FACTS:
            yield where + ("parameters", key), f"'{RUN_FACTS}' is filled by tfxkit (spec hash, data and schema " \
                "fingerprints); remove it", True
        elif param.kind not in KINDS and param.kind != "any":
            yield where + ("parameters", key), f"{info.class_name}'s parameter '{key}' is of type {param.kind}, " \
                "which a spec cannot set (expected int, float, str, bool, list or dict parameters)", True
        elif not value_fits(param.kind, value):
            yield where + ("parameters", key), f"expected {KINDS[param.kind]} ({info.spec_class} declares " \
                f"ExecutionParameter(type={param.kind})), got {_yaml_kind(value)}", False
    unknown = [key for key in given if key not in info.parameters]
    for key, param in info.parameters.items():
        misspelled = difflib.get_close_matches(key, unknown, n=1, cutoff=0.6)
        if not param.optional and key not in given and key != RUN_FACTS and not misspelled:
            yield where + ("parameters",), f"{info.class_name} needs parameter '{key}' ({KINDS.get(param.kind, param.kind)})", True


def _hint(key: str, known: dict) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"it has: {', '.join(known)}" if known else "it has none"
