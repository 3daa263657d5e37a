"""Real services for tests: MariaDB and Keystone on loopback, each in a temporary directory."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


class ServiceError(RuntimeError):
    """A test service could not be set up."""


def free_port() -> int:
    """Return a TCP port on loopback that nothing listens on right now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = HOST) -> bool:
    """Tell whether something accepts TCP connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def wait_for(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    """Poll check until it returns True, or raise ServiceError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise ServiceError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(interval)


def _die_with_parent() -> None:
    """Ask the kernel to stop this child when the test process goes away."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def start_process(
    argv: Sequence[str], log_path: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a long-running child that logs to a file and stops when the tests stop."""
    log = open(log_path, "ab")  # noqa: SIM115 - the child keeps writing after we return
    try:
        return subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            preexec_fn=_die_with_parent,
        )
    finally:
        log.close()


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float = 30.0) -> None:
    """Stop a child with SIGTERM, then SIGKILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def run_checked(
    argv: Sequence[str], what: str, env: dict[str, str] | None = None, timeout: float = 600
) -> str:
    """Run a setup command and return its output, raising ServiceError with it on failure."""
    result = subprocess.run(
        list(argv), capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-25:]
        raise ServiceError(f"{what} failed (exit {result.returncode}):\n" + "\n".join(tail))
    return result.stdout


def tail(path: Path, lines: int = 30) -> str:
    """Return the last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def venv_bin(name: str) -> str:
    """Return the path of a program installed next to the running Python."""
    import sys

    return str(Path(sys.executable).parent / name)


def scrubbed_env(**extra: str) -> dict[str, str]:
    """Return this process's environment without OpenStack settings, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(extra)
    return env
