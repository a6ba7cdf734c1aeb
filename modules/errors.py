"""Configuration problems, collected so that a run reports all of them at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one configuration file."""

    file: str
    path: str
    reason: str
    line: int | None = None  # where the value is written, when it is (1-based)
    column: int | None = None

    def __str__(self) -> str:
        """`file:line:column: path: reason`, the form editors and CI annotations link to."""
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.reason}" if self.path else f"{where}: {self.reason}"


class ConfigError(Exception):
    """Raised with every problem found; the CLI prints them and exits with 2."""

    def __init__(self, problems: list[Problem]) -> None:
        # By file and position, as an editor lists them; problems without a position lead their
        # file, and ties keep the order in which validation found them.
        self.problems = tuple(sorted(dict.fromkeys(problems), key=_position))
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """` (did you mean 'read'?)` when `word` is close to one of `known` (case ignored), else nothing."""
    by_lower = {candidate.lower(): candidate for candidate in known}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""


def _position(problem: Problem) -> tuple[str, int, int]:
    return problem.file, problem.line or 0, problem.column or 0
