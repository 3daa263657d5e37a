"""release_check.py, the program of `helm test`, against the real Keystone."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.hooks.helpers import run_hook_process
from tests.services.keystone import Keystone


def test_catalog_check_passes_then_names_what_differs(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """A registered image service passes; an unexpected URL fails with one line saying why."""
    env = keystone_env("checked")
    assert run_keystone_hook(env).returncode == 0
    catalog = {"public": env["ENDPOINT_PUBLIC_URL"], "internal": env["ENDPOINT_INTERNAL_URL"]}
    check = keystone.admin_env(SERVICE_TYPE=env["SERVICE_TYPE"], CHECKS="[]", RETRIES="0")
    passed = run_hook_process("release_check.py", dict(check, CATALOG=json.dumps(catalog)))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.splitlines() == [
        f"ok   catalog lists image-checked at {dict(sorted(catalog.items()))}"
    ]
    wrong = dict(catalog, public="http://elsewhere:9292")
    failed = run_hook_process("release_check.py", dict(check, CATALOG=json.dumps(wrong)))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert failed.stdout.splitlines() == [
        "FAIL public endpoint in RegionOne: want http://elsewhere:9292, "
        "catalog has ['http://checked.example.test:9292']"
    ]
