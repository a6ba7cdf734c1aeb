"""Progress lines on stderr for the steps that take long, with elapsed seconds.

Only on a terminal, and only for a step still running after a second: a pre-commit hook, a CI
log or a fast `validate` gets no lines at all. stdout stays for results (the summary, the
report), so piping them is unaffected; --quiet silences the lines on a terminal too.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

# A step that ends sooner is not worth a line: it would only scroll the results away.
SLOW_STEP_SECONDS = 1.0


class Progress:
    def __init__(self, quiet: bool, stream: TextIO | None = None, *, after: float | None = None) -> None:
        self._quiet = quiet
        self._stream = stream
        self._after = SLOW_STEP_SECONDS if after is None else after

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        """`label ...` once the step has run for `after` seconds, `label: done in N.N s` when such
        a step ends (nothing after a failure)."""
        if not self._shown():
            yield
            return
        announce = threading.Timer(self._after, self._say, (f"{label} ...",))
        announce.daemon = True
        start = time.perf_counter()
        if self._after <= 0:
            announce.run()  # every step is slow enough: its line now, in this thread
        else:
            announce.start()
        try:
            yield
        finally:
            announce.cancel()
        elapsed = time.perf_counter() - start
        if elapsed >= self._after:
            if announce.is_alive():
                announce.join()  # its line, if it was due, is out before the closing one
            self._say(f"{label}: done in {elapsed:.1f} s")

    def _shown(self) -> bool:
        stream = self._stream or sys.stderr
        return not self._quiet and stream.isatty()

    def _say(self, line: str) -> None:
        print(line, file=self._stream or sys.stderr, flush=True)
