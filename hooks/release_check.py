"""Check a Glance release for `helm test`: every API Service answers /healthcheck, and the
Keystone catalog lists the image service at the expected URLs.

Environment:
  CHECKS             JSON list of {service, url, cacert, skip}: GET url must answer 200
                     (required)
  CATALOG            JSON {interface: url}; empty: no catalog check
  SERVICE_TYPE       service type to look up in the catalog (default image)
  OS_AUTH_URL, OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME, OS_REGION_NAME   where and how to
                     log in to Keystone for the catalog check
  SERVICE_USER, SERVICE_PROJECT, SERVICE_PASSWORD   the Glance service user's login, or
  APPLICATION_CREDENTIAL_ID, APPLICATION_CREDENTIAL_SECRET   its application credential
  OS_CACERT          CA bundle that verifies an https Keystone (optional)
  RETRIES            retries, with backoff, of each request (default 5)

The catalog is read from the check's own token, which Keystone gives any project-scoped login:
the Glance service user needs no role beyond those it has, and the check no admin.

Prints one line per check; exit 0 when every check passes, 1 otherwise, 2 on bad configuration.
Runs on Python 3.9 with keystoneauth1 and the standard library (the catalog check imports it
only when it runs).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Optional

import hooklib

HOOK = "release_check"


@dataclasses.dataclass(frozen=True)
class Config:
    """Settings read from the environment."""

    checks: tuple[dict[str, Any], ...]
    catalog: tuple[tuple[str, str], ...] = ()
    service_type: str = "image"
    auth_url: str = ""
    username: str = ""
    password: str = ""
    project_name: str = ""
    credential_id: str = ""
    credential_secret: str = ""
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    region: str = "RegionOne"
    cacert: Optional[str] = None
    retries: int = 5

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read and check the settings; raise ConfigError naming the variable at fault."""
        env = hooklib.Env(environ)
        try:
            checks = json.loads(env.text("CHECKS", required=True))
            catalog = json.loads(env.text("CATALOG", "{}"))
        except ValueError as exc:
            raise hooklib.ConfigError(f"CHECKS or CATALOG is not valid JSON: {exc}") from None
        needed = bool(catalog)
        credential = env.text("APPLICATION_CREDENTIAL_ID")
        password = needed and not credential
        return cls(
            checks=tuple(checks),
            catalog=tuple(sorted(catalog.items())),
            service_type=env.text("SERVICE_TYPE", "image"),
            auth_url=env.url("OS_AUTH_URL", required=needed),
            username=env.text("SERVICE_USER", required=password),
            password=env.secret("SERVICE_PASSWORD", required=password),
            project_name=env.text("SERVICE_PROJECT", required=password),
            credential_id=credential,
            credential_secret=env.secret(
                "APPLICATION_CREDENTIAL_SECRET", required=bool(credential)
            ),
            user_domain_name=env.text("OS_USER_DOMAIN_NAME", "Default"),
            project_domain_name=env.text("OS_PROJECT_DOMAIN_NAME", "Default"),
            region=env.text("OS_REGION_NAME", "RegionOne"),
            cacert=env.raw("OS_CACERT"),
            retries=env.integer("RETRIES", 5, maximum=100),
        )


def healthcheck(url: str, cacert: str, retries: int) -> str:
    """Return '' when url answers 200 (asking again `retries` times, waiting longer each
    time), else what went wrong the last time."""
    context = ssl.create_default_context()
    if cacert:
        context.load_verify_locations(cafile=cacert)
    problem = [""]

    def attempt() -> Optional[str]:
        try:
            with urllib.request.urlopen(url, timeout=10, context=context) as resp:
                if resp.status == 200:
                    return ""
                problem[0] = f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            problem[0] = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            problem[0] = str(getattr(exc, "reason", exc))
        return None

    delays = [min(2**n, 30) for n in range(1, retries + 1)]
    try:
        return hooklib.poll(attempt, lambda: problem[0], delays=delays)
    except hooklib.HookError:
        return problem[0]


def login(config: Config) -> Any:
    """The check's Keystone login: the application credential, else the service user's
    password on the service project."""
    from keystoneauth1.identity import v3

    url = hooklib.identity_url(config.auth_url)
    if config.credential_id:
        return v3.ApplicationCredential(
            auth_url=url,
            application_credential_id=config.credential_id,
            application_credential_secret=config.credential_secret,
        )
    return v3.Password(**{**hooklib.password_login(config), "auth_url": url})


def token_catalog(config: Config) -> Any:
    """Log in and return the service catalog of the token (keystoneauth's ServiceCatalog)."""
    from keystoneauth1 import session

    auth = login(config)
    sess = session.Session(
        auth=auth,
        verify=config.cacert or True,
        timeout=60,
        app_name="glance-release-check",
        connect_retries=config.retries,
    )
    return auth.get_access(sess).service_catalog


def catalog_problems(config: Config, catalog: Any) -> list[str]:
    """Return what differs between the region's image endpoints and the expected URLs."""
    if not catalog.get_endpoints(service_type=config.service_type):
        return [f"no service of type {config.service_type} in the catalog"]
    problems = []
    for interface, url in config.catalog:
        found = sorted(
            set(
                catalog.get_urls(
                    service_type=config.service_type, interface=interface, region_name=config.region
                )
            )
        )
        if found != [url]:
            problems.append(
                f"{interface} endpoint in {config.region}: want {url}, "
                f"catalog has {found or 'none'}"
            )
    return problems


def run(config: Config, read_catalog: Optional[Callable[[], Any]]) -> int:
    """Run every check, print one line per result; return the number that failed."""
    failed = 0
    for check in config.checks:
        if check.get("skip"):
            print(f"skip {check['service']}: {check['skip']}", flush=True)
            continue
        problem = healthcheck(check["url"], check.get("cacert", ""), config.retries)
        failed += bool(problem)
        print(f"{'FAIL' if problem else 'ok  '} {check['url']} {problem}".rstrip(), flush=True)
    if read_catalog is not None:
        try:
            problems = catalog_problems(config, read_catalog())
        except Exception as exc:  # noqa: BLE001 - one line, whatever keystoneauth raises
            problems = [f"catalog check failed: {type(exc).__name__}: {hooklib.one_line(str(exc))}"]
        for problem in problems:
            print(f"FAIL {problem}", flush=True)
        failed += len(problems)
        if not problems:
            print(f"ok   catalog lists {config.service_type} at {dict(config.catalog)}", flush=True)
    return failed


def main(environ: Optional[Mapping[str, str]] = None) -> int:
    """Run the checks as the test pod does; return the exit code."""
    environ = os.environ if environ is None else environ

    def body(log: logging.Logger) -> int:
        """Read the settings, check, exit 1 when anything failed."""
        config = Config.from_env(environ)
        read = (lambda: token_catalog(config)) if config.catalog else None
        failed = run(config, read)
        return hooklib.EXIT_FAILURE if failed else hooklib.EXIT_OK

    secrets = ("SERVICE_PASSWORD", "APPLICATION_CREDENTIAL_SECRET")
    return hooklib.run_main(HOOK, body, lambda: tuple(environ.get(n, "") for n in secrets))


if __name__ == "__main__":
    sys.exit(main())
