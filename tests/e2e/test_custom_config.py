"""customServiceConfig reaches Glance: `[DEFAULT] image_size_cap = 1024` refuses a bigger upload."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.users import connect, project_user, upload
from tests.services.keystone import Keystone

CAP = 1024
VALUES = {
    "customServiceConfig": f"[DEFAULT]\nimage_size_cap = {CAP}\n",
    "glanceAPIs": {"default": {"type": "single"}},
}


@pytest.fixture(scope="module")
def release(deploy: Any) -> Any:
    """A single API with the size cap."""
    return deploy(VALUES)


@pytest.fixture(scope="module")
def conn(release: Any, keystone: Keystone) -> Any:
    """A member of project-cap."""
    project_user(keystone, "project-cap", "project-cap-member", "member")
    return connect(keystone, "project-cap-member", "project-cap")


def test_conf_d_order(release: Any) -> None:
    """The init container wrote the generated file, the custom one, then the secrets, in the
    order oslo.config loads the folder (sorted by name)."""
    (api,) = release.apis.values()
    listed = api.init_output["glance-config"].split()
    assert listed == sorted(listed)
    assert listed[:3] == [
        "glance.conf.d/00-config.conf",
        "glance.conf.d/01-custom.conf",
        "glance.conf.d/03-secrets.conf",
    ]


def test_upload_under_the_cap(conn: Any) -> None:
    """An image of CAP bytes is accepted."""
    assert upload(conn, "small", b"s" * CAP).status == "active"


def test_upload_over_the_cap_is_refused(conn: Any) -> None:
    """One byte more: 413, and the image stays without data."""
    image = conn.image.create_image(
        name="big", disk_format="raw", container_format="bare", allow_duplicates=True
    )
    response = conn.image.put(
        f"/images/{image.id}/file",
        data=b"b" * (CAP + 1),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 413, response.text
    assert conn.image.get_image(image.id).status == "queued"
