"""The vendored penguins CSV is the palmerpenguins package's file with NA cells blanked."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_penguins_csv_matches_the_package():
    package = Path(importlib.util.find_spec("palmerpenguins").submodule_search_locations[0])
    original = (package / "data/penguins.csv").read_text().splitlines()
    ours = (REPO_ROOT / "data/penguins/penguins.csv").read_text().splitlines()
    assert len(ours) == len(original) == 345
    for a, b in zip(original, ours):
        assert [("" if cell == "NA" else cell) for cell in a.split(",")] == b.split(",")
