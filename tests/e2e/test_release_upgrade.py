"""A Glance release upgrade under traffic: Glance 26, the release of the chart's default images,
to the project's Glance 33, by the chart's hooks, with zero failed requests.

What a `helm upgrade` that changes containerImage does, step by step, on the real MariaDB and
Keystone, for an API of two replicas sharing one images volume (storage.external): two Glance
26 pods (tests/services/glance26.py, Python 3.9) serve a database Glance 26 created, behind a
forwarder that plays the Service. A client lists, uploads and downloads without a pause. The
chart's db sync hook (Glance 33) runs the expand phase while the old pods serve; the
StatefulSet's rolling update then replaces one pod at a time, highest ordinal first: the old
pod leaves the endpoints and stops, the new one (the chart's own pod, Glance 33) starts and
joins once ready, so Glance 26 and 33 serve side by side for a while; the db contract hook runs
once no old pod serves. Every image is read back at the end, whichever release stored it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.e2e.conftest import FIGURES, SECRET, loopback_values
from tests.e2e.deploy import GLANCE_UID, Cluster, render, stop_api
from tests.e2e.users import connect, project_user
from tests.services import free_port, glance26
from tests.services.keystone import Keystone
from tests.services.mariadb import MariaDB
from tests.services.tcpproxy import TcpProxy

DATABASE = ACCOUNT = "glance_upgrade"
PROJECT, USER = "project-upgrade", "project-upgrade-member"
OLD_HEAD = glance26.CONTRACT_HEAD
NEW_EXPAND, NEW_HEAD = "2024_1_expand01", "2024_1_contract01"
# Two replicas on the file backend share one volume (storage.external, the way the values name
# it): an image one pod stores, any other reads.
SHARED_CLAIM = "glance-shared-images"
SHARED_IMAGES = {
    "propagation": ["GlanceAPI"],
    "volumes": [{"name": "shared-images", "persistentVolumeClaim": {"claimName": SHARED_CLAIM}}],
    "mounts": [{"name": "shared-images", "mountPath": "/var/lib/glance/images"}],
}


@dataclasses.dataclass
class Traffic:
    """A client that lists, uploads and downloads through the Service until stopped."""

    url: str
    token: str
    done: dict[str, int] = dataclasses.field(default_factory=dict)
    failures: list[str] = dataclasses.field(default_factory=list)
    images: dict[str, bytes] = dataclasses.field(default_factory=dict)
    phase: str = "Glance 26"
    _stop: threading.Event = dataclasses.field(default_factory=threading.Event)

    def call(self, method: str, path: str, body: bytes | None = None, kind: str = "") -> bytes:
        """One request on a new connection; a failure is recorded and returns b""."""
        headers = {"X-Auth-Token": self.token, "Connection": "close"}
        if body is not None:
            headers["Content-Type"] = kind or "application/json"
        request = urllib.request.Request(self.url + path, body, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.read()
        except (urllib.error.URLError, OSError) as exc:
            detail = exc.read()[:200] if isinstance(exc, urllib.error.HTTPError) else b""
            self.failures.append(f"{self.phase}: {method} {path.split('/')[-1]}: {exc} {detail!r}")
            return b""

    def round(self, number: int) -> None:
        """A list, an upload of a new image, and a download of an earlier one."""
        self.call("GET", "/v2/images")
        self.done["list"] = self.done.get("list", 0) + 1
        created = self.call(
            "POST",
            "/v2/images",
            json.dumps(
                {"name": f"upgrade-{number}", "disk_format": "raw", "container_format": "bare"}
            ).encode(),
        )
        if created:
            image = json.loads(created)["id"]
            data = hashlib.sha256(str(number).encode()).digest() * 2048
            self.call("PUT", f"/v2/images/{image}/file", data, "application/octet-stream")
            self.images[image] = data
            self.done["upload"] = self.done.get("upload", 0) + 1
        if self.images:
            # Any earlier image, so that what one release stored the other reads.
            self.download(list(self.images)[number * 7919 % len(self.images)])

    def download(self, image: str) -> None:
        """Read an image back and compare its bytes."""
        got = self.call("GET", f"/v2/images/{image}/file")
        if got and got != self.images[image]:
            self.failures.append(f"{self.phase}: GET {image}: other bytes")
        self.done["download"] = self.done.get("download", 0) + 1

    def run(self) -> None:
        """Rounds until stopped."""
        number = 0
        while not self._stop.is_set():
            self.round(number)
            number += 1

    @contextlib.contextmanager
    def flowing(self) -> Iterator[Traffic]:
        """The client runs in a thread for the block."""
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(120)

    def wait_rounds(self, count: int) -> None:
        """Wait until `count` more downloads were made."""
        target = self.done.get("download", 0) + count
        deadline = time.monotonic() + 120
        while self.done.get("download", 0) < target and time.monotonic() < deadline:
            time.sleep(0.1)


def test_glance_26_to_33_with_zero_failed_requests(
    mariadb: MariaDB,
    keystone: Keystone,
    memcached: str,
    cluster: Cluster,
    tmp_path: Path,
) -> None:
    service = TcpProxy(0)
    service.open()
    values = loopback_values(
        mariadb,
        keystone,
        memcached,
        {
            "database": {"name": DATABASE},
            "databaseAccount": ACCOUNT,
            "extraMounts": [{"extraVol": [SHARED_IMAGES]}],
            "glanceAPIs": {
                "default": {
                    "type": "single",
                    "replicas": 2,
                    "storage": {"external": True},
                    "wsgi": {"processes": 1},
                    "override": {
                        "service": {
                            "public": {"endpointURL": service.url},
                            "internal": {"endpointURL": service.url},
                        }
                    },
                }
            },
        },
    )
    objects = render(values, cluster.root)
    name = next(o["metadata"]["name"] for o in objects if o["kind"] == "StatefulSet")

    # The release before: Glance 26 made the schema, and its two pods serve on it.
    mariadb.drop(database=DATABASE, user=ACCOUNT)
    password = SECRET["GlanceDatabasePassword"]
    mariadb.create_database(DATABASE, ACCOUNT, password)
    url = mariadb.url(ACCOUNT, password, DATABASE)
    synced = glance26.manage(["db", "sync"], url)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert mariadb.alembic_heads(DATABASE) == {OLD_HEAD}
    cluster.run_job(objects, "glance-keystone", cluster.image.base)
    project_user(keystone, PROJECT, USER, "member")

    # The volume every pod mounts at /var/lib/glance/images.
    home = tmp_path / "shared"
    (home / "images").mkdir(parents=True)
    for path in (home, home / "images"):
        os.chown(path, GLANCE_UID, GLANCE_UID)
    cluster.claims[SHARED_CLAIM] = home / "images"
    old_pod = {
        ordinal: glance26.running_api(
            url,
            keystone,
            tmp_path / f"glance26-{ordinal}",
            password=SECRET["GlancePassword"],
            memcached=memcached,
            home=home,
        )
        for ordinal in (0, 1)
    }
    with contextlib.ExitStack() as pods:
        old = {ordinal: pods.enter_context(api) for ordinal, api in old_pod.items()}
        service.route(old[0].port, old[1].port)
        traffic = Traffic(service.url, connect(keystone, USER, PROJECT).auth_token)
        with traffic.flowing():
            traffic.wait_rounds(5)
            # helm upgrade: the expand phase, while Glance 26 serves.
            traffic.phase = "expand"
            started = time.monotonic()
            cluster.run_job(objects, "glance-db-sync", cluster.image.glance)
            seconds = {"expand and migrate": time.monotonic() - started}
            traffic.phase = "expanded, Glance 26"
            assert mariadb.alembic_heads(DATABASE) == {NEW_EXPAND, OLD_HEAD}
            traffic.wait_rounds(5)
            # The rolling update, highest ordinal first, one pod at a time: the old pod leaves
            # the Service's endpoints, finishes what it serves and stops; the new one starts
            # and joins once ready. Between the two, Glance 26 and 33 serve side by side.
            new = {}
            seconds["pod replacements"] = 0.0
            for ordinal, others in ((1, [old[0].port]), (0, [])):
                traffic.phase = f"pod {ordinal} replaced"
                service.route(*(others or [new[1].port]))
                time.sleep(2)
                started = time.monotonic()
                old[ordinal].stop()
                new[ordinal] = cluster.start_api(objects, name, free_port(), replica=ordinal)
                seconds["pod replacements"] += time.monotonic() - started
                pods.callback(stop_api, new[ordinal])
                service.route(*others, *(p.port for p in new.values()))
                traffic.phase = "Glance 26 and 33" if others else "Glance 33"
                traffic.wait_rounds(5)
            # The contract phase, once no old pod serves (the rollout is what the hook waits
            # for on a cluster; here it is over).
            traffic.phase = "contract"
            started = time.monotonic()
            cluster.run_job(
                objects, "glance-db-contract", cluster.image.glance, env={"STATEFULSETS": "[]"}
            )
            seconds["contract"] = time.monotonic() - started
            traffic.phase = "contracted"
            traffic.wait_rounds(5)
        # Every image, whichever release stored it, reads back through Glance 33.
        traffic.phase = "read back"
        for image in list(traffic.images):
            traffic.download(image)
    service.close()
    assert mariadb.alembic_heads(DATABASE) == {NEW_HEAD}
    total = sum(traffic.done.values())
    FIGURES.append(
        f"Glance 26 -> 33 under traffic (2 replicas, one replaced at a time): {total} requests "
        f"({', '.join(f'{k} {v}' for k, v in sorted(traffic.done.items()))}), "
        f"{len(traffic.failures)} failed; "
        + ", ".join(f"{step} {value:.1f} s" for step, value in seconds.items())
    )
    assert traffic.failures == [], "\n".join(traffic.failures)
    assert traffic.done["download"] >= 40
