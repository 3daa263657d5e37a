"""Fixtures for the hook tests: real MariaDB and Keystone (session-wide), and a hook runner."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOOKS = REPO / "hooks"
# The hooks import hooklib and dburl as siblings, as in the Job; tests import them the same way.
for _path in (REPO, HOOKS, REPO / "pod"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from tests.hooks.helpers import (  # noqa: E402
    METADEFS,
    PASSWORD,
    HookRun,
    HookRunner,
    db_sync_env,
    run_hook_process,
)
from tests.services import py39  # noqa: E402
from tests.services.fixtures import running_keystone, running_mariadb  # noqa: E402
from tests.services.keystone import Keystone  # noqa: E402
from tests.services.mariadb import MariaDB  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Undo the logging set-up of hooks run in-process (main() points it at a captured stream)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDB]:
    """A MariaDB server for the whole session, root password PASSWORD."""
    with running_mariadb(PASSWORD) as server:
        yield server


@pytest.fixture(scope="session")
def keystone(mariadb: MariaDB, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keystone]:
    """A Keystone for the whole session on its own database, admin password PASSWORD."""
    with running_keystone(mariadb, PASSWORD, tmp_path_factory.mktemp("keystone")) as server:
        yield server


@pytest.fixture(scope="session")
def venv39() -> str:
    """The cached Python 3.9 venv with openstacksdk 1.0 and PyMySQL 1.0, as in the images."""
    if not py39.venv_ready():
        pytest.fail(f"no Python 3.9 venv at {py39.VENV}: {py39.HINT}", pytrace=False)
    return str(py39.venv_python())


@pytest.fixture(scope="session")
def glance_config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A minimal glance.conf.d: only where the metadata definitions are."""
    path = tmp_path_factory.mktemp("glance.conf.d")
    (path / "00-test.conf").write_text(f"[DEFAULT]\nmetadata_source_path = {METADEFS}\n")
    return path


@pytest.fixture
def run_keystone_hook(keystone: Keystone) -> HookRunner:
    """Run keystone_register.py against the test Keystone, recording the requests it made."""

    def run(env: Mapping[str, str], python: str = sys.executable, timeout: float = 300) -> HookRun:
        mark = keystone.mark()
        outcome = run_hook_process("keystone_register.py", env, python=python, timeout=timeout)
        outcome.requests = keystone.requests_since(mark)
        return outcome

    return run


@pytest.fixture
def run_db_hook() -> HookRunner:
    """Run db_sync.py."""

    def run(env: Mapping[str, str], python: str = sys.executable, timeout: float = 300) -> HookRun:
        return run_hook_process("db_sync.py", env, python=python, timeout=timeout)

    return run


@pytest.fixture
def run_contract_hook() -> HookRunner:
    """Run db_contract.py (with a db_sync environment: it reads the same database settings)."""

    def run(env: Mapping[str, str], python: str = sys.executable, timeout: float = 300) -> HookRun:
        env = {k: v for k, v in env.items() if not k.startswith("DB_ROOT") and k != "DB_CREATE"}
        return run_hook_process("db_contract.py", env, python=python, timeout=timeout)

    return run


@pytest.fixture
def db_env(mariadb: MariaDB, glance_config_dir: Path) -> Callable[..., dict[str, str]]:
    """Build a db_sync Job environment for a database and account named after the test."""

    def build(name: str, **extra: str) -> dict[str, str]:
        return db_sync_env(mariadb, name, glance_config_dir, **extra)

    return build


@pytest.fixture(scope="session")
def migrated(mariadb: MariaDB, glance_config_dir: Path) -> Callable[[str], None]:
    """Make a database at Glance's head with every metadata definition loaded, as a finished
    install leaves it, and no account of its name: a copy of one the hook migrated once per
    session (the tests of what happens to such a database then pay a copy, not a migration)."""
    template = "template_head"
    outcome = run_hook_process("db_sync.py", db_sync_env(mariadb, template, glance_config_dir))
    assert outcome.returncode == 0, outcome.stderr

    def make(name: str) -> None:
        mariadb.drop(user=name)
        mariadb.copy_database(template, name)

    return make


@pytest.fixture
def keystone_env(keystone: Keystone) -> Callable[..., dict[str, str]]:
    """Build a keystone_register Job environment; names default to a test-specific prefix."""

    def build(prefix: str = "glance", **extra: str) -> dict[str, str]:
        env = keystone.admin_env(
            SERVICE_PROJECT="service",
            SERVICE_USER=prefix,
            SERVICE_PASSWORD=PASSWORD,
            SERVICE_ROLES="admin,service",
            SERVICE_NAME=prefix,
            SERVICE_TYPE="image" if prefix == "glance" else f"image-{prefix}",
            SERVICE_DESCRIPTION="OpenStack Image service",
            ENDPOINT_PUBLIC_URL=f"http://{prefix}.example.test:9292",
            ENDPOINT_INTERNAL_URL=f"http://{prefix}-internal.openstack.svc:9292",
            REGION="RegionOne",
            CONNECT_RETRIES="3",
            KEYSTONE_WAIT_SECONDS="30",
        )
        env.update(extra)
        return env

    return build


@pytest.fixture(scope="session")
def glance_head() -> str:
    """Glance's head revision (contract branch), read from the installed glance in a subprocess."""
    code = (
        "import importlib.util, os\n"
        "from alembic import config, script\n"
        "root = importlib.util.find_spec('glance').submodule_search_locations[0]\n"
        "ini = os.path.join(root, 'db', 'sqlalchemy', 'alembic_migrations', 'alembic.ini')\n"
        "s = script.ScriptDirectory.from_config(config.Config(ini))\n"
        "print(s.revision_map.get_current_head('contract'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip().splitlines()[-1]
