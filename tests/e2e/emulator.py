"""The local AWS emulator (ministack) as a child process on 127.0.0.1 and a free port.

It runs from its own environment (.venv-emulator: it pins a botocore older than the test
tools'), enforces IAM (AUTH=true) and is stopped by its process id, whatever happened.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import PROJECT

HOST = "127.0.0.1"
# The account of the example environments' exempt principals (prod, union), so that the
# folder guard's exemption can be exercised by a role of that account.
ACCOUNT = "123456789012"
REGION = "eu-west-1"
ROOT_KEY = "test"  # the emulator's root credentials (access key and secret)
STARTUP_SECONDS = 60


def python() -> Path:
    return Path(
        os.environ.get("GROUPFOLDERS_E2E_EMULATOR", str(PROJECT / ".venv-emulator" / "bin" / "python"))
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Emulator:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        """Ends the process started here, by its id."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(workdir: Path) -> Emulator:
    """An emulator listening on 127.0.0.1 only; its state lives in `workdir`."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    environment = {
        **os.environ,
        "BIND_HOST": HOST,  # ministack binds 0.0.0.0 unless told
        "GATEWAY_PORT": str(port),
        "AUTH": "true",
        "MINISTACK_ACCOUNT_ID": ACCOUNT,
        "MINISTACK_REGION": REGION,
        "TMPDIR": str(workdir),
        "S3_DATA_DIR": str(workdir / "s3"),
        "LOG_LEVEL": "WARNING",
        "AWS_ACCESS_KEY_ID": ROOT_KEY,
        "AWS_SECRET_ACCESS_KEY": ROOT_KEY,
    }
    log = workdir / "emulator.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(python()), "-m", "ministack"], env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    emulator = Emulator(process, port, log)
    try:
        _wait_ready(emulator)
    except BaseException:
        emulator.stop()
        raise
    return emulator


def _wait_ready(emulator: Emulator) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if emulator.process.poll() is not None:
            raise RuntimeError(
                f"the emulator exited ({emulator.process.returncode}): {emulator.log.read_text()}"
            )
        try:
            with urllib.request.urlopen(f"{emulator.endpoint}/_ministack/health", timeout=2):  # noqa: S310
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise RuntimeError(f"the emulator did not answer on {emulator.endpoint} in {STARTUP_SECONDS} s")


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket that process `pid` or a child of it listens on (Linux
    /proc; IPv6 addresses as the kernel shows them: any IPv6 listener is a finding by itself)."""
    inodes = {inode for process in (pid, *_children(pid)) for inode in _socket_inodes(process)}
    found = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            address, _, port = fields[1].partition(":")
            if fields[3] == "0A" and int(fields[9]) in inodes:  # 0A: LISTEN
                found.add((_address(address), int(port, 16)))
    return found


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid:
            child = int(stat.parent.name)
            children += [child, *_children(child)]
    return children


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(descriptor)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def _address(hex_address: str) -> str:
    if len(hex_address) == 8:  # little-endian IPv4
        return ".".join(str(int(hex_address[i : i + 2], 16)) for i in (6, 4, 2, 0))
    return hex_address
