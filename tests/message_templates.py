"""The messages a module can give a user, read from its source, each as a pattern.

A message is a string literal or f-string that is assigned to `reason`, raised as a
`ValueError`, or passed to `problem(...)`/`_group_problem(...)`. Its literal parts must
appear in order; each `{...}` field stands for anything. Used to show that every message
has a case in the bad-input corpus.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

MESSAGE_CALLS = frozenset({"ValueError", "problem", "_group_problem"})
# Shorter literal text is a fragment (a path, a separator), not a message.
SHORTEST_MESSAGE = 12


@dataclass(frozen=True)
class Template:
    where: str  # file:line
    text: str  # the message with each field as {}

    def given_in(self, line: str) -> bool:
        """The literal parts appear in `line`, in order (the earliest place of each is the best)."""
        position = 0
        for piece in self.text.split("{}"):
            found = line.find(piece, position)
            if found < 0:
                return False
            position = found + len(piece)
        return True


def templates(source: Path) -> list[Template]:
    found = []
    for node in ast.walk(ast.parse(source.read_text())):
        for value in _message_values(node):
            parts = _parts(value)
            literal = "".join(part for part in parts or [] if part is not None)
            if parts is not None and len(literal) >= SHORTEST_MESSAGE:
                text = "".join("{}" if part is None else part for part in parts)
                found.append(Template(f"{source.name}:{value.lineno}", text))
    return found


def _message_values(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "reason" for t in node.targets
    ):
        return [node.value]
    if isinstance(node, ast.Call):
        function = node.func
        name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        if name in MESSAGE_CALLS:
            return list(node.args)
    return []


def _parts(node: ast.expr) -> list[str | None] | None:
    """Literal text and None for each field; None when `node` is not a string expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value if isinstance(v, ast.Constant) else None for v in node.values]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _parts(node.left), _parts(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.IfExp):  # either branch: a field
        return [None]
    return None
