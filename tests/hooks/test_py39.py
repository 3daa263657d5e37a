"""The hooks run on the images' Python 3.9: compile, import and run them there."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from tests.hooks.helpers import HOOKS, PASSWORD, mounted_scripts
from tests.services import py39
from tests.services.keystone import Keystone
from tests.services.mariadb import MariaDB

HOOK_FILES = sorted(p.name for p in HOOKS.glob("*.py"))


@pytest.fixture(scope="module")
def python39() -> str:
    """A bare Python 3.9 interpreter."""
    python = py39.find_python39()
    if python is None:
        pytest.fail(f"no Python 3.9 interpreter: {py39.HINT}", pytrace=False)
    return python


@pytest.mark.parametrize("name", HOOK_FILES)
def test_compiles_on_39(python39: str, name: str) -> None:
    """Each hook file compiles under Python 3.9."""
    result = subprocess.run(
        [python39, "-m", "py_compile", str(HOOKS / name)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_imports_on_39_with_stdlib_only(python39: str) -> None:
    """Importing the hooks needs only the standard library (no site-packages at all)."""
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(mounted_scripts())!r})\n"
        "import hooklib, db_sync, db_contract, keystone_register, release_check, kubeclient\n"
        "import statefulset_resize, password_rollout\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('openstack', 'keystoneauth1', 'pymysql', 'requests'))\n"
        "print(sys.version_info[:2], loaded)\n"
    )
    result = subprocess.run([python39, "-I", "-S", "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(3, 9) []"


@pytest.mark.parametrize(
    "script",
    [
        "db_sync.py",
        "db_contract.py",
        "keystone_register.py",
        "release_check.py",
        "statefulset_resize.py",
        "password_rollout.py",
    ],
)
def test_bad_config_exits_2_on_39(python39: str, script: str) -> None:
    """Run as the Job does (its folder on sys.path, no site-packages): nothing set, exit 2."""
    result = subprocess.run(
        [python39, "-S", str(mounted_scripts() / script)], capture_output=True, text=True, env={}
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "is required but not set" in lines[0], lines


def test_keystone_register_on_39_with_openstacksdk_1(
    venv39: str,
    keystone: Keystone,
    keystone_env: Callable[..., dict[str, str]],
    run_keystone_hook: Any,
) -> None:
    """With the images' openstacksdk 1.0 on 3.9: registers, then a rerun writes nothing."""
    env = keystone_env(
        "py39", REGISTERED_LIMITS='{"image_count_total": 100, "image_size_total": 1000}'
    )
    first = run_keystone_hook(env, python=venv39)
    assert first.returncode == 0, first.explain()
    assert first.writes
    assert keystone.token(user="py39", password=PASSWORD, project="service")
    second = run_keystone_hook(env, python=venv39)
    assert second.returncode == 0, second.explain()
    assert second.writes == [], second.explain()
    assert len(second.requests) <= 5, second.explain()
    changed = run_keystone_hook(
        dict(env, ENDPOINT_PUBLIC_URL="http://py39.new:9292"), python=venv39
    )
    assert [r.method for r in changed.writes] == ["PATCH"], changed.explain()


def test_db_sync_on_39_with_pymysql_1(
    venv39: str,
    mariadb: MariaDB,
    db_env: Callable[..., dict[str, str]],
    run_db_hook: Any,
) -> None:
    """With the images' PyMySQL 1.0 on 3.9: creates, migrates, and reruns cleanly."""
    mariadb.drop(database="py39", user="py39")
    env = db_env("py39")
    first = run_db_hook(env, python=venv39)
    assert first.returncode == 0, first.stderr
    second = run_db_hook(env, python=venv39)
    assert second.returncode == 0, second.stderr
    assert "changed: nothing" in second.lines[-1]
