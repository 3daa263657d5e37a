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

import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.e2e.conftest import SECRET_NAME, Deployment
from tests.e2e.deploy import ApiProcess, Cluster
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


def list_status(api: ApiProcess, keystone: Keystone) -> int:
    """The status of GET /v2/images on one pod with a token the pod has not seen before."""
    token = connect(keystone, USER, PROJECT).auth_token
    request = urllib.request.Request(f"{api.url}/v2/images", headers={"X-Auth-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_rotated_glance_password_is_refused_until_the_pod_restarts(
    release: Deployment, cluster: Cluster, keystone: Keystone
) -> None:
    api = release.apis["single"]
    assert list_status(api, keystone) == 200
    try:
        with cluster.rotated(SECRET_NAME, "GlancePassword"):
            cluster.run_job(release.objects, "glance-keystone", cluster.image.base)
            # Keystone revoked the service's token, and the running pod logs in again with the
            # old password: it cannot validate a token it has not cached.
            assert list_status(api, keystone) == 401
            restarted = release.restart(cluster)
            assert list_status(restarted, keystone) == 200
            conn = connect(keystone, USER, PROJECT)
            image = upload(conn, "after-glance-password-rotation", DATA)
            assert image.status == "active"
            assert conn.image.download_image(image).content == DATA
    finally:
        cluster.run_job(release.objects, "glance-keystone", cluster.image.base)
        release.restart(cluster)


def test_a_rotated_database_password_works_once_the_pod_restarts(
    release: Deployment, cluster: Cluster, keystone: Keystone
) -> None:
    conn = connect(keystone, USER, PROJECT)
    before = upload(conn, "before-database-password-rotation", DATA)
    try:
        with cluster.rotated(SECRET_NAME, "GlanceDatabasePassword"):
            cluster.run_job(release.objects, "glance-db-sync", cluster.image.glance)
            restarted = release.restart(cluster)
            assert list_status(restarted, keystone) == 200
            after = upload(conn, "after-database-password-rotation", DATA)
            assert after.status == "active"
            assert {before.name, after.name} <= {i.name for i in conn.image.images()}
    finally:
        cluster.run_job(release.objects, "glance-db-sync", cluster.image.glance)
        release.restart(cluster)
