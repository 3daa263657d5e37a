"""Rotating GlancePassword and GlanceDatabasePassword by the documented procedure, end to end.

The procedure: change the Secret, then `helm upgrade`. Upgrade runs the db sync hook (which
sets a new database password on the account it created), then the registration hook (which
sets a new GlancePassword in Keystone), then the password rollout hook, which restarts the API
pods (tests/kubernetes/test_password_rollout.py proves that part on a real API server). Here
the hooks run as they do in their pods, against the real MariaDB and Keystone, and the
restart is what the StatefulSet controller does: the old pod stops and a new one starts with
the same rendered objects.
"""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SECRET_NAME, Deployment
from tests.e2e.deploy import ApiProcess, Cluster, stop_api
from tests.e2e.users import connect, project_user, upload
from tests.services.keystone import Keystone

PROJECT, USER = "project-rotation", "project-rotation-member"
DATA = b"image data read back after a password rotation\n" * 300


@pytest.fixture(scope="module")
def release(deploy: Any, keystone: Keystone) -> Deployment:
    """The default single API, registered in Keystone, and a member of a project."""
    installed = deploy({})
    project_user(keystone, PROJECT, USER, "member")
    return installed


@contextlib.contextmanager
def rotated(cluster: Cluster, key: str) -> Iterator[None]:
    """The user's Secret with a new value of one key; the old Secret again afterwards."""
    old = dict(cluster.secrets[SECRET_NAME])
    cluster.secrets[SECRET_NAME] = {**old, key: f"rotated {key}: p@ss/w?rd"}
    try:
        yield
    finally:
        cluster.secrets[SECRET_NAME] = old


def list_status(api: ApiProcess, keystone: Keystone) -> int:
    """The status of GET /v2/images on one pod with a token the pod has not seen before."""
    token = connect(keystone, USER, PROJECT).auth_token
    request = urllib.request.Request(f"{api.url}/v2/images", headers={"X-Auth-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def restart(cluster: Cluster, release: Deployment) -> ApiProcess:
    """What the rolling restart does to the single pod: it stops, a new one starts."""
    (old,) = release.replicas["single"]
    stop_api(old)
    name = next(o["metadata"]["name"] for o in release.objects if o["kind"] == "StatefulSet")
    new = cluster.start_api(release.objects, name, old.port)
    release.replicas["single"] = [new]
    release.apis["single"] = new
    return new


def test_a_rotated_glance_password_is_refused_until_the_pod_restarts(
    release: Deployment, cluster: Cluster, keystone: Keystone
) -> None:
    api = release.apis["single"]
    assert list_status(api, keystone) == 200
    try:
        with rotated(cluster, "GlancePassword"):
            cluster.run_job(release.objects, "glance-keystone", cluster.image.base)
            # Keystone revoked the service's token, and the running pod logs in again with the
            # old password: it cannot validate a token it has not cached.
            assert list_status(api, keystone) == 401
            restarted = restart(cluster, release)
            assert list_status(restarted, keystone) == 200
            conn = connect(keystone, USER, PROJECT)
            image = upload(conn, "after-glance-password-rotation", DATA)
            assert image.status == "active"
            assert conn.image.download_image(image).content == DATA
    finally:
        cluster.run_job(release.objects, "glance-keystone", cluster.image.base)
        restart(cluster, release)


def test_a_rotated_database_password_works_once_the_pod_restarts(
    release: Deployment, cluster: Cluster, keystone: Keystone
) -> None:
    conn = connect(keystone, USER, PROJECT)
    before = upload(conn, "before-database-password-rotation", DATA)
    try:
        with rotated(cluster, "GlanceDatabasePassword"):
            cluster.run_job(release.objects, "glance-db-sync", cluster.image.glance)
            restarted = restart(cluster, release)
            assert list_status(restarted, keystone) == 200
            after = upload(conn, "after-database-password-rotation", DATA)
            assert after.status == "active"
            assert {before.name, after.name} <= {i.name for i in conn.image.images()}
    finally:
        cluster.run_job(release.objects, "glance-db-sync", cluster.image.glance)
        restart(cluster, release)
