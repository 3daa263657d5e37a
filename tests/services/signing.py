"""A throwaway OpenPGP key in a GnuPG home of its own, for signing the packaged chart, and the
CNCF distribution registry (bin/registry) on loopback, for publishing it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.services import (
    HOST,
    REPO,
    ServiceError,
    free_port,
    port_open,
    run_checked,
    start_process,
    stop_process,
    tail,
    wait_for,
)

REGISTRY = REPO / "bin" / "registry"


@dataclass(frozen=True)
class SigningKey:
    """A key with no passphrase: its user id, fingerprint, GnuPG home and public keyring."""

    uid: str
    fingerprint: str
    home: Path
    keyring: Path

    def env(self) -> dict[str, str]:
        """The environment that makes gpg use this key's home."""
        return {**os.environ, "GNUPGHOME": str(self.home)}


@contextmanager
def signing_key(name: str = "Glance chart test") -> Iterator[SigningKey]:
    """A new key, gone with its home (and gpg-agent) at the end."""
    if not shutil.which("gpg"):
        raise ServiceError("gpg is missing: apt-get install gnupg")
    # gpg-agent's socket path must stay short: a home under /tmp, not under pytest's tmp_path.
    home = Path(tempfile.mkdtemp(prefix="gpg-", dir="/tmp"))
    env = {**os.environ, "GNUPGHOME": str(home)}
    uid = f"{name} <signing@example.invalid>"
    try:
        run_checked(
            ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", uid, "default", "default"],
            "gpg --quick-gen-key",
            env=env,
        )
        listing = run_checked(
            ["gpg", "--batch", "--with-colons", "--list-secret-keys", uid], "gpg --list", env=env
        )
        fingerprint = next(ln.split(":")[9] for ln in listing.splitlines() if ln.startswith("fpr"))
        keyring = home / "pubring.export"
        run_checked(["gpg", "--batch", "--export", "--output", str(keyring), uid], "gpg", env=env)
        yield SigningKey(uid, fingerprint, home, keyring)
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, check=False)
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def registry(workdir: Path) -> Iterator[str]:
    """bin/registry serving plain HTTP on a free port of 127.0.0.1, storing in workdir; yields
    its address (host:port)."""
    if not REGISTRY.is_file():
        raise ServiceError(f"{REGISTRY} is missing: run `make registry`")
    port = free_port()
    config = workdir / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: warn}\n"
        f"storage: {{filesystem: {{rootdirectory: {workdir / 'data'}}}}}\n"
        f"http: {{addr: '{HOST}:{port}'}}\n"
    )
    log = workdir / "registry.log"
    process = start_process([str(REGISTRY), "serve", str(config)], log)
    try:
        try:
            wait_for(lambda: port_open(port) or process.poll() is not None, 30, "the registry")
        except ServiceError as exc:
            raise ServiceError(f"{exc}:\n{tail(log)}") from exc
        if process.poll() is not None:
            raise ServiceError(f"the registry stopped:\n{tail(log)}")
        yield f"{HOST}:{port}"
    finally:
        stop_process(process)
