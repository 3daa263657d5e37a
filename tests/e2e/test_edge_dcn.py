"""The edge topology on real clusters: examples/edge-dcn.yaml as it is, a Ceph cluster per site
(central, az1, az2), each site's Secret made by the README's commands.

One release for the module: the central split API (in the catalog, every site's store) and one
edge API per site (its own store), all pods running. Images are imported and copied through the
central API, by a project member and an admin; each edge API is reached at its own URL, as its
site's compute nodes reach it.
"""

from __future__ import annotations

import contextlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import yaml

from tests.conftest import ROOT
from tests.e2e.conftest import CEPH_SITES, FIGURES
from tests.e2e.deploy import Cluster, another_pod, healthcheck, liveness_window
from tests.e2e.rbd_store import (
    clone,
    documented_commands,
    images,
    location,
    snapshots,
    user_secret,
)
from tests.e2e.users import connect, glance, image_json, project_user, upload, wait_imported
from tests.services.ceph import CephCluster
from tests.services.keystone import Keystone

# What the chart's readiness probe asks: whether the pod's default store answers.
READY = "/healthcheck/store"

PROJECT, USER = "project-edge", "project-edge-member"
EXAMPLE = ROOT / "examples" / "edge-dcn.yaml"
EDGES = CEPH_SITES[1:]
DATA = os.urandom(3 * 1024 * 1024)


@pytest.fixture(scope="module")
def release(
    deploy: Any,
    keystone: Keystone,
    cluster: Cluster,
    ceph_sites: dict[str, CephCluster],
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    """The example, with each site's Secret made on its cluster by the README's commands; a
    member of project-edge."""
    commands = documented_commands("### Edge sites (DCN)")
    for site, ceph in ceph_sites.items():
        localized = [f"site={site}" if line.startswith("site=") else line for line in commands]
        name, keys = user_secret(ceph, localized, tmp_path_factory.mktemp(f"ceph-{site}"))
        cluster.secrets[name] = keys
    installed = deploy(yaml.safe_load(EXAMPLE.read_text()), api="central", others=EDGES)
    project_user(keystone, PROJECT, USER, "member")
    return installed


def member(keystone: Keystone, url: str | None = None, interface: str = "public") -> Any:
    """The member's openstacksdk connection: through the catalog, or to one API's URL."""
    return connect(keystone, USER, PROJECT, interface=interface, image_url=url)


def edge(keystone: Keystone, release: Any, site: str) -> Any:
    """The member's connection to a site's edge API, as that site's compute nodes reach it."""
    return member(keystone, release.others[site][0].url)


@pytest.fixture(scope="module")
def everywhere(release: Any, keystone: Keystone, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An image imported to every store at once (all_stores) by the member, through the central
    API, with the README's command."""
    source = tmp_path_factory.mktemp("edge") / "disk.raw"
    source.write_bytes(DATA)
    image = glance(keystone, USER, PROJECT, "image-create-via-import", "--name", "edge-everywhere",
                   "--disk-format", "raw", "--container-format", "bare", "--import-method",
                   "glance-direct", "--all-stores", "true", "--file", str(source))  # fmt: skip
    wait_imported(member(keystone), image, set(CEPH_SITES))
    return image


def test_all_stores_puts_the_image_in_every_site(
    everywhere: str, keystone: Keystone, ceph_sites: dict[str, CephCluster]
) -> None:
    """The central internal API lists a location in each site's cluster, its own first (the
    direct_url); each cluster holds the image with its protected snapshot."""
    seen = image_json(member(keystone, interface="internal"), everywhere)
    assert seen["direct_url"] == location(ceph_sites["central"], everywhere)
    assert sorted(loc["url"] for loc in seen["locations"]) == sorted(
        location(ceph, everywhere) for ceph in ceph_sites.values()
    )
    assert {site: snapshots(ceph, everywhere) for site, ceph in ceph_sites.items()} == {
        site: {"snap": True} for site in CEPH_SITES
    }


def test_each_edge_serves_its_own_cluster(
    everywhere: str, release: Any, keystone: Keystone, ceph_sites: dict[str, CephCluster]
) -> None:
    """Each edge API gives its own cluster's location as the direct_url and serves the data,
    and that site's Nova clones the image copy-on-write in its own cluster."""
    served = {}
    for site in EDGES:
        conn = edge(keystone, release, site)
        served[site] = (
            image_json(conn, everywhere)["direct_url"],
            conn.image.download_image(everywhere).content == DATA,
            clone(ceph_sites[site], everywhere, f"edge-{site}-disk") == DATA,
        )
    assert served == {site: (location(ceph_sites[site], everywhere), True, True) for site in EDGES}


def test_an_admin_copies_an_image_to_one_edge_store(
    release: Any, keystone: Keystone, ceph_sites: dict[str, CephCluster]
) -> None:
    """A member's image stored centrally is copied to az1 (copy-image) by an admin, as Glance's
    policy has it (the member is refused): az1's cluster then holds it and az1's API serves it
    from there, while az2's cluster does not hold it."""
    conn = member(keystone)
    image = conn.image.create_image(
        name="edge-copied", data=DATA, disk_format="raw", container_format="bare",
        allow_duplicates=True, validate_checksum=False,
    )  # fmt: skip
    assert wait_imported(conn, image.id, {"central"})["stores"] == "central"
    refused = conn.image.import_image(image, method="copy-image", stores=["az1"])
    assert refused.status_code == 403
    glance(keystone, "admin", "admin", "image-import", "--import-method", "copy-image",
           "--stores", "az1", image.id, password=keystone.admin_password)  # fmt: skip
    wait_imported(conn, image.id, {"central", "az1"})
    az1 = edge(keystone, release, "az1")
    assert image_json(az1, image.id)["direct_url"] == location(ceph_sites["az1"], image.id)
    assert az1.image.download_image(image.id).content == DATA
    assert (image.id in images(ceph_sites["az1"]), image.id in images(ceph_sites["az2"])) == (
        True, False,
    )  # fmt: skip


def test_one_edge_cluster_down(
    everywhere: str,
    release: Any,
    keystone: Keystone,
    cluster: Cluster,
    ceph_sites: dict[str, CephCluster],
) -> None:
    """With az1's Ceph stopped: the central API and az2 keep serving, and a central pod that
    starts meanwhile becomes ready without az1's store; az1's running pod stays alive and
    answers image metadata, a download with an error instead of hanging, but reports not ready
    within its liveness window and logs why; an az1 pod that starts meanwhile is not ready and
    logs why before its liveness probe would restart it. Once az1's Ceph is back, both az1 pods
    become ready without a restart and serve the image az1's cluster still holds."""
    az1 = ceph_sites["az1"]
    running = release.others["az1"][0]
    window, timeout = liveness_window(release.objects, running)
    token = connect(keystone, USER, PROJECT).auth_token
    az1.pause()
    paused = time.monotonic()
    with contextlib.ExitStack() as stack:
        stack.callback(lambda: az1.processes or az1.start())
        central = member(keystone)
        assert central.image.download_image(everywhere).content == DATA
        assert edge(keystone, release, "az2").image.download_image(everywhere).content == DATA
        assert upload(central, "edge-during-outage", DATA[:4096]).status == "active"
        assert healthcheck(running, timeout) == 200
        assert image_json(edge(keystone, release, "az1"), everywhere)["status"] == "active"
        while healthcheck(running, timeout, READY) != 503:
            assert time.monotonic() - paused < window, "the running pod still reports ready"
            time.sleep(1)
        unready = time.monotonic() - paused
        assert "the default store does not answer; not ready" in running.log.read_text()
        assert healthcheck(running, timeout) == 200
        download = stack.enter_context(ThreadPoolExecutor(1)).submit(
            requests.get, f"{running.url}/v2/images/{everywhere}/file",
            headers={"X-Auth-Token": token}, timeout=120,
        )  # fmt: skip
        started = time.monotonic()
        new_edge = stack.enter_context(another_pod(cluster, release.objects, running))
        new_central = stack.enter_context(
            another_pod(cluster, release.objects, release.replicas["internal"][0])
        )
        probes = []
        while "Error connecting to ceph cluster" not in new_edge.log.read_text():
            assert time.monotonic() - started < window, "no reason logged in the window"
            probes.append(healthcheck(new_edge, timeout, READY))
            time.sleep(1)
        logged = time.monotonic() - started
        probes.append(healthcheck(new_edge, timeout, READY))
        assert 200 not in probes
        while healthcheck(new_central, timeout, READY) != 200:
            assert time.monotonic() - started < window, "the central pod is not ready"
            time.sleep(1)
        assert member(keystone, new_central.url).image.download_image(everywhere).content == DATA
        assert download.result().status_code == 500
        az1.start()
        back = time.monotonic()
        for pod in (new_edge, running):
            while healthcheck(pod, timeout, READY) != 200:
                assert time.monotonic() - back < window, f"{pod.name} not ready once Ceph is back"
                time.sleep(1)
        FIGURES.append(
            f"edge site without its Ceph: a running pod not ready after {unready:.0f} s, a "
            f"starting one logged why after {logged:.0f} s (liveness window {window} s); both "
            f"ready {time.monotonic() - back:.0f} s after its Ceph was back"
        )
        served = [
            member(keystone, pod.url).image.download_image(everywhere).content == DATA
            for pod in (running, new_edge)
        ]
    assert served == [True, True]
    assert snapshots(az1, everywhere) == {"snap": True}
