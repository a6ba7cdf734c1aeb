"""JSON from a file anyone can write (a plan, a marker), read without recursing into its depth.

`json.loads` recurses once per nested array or object: 100,000 `[` are a RecursionError, not
an answer. The nesting is measured first, in one pass over the brackets outside strings, and
a document deeper than MAX_DEPTH is refused as a ValueError, like any other text that is not JSON.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

# Terraform's JSON plan nests a resource's attributes a few dozen levels at most; the limit
# stays far below Python's recursion limit (1,000 frames, the caller's included).
MAX_DEPTH = 256
STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
NOT_BRACKET = re.compile(r"[^\[\]{}]+")
STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class TooDeep(ValueError):
    """Nested deeper than MAX_DEPTH."""


def depth(text: str) -> int:
    """How deep the arrays and objects of `text` nest (brackets inside strings do not count)."""
    brackets = NOT_BRACKET.sub("", STRING.sub("", text)).encode("ascii")
    return max(accumulate(STEP[bracket] for bracket in brackets), default=0)


def loads(text: str) -> Any:
    """`json.loads`, but TooDeep (a ValueError) for nesting deeper than MAX_DEPTH."""
    found = depth(text)
    if found > MAX_DEPTH:
        raise TooDeep(f"nested {found} levels deep; the limit is {MAX_DEPTH}")
    return json.loads(text)
