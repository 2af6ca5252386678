"""Entry point of every pytest_test (bazel/pytest.bzl): pytest on the files Bazel passes as arguments.

Runs in the test's runfiles folder, where pyproject.toml (markers, warning filters) sits at the root.
No cache folder: the runfiles are Bazel's, not ours to write.
"""

import sys

import pytest

if __name__ == "__main__":
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "-m", "not e2e", *sys.argv[1:]]))
