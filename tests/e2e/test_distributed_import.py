"""Distributed import: data staged (glance-direct) through one replica is imported through
another, which forwards the import to the replica holding the staged data (each pod's
worker_self_reference_url).

One release for the module: a single API of two replicas, each with its own staging area,
storing images on one volume both mount (storage.external, extraMounts at
/var/lib/glance/images), as the chart requires for more than one replica on the file backend.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.e2e.users import connect, project_user
from tests.services.keystone import Keystone

PROJECT, USER = "project-import", "project-import-member"
DATA = b"staged on one pod, imported on the other\n" * 3000
VALUES = {
    "glanceAPIs": {"default": {"type": "single", "replicas": 2, "storage": {"external": True}}},
    "extraMounts": [
        {
            "extraVol": [
                {
                    "propagation": ["GlanceAPI"],
                    "volumes": [
                        {"name": "images", "persistentVolumeClaim": {"claimName": "glance-images"}}
                    ],
                    "mounts": [{"name": "images", "mountPath": "/var/lib/glance/images"}],
                }
            ]
        }
    ],
}


@pytest.fixture(scope="module")
def release(deploy: Any, keystone: Keystone) -> Any:
    """The two replicas; a member of project-import."""
    installed = deploy(VALUES)
    project_user(keystone, PROJECT, USER, "member")
    return installed


def image_state(url: str, headers: dict[str, str], image: str) -> dict[str, Any]:
    """GET /v2/images/{id} through one pod."""
    response = requests.get(f"{url}/v2/images/{image}", headers=headers, timeout=30)
    response.raise_for_status()
    return dict(response.json())


def test_import_through_the_other_replica(release: Any, keystone: Keystone) -> None:
    """Staged through the first pod, imported through the second: the image becomes active
    with the staged bytes, and the first pod served the forwarded import."""
    first, second = release.replicas["single"]
    headers = {"X-Auth-Token": connect(keystone, USER, PROJECT).auth_token}
    created = requests.post(
        f"{first.url}/v2/images",
        json={"name": "staged", "disk_format": "raw", "container_format": "bare"},
        headers=headers, timeout=30,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    image = created.json()["id"]
    staged = requests.put(
        f"{first.url}/v2/images/{image}/stage",
        data=DATA, timeout=60,
        headers={**headers, "Content-Type": "application/octet-stream"},
    )  # fmt: skip
    assert staged.status_code == 204, staged.text
    imported = requests.post(
        f"{second.url}/v2/images/{image}/import",
        json={"method": {"name": "glance-direct"}}, headers=headers, timeout=60,
    )  # fmt: skip
    assert imported.status_code == 202, imported.text
    deadline = time.monotonic() + 60
    state = image_state(second.url, headers, image)
    while state["status"] != "active" and not state.get("os_glance_failed_import"):
        assert time.monotonic() < deadline, f"import still {state['status']} after 60 s"
        time.sleep(0.5)
        state = image_state(second.url, headers, image)
    assert (state["status"], state.get("os_glance_failed_import", "")) == ("active", "")
    read = requests.get(f"{second.url}/v2/images/{image}/file", headers=headers, timeout=60)
    assert read.content == DATA
    assert f'"POST /v2/images/{image}/import HTTP/1.1" 202' in first.log.read_text()
