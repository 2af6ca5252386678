"""Every module and fast test file is in a Bazel target, so `bazel test //:fast` builds and runs them all.

The BUILD files are Starlark, a subset of Python: they are evaluated here with small stand-ins for the
rules they use (py_library, pytest_test, glob, ...), so this check needs no Bazel and runs in the fast
suite. tests/e2e is left out on purpose: those real pipeline runs belong to `make test`, not to Bazel.
"""

from __future__ import annotations

import glob as globlib
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("tfxkit", "components", "tests")  # every .py under these must be in a target
SKIPPED = ("tests/e2e",)
RULES_WITH_SOURCES = ("py_library", "py_test", "py_binary", "pytest_test")


def _package_boundaries(root: Path) -> set[Path]:
    return {Path(d) for d, _, files in os.walk(root) if "BUILD" in files or "BUILD.bazel" in files}


def _evaluate(build: Path, root: Path, packages: set[Path]) -> tuple[set[Path], list[str]]:
    """(source files named by the rules in one BUILD file, problems such as a listed file that is missing)."""
    here = build.parent
    sources: set[Path] = set()
    problems: list[str] = []

    def glob(include, exclude=(), **_):
        found = set()
        for pattern in include:
            for match in globlib.glob(str(here / pattern), recursive=True):
                path = Path(match)
                # A glob stops at a subpackage (a folder with its own BUILD file), as Bazel's does.
                inside = [p for p in path.parents if here in p.parents or p == here]
                if path.is_file() and not any(p in packages and p != here for p in inside):
                    found.add(path)
        for pattern in exclude:
            found -= {Path(m) for m in globlib.glob(str(here / pattern), recursive=True)}
        return sorted(str(p.relative_to(here)) for p in found)

    def rule(kind):
        def record(name=None, srcs=(), **_):
            for src in srcs:
                if src.startswith(("//", "@")):
                    continue  # another package's file: that package accounts for it
                path = here / src.lstrip(":")
                if not path.is_file():
                    problems.append(f"{build.relative_to(root)}: {kind} {name!r} names {src!r}, which does not exist")
                sources.add(path)
        return record

    def ignore(*_, **__):
        return None

    env = {kind: rule(kind) for kind in RULES_WITH_SOURCES}
    env.update(glob=glob, load=ignore, package=ignore, filegroup=ignore, test_suite=ignore, exports_files=ignore,
               sh_binary=ignore, alias=ignore, len=len)
    exec(compile(build.read_text(), str(build), "exec"), env)  # noqa: S102 - our own BUILD files
    return sources, problems


def coverage_problems(root: Path) -> list[str]:
    """One line per module or test file in no BUILD target, and per BUILD entry naming a missing file."""
    packages = _package_boundaries(root)
    covered: set[Path] = set()
    problems: list[str] = []
    for top in CHECKED:
        for build in sorted((root / top).rglob("BUILD")):
            sources, found = _evaluate(build, root, packages)
            covered |= sources
            problems += found
    for top in CHECKED:
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if "__pycache__" in path.parts or relative.startswith(SKIPPED) or path in covered:
                continue
            home = next((p for p in path.parents if p in packages), None)
            if home is None or root not in home.parents:
                hint = f"add a BUILD file to {path.parent.relative_to(root)}/ (see tfxkit/dag/BUILD)"
            elif home != path.parent and not path.name.startswith("test_"):
                hint = (f"add it to a py_library in {home.relative_to(root)}/BUILD, or give "
                        f"{path.parent.relative_to(root)}/ a BUILD file of its own (see tfxkit/dag/BUILD)")
            elif path.name.startswith("test_") and "FAST_TESTS" in (home / "BUILD").read_text():
                hint = f"add {path.name!r} to FAST_TESTS in {home.relative_to(root)}/BUILD"
            elif path.name.startswith("test_"):
                hint = f"add a pytest_test for it to {home.relative_to(root)}/BUILD"
            else:
                hint = f"add it to a py_library in {home.relative_to(root)}/BUILD"
            problems.append(f"{relative}: in no Bazel target ({hint})")
    return problems


def test_every_module_and_fast_test_file_is_in_a_bazel_target():
    assert coverage_problems(REPO_ROOT) == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_module_outside_any_target_a_test_not_listed_and_a_missing_source_are_each_reported(tmp_path):
    root = _tree(tmp_path, {
        "tfxkit/__init__.py": "", "tfxkit/BUILD": 'py_library(name = "package", srcs = ["__init__.py"])\n',
        "tfxkit/dag/plan.py": "", "tfxkit/dag/BUILD": 'py_library(name = "dag", srcs = glob(["*.py"]))\n',
        "tfxkit/newpkg/thing.py": "",  # a new subpackage without a BUILD file
        "components/__init__.py": "",
        "components/BUILD": 'py_library(name = "components", srcs = ["__init__.py", "gone.py"])\n',
        "tests/__init__.py": "", "tests/test_listed.py": "", "tests/test_forgotten.py": "",
        "tests/e2e/test_slow.py": "",
        "tests/BUILD": ('py_library(name = "support", srcs = ["__init__.py"])\n'
                        'FAST_TESTS = ["test_listed.py"]\n'
                        '[pytest_test(name = t[:-len(".py")], srcs = [t]) for t in FAST_TESTS]\n'),
    })
    assert coverage_problems(root) == [
        "components/BUILD: py_library 'components' names 'gone.py', which does not exist",
        "tfxkit/newpkg/thing.py: in no Bazel target (add it to a py_library in tfxkit/BUILD, or give tfxkit/newpkg/ "
        "a BUILD file of its own (see tfxkit/dag/BUILD))",
        "tests/test_forgotten.py: in no Bazel target (add 'test_forgotten.py' to FAST_TESTS in tests/BUILD)",
    ]


def test_a_glob_does_not_reach_into_a_subpackage_with_its_own_build_file(tmp_path):
    root = _tree(tmp_path, {
        "tfxkit/BUILD": 'py_library(name = "all", srcs = glob(["**/*.py"]))\n', "tfxkit/a.py": "",
        "tfxkit/sub/BUILD": 'py_library(name = "sub", srcs = [])\n', "tfxkit/sub/b.py": "",
    })
    assert coverage_problems(root) == ["tfxkit/sub/b.py: in no Bazel target (add it to a py_library in tfxkit/sub/BUILD)"]


def test_the_fast_suite_names_every_package_with_tests():
    root_build = (REPO_ROOT / "BUILD").read_text()
    for top in ("tests", "components"):
        build = REPO_ROOT / top / "BUILD"
        if build.is_file() and "pytest_test(" in build.read_text():
            assert f'"//{top}:fast"' in root_build, f"BUILD: test_suite fast does not name //{top}:fast"
