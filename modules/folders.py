"""Which folders contain one another, in time linear in their total length.

S3 keys are case-sensitive, but two folders that differ only in case are a mistake waiting to
happen, so containment is decided on lower-cased folders. Every folder ends in '/', so one
folder contains another exactly when it is one of the other's '/'-prefixes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence


def _prefixes(folder: str) -> Iterator[str]:
    """`a/b/c/` → `a/`, `a/b/`, `a/b/c/`."""
    for position, character in enumerate(folder):
        if character == "/":
            yield folder[: position + 1]


def first_overlaps(folders: Sequence[str]) -> Iterator[tuple[int, int]]:
    """(index, earlier index) for every folder that contains, lies in or equals an earlier one
    (case ignored), paired with the earliest such folder."""
    exact: dict[str, int] = {}  # lower-cased folder → its first index
    under: dict[str, int] = {}  # lower-cased '/'-prefix → first index of a folder inside it
    for index, folder in enumerate(folders):
        lowered = folder.lower()
        prefixes = list(_prefixes(lowered))
        candidates = [exact[prefix] for prefix in prefixes if prefix in exact]
        if lowered in under:
            candidates.append(under[lowered])
        if candidates:
            yield index, min(candidates)
        exact.setdefault(lowered, index)
        for prefix in prefixes:
            under.setdefault(prefix, index)
