"""A problem in a spec's YAML itself (syntax, structure, encoding, limits), with its position."""

from __future__ import annotations


class YamlProblem(Exception):
    """A problem in the YAML itself (syntax, structure, encoding, limits), with its position."""

    def __init__(self, line: int, col: int, message: str, path: tuple = ()):
        self.line, self.col, self.message, self.path = line, col, message, tuple(path)
        super().__init__(f"{line}:{col}: {message}")

    @property
    def problems(self) -> list["YamlProblem"]:
        return [self]


class YamlProblems(YamlProblem):
    """Several problems found in one pass (e.g. three forbidden tags); the first one's fields lead."""

    def __init__(self, problems: list[YamlProblem]):
        first = problems[0]
        super().__init__(first.line, first.col, first.message, first.path)
        self._problems = list(problems)

    @property
    def problems(self) -> list[YamlProblem]:
        return self._problems
