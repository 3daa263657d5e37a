"""Rendered manifests through bin/kcheck: the API server's own create validation of every
object and the restricted Pod Security Standard of every pod template."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import ROOT

KCHECK = ROOT / "bin" / "kcheck"
NAMESPACE = "openstack"


def require() -> None:
    """Fail the test, with the fix, when kcheck is not built."""
    if not KCHECK.is_file():
        pytest.fail(f"{KCHECK} is missing: run `make kcheck`", pytrace=False)


def problems(manifest: str, relaxed_api_pods: bool = False) -> list[str]:
    """What an API server in namespace openstack would refuse or drop, one line per problem.

    relaxed_api_pods: the StatefulSets may break the restricted profile (backendHostAccess).
    """
    require()
    checked = subprocess.run(
        [str(KCHECK), NAMESPACE], input=manifest, capture_output=True, text=True, check=False
    )
    if checked.returncode != 0:
        return [checked.stderr.strip()]
    found: list[str] = []
    seen = set()
    for line in checked.stdout.splitlines():
        r = json.loads(line)
        where = f"{r['kind']}/{r['name']}"
        if (r["kind"], r["name"]) in seen:
            found.append(f"{where}: rendered twice")
        seen.add((r["kind"], r["name"]))
        found += [f"{where}: {e}" for e in r.get("errors") or []]
        if not (relaxed_api_pods and r["kind"] == "StatefulSet"):
            found += [f"{where}: PSS restricted: {e}" for e in r.get("forbidden") or []]
        found += [f"{where}: dropped by the API server: {w}" for w in r.get("warnings") or []]
    return found
