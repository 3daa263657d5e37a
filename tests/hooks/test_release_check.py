"""release_check.py, the program of `helm test`, against the real Keystone: it reads the catalog
as the Glance service user (its password, or its application credential), never as the admin."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.hooks.helpers import PASSWORD, run_hook_process
from tests.hooks.test_keystone_register import application_credential
from tests.services.keystone import Keystone

# What the check pod gets besides its login: no admin name, project or password.
LOGIN = ("OS_AUTH_URL", "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME", "OS_REGION_NAME")


def check_env(registered: dict[str, str], catalog: dict[str, str], **login: str) -> dict[str, str]:
    """The check pod's environment for the service registered with `registered`'s settings."""
    env = {name: registered[name] for name in LOGIN}
    env.update(
        SERVICE_TYPE=registered["SERVICE_TYPE"],
        CHECKS="[]",
        RETRIES="0",
        CATALOG=json.dumps(catalog),
    )
    env.update(login)
    return env


def test_catalog_check_passes_then_names_what_differs(
    keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """A registered image service passes; an unexpected URL fails with one line saying why."""
    env = keystone_env("checked")
    assert run_keystone_hook(env).returncode == 0
    catalog = {"public": env["ENDPOINT_PUBLIC_URL"], "internal": env["ENDPOINT_INTERNAL_URL"]}
    service = {name: env[name] for name in ("SERVICE_USER", "SERVICE_PROJECT", "SERVICE_PASSWORD")}
    passed = run_hook_process("release_check.py", check_env(env, catalog, **service))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.splitlines() == [
        f"ok   catalog lists image-checked at {dict(sorted(catalog.items()))}"
    ]
    wrong = dict(catalog, public="http://elsewhere:9292")
    failed = run_hook_process("release_check.py", check_env(env, wrong, **service))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert failed.stdout.splitlines() == [
        "FAIL public endpoint in RegionOne: want http://elsewhere:9292, "
        "catalog has ['http://checked.example.test:9292']"
    ]
    unknown = dict(check_env(env, catalog, **service), SERVICE_TYPE="image-unregistered")
    missing = run_hook_process("release_check.py", unknown)
    assert missing.returncode == 1, missing.stdout + missing.stderr
    assert missing.stdout.splitlines() == [
        "FAIL no service of type image-unregistered in the catalog"
    ]


def test_catalog_check_with_the_application_credential(
    keystone: Keystone, keystone_env: Callable[..., dict[str, str]], run_keystone_hook: Any
) -> None:
    """An API on an application credential: the check logs in with it (with only the service
    role it was given), and a wrong secret fails with a line that does not show it."""
    env = keystone_env("checkedac")
    assert run_keystone_hook(env).returncode == 0
    ac_id, secret = application_credential(keystone, "checkedac", PASSWORD)
    catalog = {"public": env["ENDPOINT_PUBLIC_URL"], "internal": env["ENDPOINT_INTERNAL_URL"]}
    login = {"APPLICATION_CREDENTIAL_ID": ac_id, "APPLICATION_CREDENTIAL_SECRET": secret}
    passed = run_hook_process("release_check.py", check_env(env, catalog, **login))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "ok   catalog lists image-checkedac" in passed.stdout
    wrong = dict(login, APPLICATION_CREDENTIAL_SECRET=PASSWORD)
    failed = run_hook_process("release_check.py", check_env(env, catalog, **wrong))
    assert failed.returncode == 1
    assert failed.stdout.startswith("FAIL catalog check failed: Unauthorized"), failed.stdout
    assert PASSWORD not in failed.stdout + failed.stderr
