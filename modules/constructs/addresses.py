"""Pinning Terraform addresses so they never depend on construct nesting or order."""

from __future__ import annotations

from typing import Protocol, TypeVar


class _HasLogicalId(Protocol):
    def override_logical_id(self, new_logical_id: str) -> None: ...


Element = TypeVar("Element", bound=_HasLogicalId)


def pinned(element: Element, logical_id: str) -> Element:
    """`element` with the Terraform name `logical_id`, whatever construct holds it."""
    element.override_logical_id(logical_id)
    return element
