"""The Ceph scenario on a real cluster: examples/ceph.yaml as it is, its Secret made by the
README's commands, images uploaded by a project member through the glance CLI and openstacksdk.

One release for the module, on the central site's cluster: the split API (public and internal
pods) storing into the pool images as client.openstack.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.e2e import locations
from tests.e2e.deploy import Cluster, another_pod, healthcheck, liveness_window
from tests.e2e.rbd_store import (
    clone,
    documented_commands,
    image_size,
    images,
    location,
    snapshots,
    store_snapshot,
    user_secret,
)
from tests.e2e.users import connect, glance, project_user, upload, wait_imported
from tests.services.ceph import CephCluster
from tests.services.keystone import Keystone

PROJECT, USER = "project-ceph", "project-ceph-member"
EXAMPLE = ROOT / "examples" / "ceph.yaml"
SECRET = "ceph-client-conf"
# Over Glance's 8 MiB rbd chunk (the store writes it in two pieces), not a multiple of it; a
# whole number of 512-byte sectors, as a disk is (qemu-img rounds a raw disk up to one).
DATA = os.urandom(9 * 1024 * 1024 + 4096)


@pytest.fixture(scope="module")
def site(ceph_sites: dict[str, CephCluster]) -> CephCluster:
    """The cluster the release stores into."""
    return ceph_sites["central"]


@pytest.fixture(scope="module")
def release(
    deploy: Any,
    keystone: Keystone,
    cluster: Cluster,
    site: CephCluster,
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    """The example, with the Secret the README's commands make; a member of project-ceph."""
    name, keys = user_secret(site, documented_commands("## Ceph"), tmp_path_factory.mktemp("ceph"))
    assert (name, sorted(keys)) == (SECRET, ["ceph.client.openstack.keyring", "ceph.conf"])
    cluster.secrets[name] = keys
    installed = deploy(yaml.safe_load(EXAMPLE.read_text()))
    project_user(keystone, PROJECT, USER, "member")
    return installed


def member(keystone: Keystone, interface: str = "public") -> Any:
    """The member's openstacksdk connection."""
    return connect(keystone, USER, PROJECT, interface=interface)


def member_glance(keystone: Keystone, *args: str) -> str:
    """`glance` as the member; the image id it prints."""
    return glance(keystone, USER, PROJECT, *args)


@pytest.fixture(scope="module")
def uploaded(
    release: Any, keystone: Keystone, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """DATA uploaded once by each client: client -> image id."""
    source = tmp_path_factory.mktemp("upload") / "image.raw"
    source.write_bytes(DATA)
    by_cli = member_glance(keystone, "image-create", "--name", "ceph-cli", "--disk-format", "raw",
                           "--container-format", "bare", "--file", str(source))  # fmt: skip
    by_sdk = str(upload(member(keystone), "ceph-sdk", DATA).id)
    return {"glance CLI": by_cli, "openstacksdk": by_sdk}


def test_each_upload_is_an_rbd_image_with_a_protected_snapshot(
    uploaded: dict[str, str], site: CephCluster
) -> None:
    """The pool holds an rbd image per upload, named by the image's id, of the data's size,
    with the protected snapshot `snap` clones are made from."""
    assert set(uploaded.values()) <= images(site)
    found = {
        client: (image_size(site, image), snapshots(site, image))
        for client, image in uploaded.items()
    }
    assert found == {client: (len(DATA), {"snap": True}) for client in uploaded}


def test_the_internal_api_shows_the_rbd_location_and_the_public_one_hides_it(
    uploaded: dict[str, str], keystone: Keystone, site: CephCluster
) -> None:
    """direct_url and locations name rbd://<fsid>/images/<id>/snap on the internal API; the
    public API shows neither."""
    internal, public = member(keystone, "internal"), member(keystone, "public")
    for image in uploaded.values():
        seen = internal.image.get_image(image)
        assert (seen.direct_url, [loc["url"] for loc in seen.locations]) == (
            location(site, image), [location(site, image)],
        )  # fmt: skip
        hidden = public.image.get_image(image)
        assert (hidden.direct_url, hidden.locations) == (None, None)


@pytest.mark.parametrize("way", [locations.PATCH, locations.LOCATIONS_API])
def test_a_member_cannot_point_its_image_at_another_images_data(
    uploaded: dict[str, str], release: Any, keystone: Keystone, site: CephCluster, way: str
) -> None:
    """The attack copy-on-write stores invite: a member gives its own new image the rbd location
    of another image's data. The public endpoint shows no location to copy, and both endpoints
    refuse the change by their policy, the internal one too, where locations are shown."""
    token = keystone.token(USER, USER, PROJECT)
    stolen = location(site, uploaded["openstacksdk"])
    for interface in ("public", "internal"):
        url = release.endpoints[interface]
        mine = locations.queued_image(url, token, f"ceph-pointer-{interface}")
        answer = locations.set_location(url, way, token, mine, stolen)
        assert locations.refused_by_policy(answer, way), (interface, answer)
        assert locations.image(url, token, mine)["status"] == "queued"


@pytest.mark.parametrize("way", [locations.PATCH, locations.LOCATIONS_API])
def test_nova_sets_the_location_of_a_snapshot_it_made_in_ceph(
    release: Any, keystone: Keystone, site: CephCluster, way: str
) -> None:
    """A snapshot of a server on Ceph as Nova makes it: the user's image record, the data made
    in the pool images, then the location set on the internal endpoint with the user's token
    and Nova's service token beside it (refused without). The image is then active, its
    direct_url on the internal endpoint is that location, and it downloads through the public
    endpoint as the data."""
    token, nova = keystone.token(USER, USER, PROJECT), locations.nova_token(keystone)
    internal = release.endpoints["internal"]
    snapshot = locations.queued_image(internal, token, "ceph-snapshot")
    data = DATA[: 1024 * 1024]
    store_snapshot(site, snapshot, data)
    where = location(site, snapshot)
    assert locations.refused_by_policy(
        locations.set_location(internal, way, token, snapshot, where), way
    )
    status, body = locations.set_location(internal, way, token, snapshot, where, nova)
    assert status in (200, 202), body
    assert wait_imported(member(keystone, "internal"), snapshot)["direct_url"] == where
    assert member(keystone).image.download_image(snapshot).content == data


def test_downloads_through_the_public_api_are_byte_identical(
    uploaded: dict[str, str], keystone: Keystone
) -> None:
    """Each image reads back through the public API as the bytes uploaded."""
    public = member(keystone)
    read = {
        client: public.image.download_image(image).content for client, image in uploaded.items()
    }
    assert [client for client, data in read.items() if data != DATA] == []


def test_nova_clones_an_image_copy_on_write(uploaded: dict[str, str], site: CephCluster) -> None:
    """Nova's user (the Ceph documentation's caps) clones the image's snapshot into its pool
    vms, and the clone reads as the image's data."""
    assert clone(site, uploaded["openstacksdk"], "ceph-sdk-disk") == DATA


def test_a_qcow2_imported_by_glance_direct_is_stored_raw(
    release: Any, keystone: Keystone, site: CephCluster, tmp_path: Path
) -> None:
    """A qcow2 staged and imported (glance-direct) becomes a raw image: its rbd image is the
    disk itself, which downloads as the raw bytes."""
    raw, qcow2 = tmp_path / "disk.raw", tmp_path / "disk.qcow2"
    raw.write_bytes(DATA)
    subprocess.run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(raw), str(qcow2)],
                   check=True, capture_output=True)  # fmt: skip
    assert qcow2.stat().st_size != len(DATA)
    image = member_glance(keystone, "image-create-via-import", "--name", "ceph-qcow2",
                          "--disk-format", "qcow2", "--container-format", "bare",
                          "--import-method", "glance-direct", "--file", str(qcow2))  # fmt: skip
    conn = member(keystone)
    found = wait_imported(conn, image)
    assert (found["disk_format"], found["size"]) == ("raw", len(DATA))
    assert (image_size(site, image), snapshots(site, image)) == (len(DATA), {"snap": True})
    assert conn.image.download_image(image).content == DATA


def test_delete_removes_the_rbd_image_and_its_snapshot(
    release: Any, keystone: Keystone, site: CephCluster
) -> None:
    """Deleting an image through the API removes its rbd image (and so its snapshot)."""
    conn = member(keystone)
    image = str(upload(conn, "ceph-delete", DATA[:4096]).id)
    assert image in images(site)
    conn.image.delete_image(image)
    assert image not in images(site)
    assert conn.image.find_image(image) is None


def test_a_keyring_under_another_name_keeps_the_pod_from_loading(
    release: Any, cluster: Cluster
) -> None:
    """With the keyring in the Secret under another name than librados looks for, a pod that
    starts fails to load Glance, says why in its log before the liveness probe would restart
    it, and is never ready."""
    good = cluster.secrets[SECRET]
    cluster.secrets[SECRET] = {
        "ceph.conf": good["ceph.conf"],
        "client.openstack.keyring": good["ceph.client.openstack.keyring"],
    }
    try:
        internal = release.replicas["internal"][0]
        window, timeout = liveness_window(release.objects, internal)
        with another_pod(cluster, release.objects, internal) as pod:
            started = time.monotonic()
            probes = []
            while "Error connecting to ceph cluster" not in pod.log.read_text():
                assert time.monotonic() - started < window, "no reason logged in the window"
                probes.append(healthcheck(pod, timeout))
                time.sleep(1)
            probes.append(healthcheck(pod, timeout))
            log = pod.log.read_text()
    finally:
        cluster.secrets[SECRET] = good
    assert 200 not in probes
    assert "rados.PermissionDeniedError" in log, log[-2000:]
