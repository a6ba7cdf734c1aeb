"""Progress lines on stderr for the long steps, with elapsed seconds; silent with --quiet.

stdout stays for results (the summary, the report), so piping them is unaffected.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    def __init__(self, quiet: bool, stream: TextIO | None = None) -> None:
        self._quiet = quiet
        self._stream = stream

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """`label ...` before the step, `label: done in N.N s` after it (nothing after a failure)."""
        self._say(f"{label} ...")
        start = time.perf_counter()
        yield
        self._say(f"{label}: done in {time.perf_counter() - start:.1f} s")

    def _say(self, line: str) -> None:
        if not self._quiet:
            print(line, file=self._stream or sys.stderr, flush=True)
