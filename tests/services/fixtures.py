"""Start and stop the real services around a test session; shared by the hook and end-to-end
suites, each of which picks its own passwords."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.services import ServiceError
from tests.services.keystone import Keystone
from tests.services.mariadb import MariaDB, ServerTLS


@contextlib.contextmanager
def running(service: Any, what: str) -> Iterator[Any]:
    """Start a service for the block, turning a failed start into one clear test failure."""
    try:
        service.start()
    except ServiceError as exc:
        pytest.fail(f"could not start {what}: {exc}", pytrace=False)
    try:
        yield service
    finally:
        service.stop()


@contextlib.contextmanager
def running_mariadb(
    root_password: str, tls: ServerTLS | None = None, client: tuple[Path, Path] | None = None
) -> Iterator[MariaDB]:
    """A MariaDB on loopback in a temporary directory (taking TLS connections with tls, the
    tests' own presenting the certificate client)."""
    with running(MariaDB(root_password, tls=tls, client=client), "MariaDB") as server:
        yield server


@contextlib.contextmanager
def running_keystone(
    mariadb: MariaDB, admin_password: str, workdir: Path, **kwargs: Any
) -> Iterator[Keystone]:
    """A Keystone on loopback, on its own database of `mariadb`."""
    with running(
        Keystone(mariadb, admin_password, workdir=workdir, **kwargs), "Keystone"
    ) as server:
        yield server
