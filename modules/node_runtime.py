"""The Node.js that runs the jsii kernel, checked once.

jsii prints an eleven-line banner on every kernel start when Node.js is past its end of life
(Node 20 since 2026-04-30), and it arrives in our output as `b'!! ...'` lines. groupfolders
says it once, in one line, and silences the banner through jsii's own variable, which names
the silenced major versions.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

SILENCE_VARIABLE = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"
# The oldest major version that the Node.js project still maintains (Node 20 ended 2026-04-30).
OLDEST_MAINTAINED_MAJOR = 22
VERSION = re.compile(r"v(\d+)\.\d+\.\d+\S*")


def quiet_end_of_life_banner() -> None:
    """Before the kernel starts: one line instead of jsii's banner, unless the user chose already."""
    if SILENCE_VARIABLE in os.environ:
        return
    major = node_major()
    if major is None or major >= OLDEST_MAINTAINED_MAJOR:
        return
    os.environ[SILENCE_VARIABLE] = str(major)
    print(
        f"groupfolders: Node.js {major} is past its end of life; "
        f"use Node.js {OLDEST_MAINTAINED_MAJOR} or later (jsii's banner about it is silenced)",
        file=sys.stderr,
    )


def node_major() -> int | None:
    """The major version of `node` on PATH; None when there is none (jsii then says so itself)."""
    node = shutil.which("node")
    if node is None:
        return None
    try:
        answer = subprocess.run([node, "--version"], capture_output=True, text=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = VERSION.fullmatch(answer.stdout.strip())
    return int(version.group(1)) if version else None
