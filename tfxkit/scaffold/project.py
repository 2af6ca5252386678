"""Write a new project from the packaged templates.

Every template file ends in `.tmpl` (so no template is mistaken for a tfxkit module, a test or a
Bazel package) and may hold `{{name}}` placeholders; dotfiles are stored without their dot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from tfxkit.config.names import PIPELINE_NAME

TEMPLATES = Path(__file__).parent / "templates"
SUFFIX = ".tmpl"
DOTFILES = {"gitignore": ".gitignore", "bazelignore": ".bazelignore", "bazelrc": ".bazelrc"}
EXECUTABLE = (".sh",)


class ScaffoldError(Exception):
    """A one-line reason why the project was not written."""


@dataclass(frozen=True)
class Written:
    """What `write_project` wrote: the project folder and its files (relative paths, sorted)."""

    root: Path
    files: tuple[str, ...]
    spec: str


def examples() -> list[str]:
    """The example names `--example` accepts."""
    return sorted(p.name for p in (TEMPLATES / "examples").iterdir() if p.is_dir())


def project_name(folder: Path) -> str:
    """A valid pipeline name from the folder's name (letters, digits, _ and -; starts with a letter)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", folder.name).strip("_-")
    if not name or not name[0].isalpha():
        name = f"p_{name}" if name else "pipeline"
    name = name[:63]
    return name if re.match(PIPELINE_NAME, name) else "pipeline"


def tfxkit_requirement() -> str:
    """What the new project's `make setup` installs tfxkit as: this tfxkit's released version.

    Never a path of the machine that ran `init` (a checkout or a wheel folder): the project is
    meant to be committed and cloned elsewhere. `make setup TFXKIT=...` installs from a checkout.
    """
    try:
        return f"tfxkit=={metadata.version('tfxkit')}"
    except metadata.PackageNotFoundError:
        return "tfxkit"


def _templates(example: str) -> list[tuple[Path, str]]:
    """(template file, relative output path) for the common files and the example's, example last."""
    out = []
    for base in (TEMPLATES / "common", TEMPLATES / "examples" / example):
        for path in sorted(base.rglob(f"*{SUFFIX}")):
            relative = path.relative_to(base).as_posix()[: -len(SUFFIX)]
            head, _, name = relative.rpartition("/")
            name = DOTFILES.get(name, name) if not head else name
            out.append((path, f"{head}/{name}" if head else name))
    return out


def write_project(target: Path, example: str = "penguin", force: bool = False) -> Written:
    """Write the project into `target` (created if missing). Refuses a non-empty folder unless `force`,
    in which case the template's files replace same-named ones and other files are left alone."""
    if example not in examples():
        raise ScaffoldError(f"--example {example}: unknown example (known: {', '.join(examples())})")
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target}: exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ScaffoldError(f"{target}: folder is not empty (use --force to write into it anyway)")
    spec = f"pipelines/{example}.yaml"
    values = {
        "project": project_name(target.resolve()),
        "workspace": re.sub(r"[^A-Za-z0-9_]", "_", project_name(target.resolve())),
        "example": example,
        "spec": spec,
        "tfxkit_requirement": tfxkit_requirement(),
    }
    written = []
    for template, relative in _templates(example):
        text = template.read_text()
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", value)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if path.suffix in EXECUTABLE:
            path.chmod(0o755)
        written.append(relative)
    return Written(target, tuple(sorted(written)), spec)
