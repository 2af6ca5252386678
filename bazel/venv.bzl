"""The project's virtualenv interpreter as Bazel's Python toolchain (no download, no rules_python).

Bazel 4's native py_test runs whatever py_runtime the registered toolchain names. This repository
rule finds `<workspace>/.venv/bin/python` (made by `make setup` from requirements.txt) or the
interpreter named by TFXKIT_PYTHON, and generates a py_runtime + toolchain for it, so the tests
run on the same locked TFX stack as `make test`.
"""

def _venv_python_impl(rctx):
    python = rctx.os.environ.get("TFXKIT_PYTHON", "")
    if not python:
        python = "%s/.venv/bin/python" % rctx.path(Label("//:WORKSPACE")).dirname
    if not rctx.path(python).exists:
        fail("%s does not exist: run `make setup` first (or set TFXKIT_PYTHON to a Python with the locked stack)" % python)
    rctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % rctx.name)
    rctx.file("BUILD", """\
load("@bazel_tools//tools/python:toolchain.bzl", "py_runtime_pair")

py_runtime(
    name = "venv_py3",
    interpreter_path = "{python}",
    python_version = "PY3",
)

py_runtime_pair(
    name = "venv_pair",
    py3_runtime = ":venv_py3",
)

toolchain(
    name = "toolchain",
    toolchain = ":venv_pair",
    toolchain_type = "@bazel_tools//tools/python:toolchain_type",
)
""".format(python = python))

venv_python = repository_rule(
    implementation = _venv_python_impl,
    environ = ["TFXKIT_PYTHON"],
    local = True,
)
