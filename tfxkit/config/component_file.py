"""A custom component's file, read without importing it: its class, inputs, outputs and parameters.

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
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from tfxkit.config.did_you_mean import did_you_mean


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
        hint = did_you_mean(class_name, classes, f"classes: {', '.join(classes) or 'none'}")
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
