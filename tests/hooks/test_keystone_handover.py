"""The Keystone catalog changes hands without a moment without its entries: what
keystone-operator registered for a recorded deployment (tests/data/operator/real/split, the
Glance `images`) is kept by the registration hook the release that `chartgen adopt` plans
would run, with the same service, endpoint and user IDs.

The Keystone is one of its own (its own database in the session's MariaDB), in the region of
the recorded KeystoneAPI. The entries are made as keystone-operator makes them from the
recorded KeystoneService and KeystoneEndpoints; the hook is the rendered Job of the plan's
release, its Keystone address the only value changed. A poller lists the catalog all along.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartgen import adoption_plan, inventory, kubecheck
from chartgen.verdict import Chart, Kubernetes
from tests.conftest import CHART, HELMS, ROOT
from tests.hooks.helpers import PASSWORD
from tests.hooks.test_rendered_jobs import SECRET, run_job
from tests.services.fixtures import running_keystone
from tests.services.keystone import Keystone
from tests.services.mariadb import MariaDB

LAYOUT = ROOT / "tests" / "data" / "operator" / "real" / "split"


def recorded() -> list[dict[str, Any]]:
    """The recorded inventory and dependencies of the layout."""
    docs = []
    for name in ("inventory.yaml", "dependencies.yaml"):
        docs += [d for d in yaml.safe_load_all((LAYOUT / name).read_text()) if d]
    return docs


@pytest.fixture(scope="module")
def operator_keystone(
    mariadb: MariaDB, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Keystone]:
    """A Keystone of this test's own, in the recorded KeystoneAPI's region."""
    keystone_api = next(o for o in recorded() if o["kind"] == "KeystoneAPI")
    with running_keystone(
        mariadb,
        PASSWORD,
        tmp_path_factory.mktemp("handover-keystone"),
        region=keystone_api["spec"]["region"],
        db_name="keystone_handover",
    ) as server:
        yield server


def register_as_keystone_operator(
    keystone: Keystone, objects: list[dict[str, Any]]
) -> dict[str, Any]:
    """The service, its user and the endpoints keystone-operator made from the recorded
    KeystoneService and KeystoneEndpoints; their IDs."""
    service_spec = next(o for o in objects if o["kind"] == "KeystoneService")["spec"]
    service = keystone.api("POST", "/services", {"service": {
        "name": service_spec["serviceName"], "type": service_spec["serviceType"],
        "description": service_spec["serviceDescription"], "enabled": True,
    }})["service"]  # fmt: skip
    [domain] = keystone.get("/domains", "domains", name="Default")
    project = keystone.api("POST", "/projects", {"project": {
        "name": "service", "domain_id": domain["id"],
    }})["project"]  # fmt: skip
    user = keystone.api("POST", "/users", {"user": {
        "name": service_spec["serviceUser"], "domain_id": domain["id"],
        "password": SECRET["GlancePassword"], "enabled": True,
    }})["user"]  # fmt: skip
    for role_name in ("admin", "service"):
        found = keystone.get("/roles", "roles", name=role_name)
        role = (
            found[0]
            if found
            else keystone.api("POST", "/roles", {"role": {"name": role_name}})["role"]
        )
        keystone.api("PUT", f"/projects/{project['id']}/users/{user['id']}/roles/{role['id']}")
    endpoints = {}
    for obj in (o for o in objects if o["kind"] == "KeystoneEndpoint"):
        for interface, url in obj["spec"]["endpoints"].items():
            made = keystone.api("POST", "/endpoints", {"endpoint": {
                "service_id": service["id"], "interface": interface, "url": url,
                "region_id": keystone.region, "enabled": True,
            }})["endpoint"]  # fmt: skip
            endpoints[made["id"]] = (interface, url)
    return {"service": service["id"], "user": user["id"], "endpoints": endpoints}


class CatalogPoller:
    """Lists the service's endpoints again and again, noting each time one is missing."""

    def __init__(self, keystone: Keystone, service_id: str, want: dict[str, tuple[str, str]]):
        self.keystone, self.service_id, self.want = keystone, service_id, want
        self.polls, self.missing = 0, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            found = self.keystone.get("/endpoints", "endpoints", service_id=self.service_id)
            have = {e["id"]: (e["interface"], e["url"]) for e in found if e["enabled"]}
            if have != self.want:
                self.missing.append(have)
            self.polls += 1

    def finish(self) -> None:
        """Stop polling."""
        self.stop.set()
        self.thread.join(timeout=30)


def test_the_release_keeps_the_catalog_the_operator_made(
    operator_keystone: Keystone, tmp_path: Path
) -> None:
    keystone = operator_keystone
    objects = recorded()
    made = register_as_keystone_operator(keystone, objects)
    # The plan's values, Keystone reached on loopback instead of its cluster name.
    here = tmp_path / "loopback.yaml"
    here.write_text(yaml.safe_dump({"keystone": {"authURL": keystone.auth_url,
                                                 "publicAuthURL": keystone.auth_url}}))  # fmt: skip
    kcheck = kubecheck.find_kcheck(CHART)
    assert kcheck, "bin/kcheck is missing: make kcheck"
    plan = adoption_plan.make(
        inventory.from_objects(objects, "images"), "images", "glance-split",
        Chart(CHART, str(HELMS["helm4"])), tmp_path, [here], Kubernetes(kcheck, "privileged"),
        set(),
    )  # fmt: skip
    assert plan.refusals == []
    poller = CatalogPoller(keystone, made["service"], made["endpoints"])
    try:
        run = run_job(plan.rendered, "keystone-register", tmp_path / "hook")
    finally:
        poller.finish()
    assert run.returncode == 0, run.stderr
    assert poller.polls > 0 and poller.missing == [], poller.missing
    [service] = keystone.get("/services", "services", type="image")
    assert service["id"] == made["service"]
    found = keystone.get("/endpoints", "endpoints", service_id=service["id"])
    assert {e["id"]: (e["interface"], e["url"]) for e in found} == made["endpoints"]
    [user] = keystone.get("/users", "users", name="glance")
    assert user["id"] == made["user"]
    again = run_job(plan.rendered, "keystone-register", tmp_path / "again")
    assert again.returncode == 0, again.stderr
    found = keystone.get("/endpoints", "endpoints", service_id=service["id"])
    assert {e["id"]: (e["interface"], e["url"]) for e in found} == made["endpoints"]
