"""Check a Glance release for `helm test`: every API Service answers /healthcheck, and the
Keystone catalog lists the image service at the expected URLs. Exit 0 when every check
passes, 1 otherwise. Runs on Python 3.9 with openstacksdk, keystoneauth1 and the standard
library (the catalog check imports them only when it runs).

Environment:
CHECKS             JSON list of {service, url, cacert, skip}: GET url must answer 200
CATALOG            JSON {interface: url}; empty: no catalog check
SERVICE_TYPE       service type to look up in the catalog
OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME,
OS_PROJECT_DOMAIN_NAME, OS_REGION_NAME   admin login for the catalog check
RETRIES            retries, with backoff, of each request
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request

RETRIES = int(os.environ.get("RETRIES", "5"))


def healthcheck(url: str, cacert: str) -> str:
    """'' when url answers 200, else what went wrong the last time."""
    context = ssl.create_default_context()
    if cacert:
        context.load_verify_locations(cafile=cacert)
    problem = ""
    for attempt in range(RETRIES + 1):
        if attempt:
            time.sleep(min(2**attempt, 30))
        try:
            with urllib.request.urlopen(url, timeout=10, context=context) as resp:
                return "" if resp.status == 200 else f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            problem = str(getattr(exc, "reason", exc))
    return problem


def catalog_problems(expected: dict) -> list:
    """What differs between the image endpoints of the region and the expected URLs."""
    import openstack.connection
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    env = os.environ
    auth_url = env["OS_AUTH_URL"].rstrip("/")
    if not auth_url.endswith("/v3"):
        auth_url += "/v3"
    auth = v3.Password(
        auth_url=auth_url,
        username=env["OS_USERNAME"],
        password=env["OS_PASSWORD"],
        user_domain_name=env["OS_USER_DOMAIN_NAME"],
        project_name=env["OS_PROJECT_NAME"],
        project_domain_name=env["OS_PROJECT_DOMAIN_NAME"],
    )
    sess = session.Session(auth=auth, timeout=30, connect_retries=RETRIES)
    conn = openstack.connection.Connection(
        session=sess,
        region_name=env["OS_REGION_NAME"],
        interface="internal",
        identity_api_version="3",
    )
    retries = {"connect_retries": RETRIES, "status_code_retries": RETRIES}

    def get(path: str, key: str, **params: str) -> list:
        return conn.identity.get(path, params=params, **retries).json()[key]

    service_type, region = env["SERVICE_TYPE"], env["OS_REGION_NAME"]
    ids = [s["id"] for s in get("/services", "services", type=service_type)]
    if not ids:
        return [f"no service of type {service_type} in the catalog"]
    endpoints = [
        e
        for service_id in ids
        for e in get("/endpoints", "endpoints", service_id=service_id)
        if e.get("enabled", True) and (e.get("region_id") or e.get("region")) == region
    ]
    problems = []
    for interface, url in sorted(expected.items()):
        found = sorted({e["url"] for e in endpoints if e["interface"] == interface})
        if found != [url]:
            problems.append(
                f"{interface} endpoint in {region}: want {url}, catalog has {found or 'none'}"
            )
    return problems


def main() -> int:
    """Run every check and print one line per result."""
    failed = 0
    for check in json.loads(os.environ["CHECKS"]):
        if check.get("skip"):
            print(f"skip {check['service']}: {check['skip']}", flush=True)
            continue
        problem = healthcheck(check["url"], check.get("cacert", ""))
        failed += bool(problem)
        print(f"{'FAIL' if problem else 'ok  '} {check['url']} {problem}".rstrip(), flush=True)
    expected = json.loads(os.environ.get("CATALOG") or "{}")
    if expected:
        try:
            problems = catalog_problems(expected)
        except Exception as exc:  # one line, whatever openstacksdk raises
            problems = [f"catalog check failed: {type(exc).__name__}: {exc}"]
        for problem in problems:
            print(f"FAIL {problem}", flush=True)
        failed += len(problems)
        if not problems:
            print(f"ok   catalog lists {os.environ['SERVICE_TYPE']} at {expected}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
