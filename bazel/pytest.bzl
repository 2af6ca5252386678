"""pytest_test: one py_test per test file, run by pytest on the registered (.venv) interpreter."""

def pytest_test(name, srcs, deps = [], data = [], **kwargs):
    """A py_test that runs pytest on `srcs` (fast tests only: `-m "not e2e"`).

    The files run under pytest with the repository's pyproject.toml settings, as `make test-fast`
    runs them; every test also gets tests/conftest.py and the example pipelines, schemas and data.
    """
    native.py_test(
        name = name,
        srcs = srcs + ["//bazel:pytest_main.py"],
        main = "//bazel:pytest_main.py",
        args = ["$(rootpath %s)" % src for src in srcs],
        deps = deps + ["//tests:support"],
        data = data + ["//:pyproject", "//:examples"],
        python_version = "PY3",
        srcs_version = "PY3",
        **kwargs
    )
