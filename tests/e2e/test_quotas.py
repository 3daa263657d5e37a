"""quotas.imageCountTotal: 1: Glance refuses a project's second image (Keystone limits).

The registration hook creates the registered limit; Glance reads it through oslo.limit with the
rendered [oslo_limit] section, which logs the glance user in on the system scope.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.users import connect, project_user, system_roles, upload
from tests.services.keystone import Keystone

VALUES = {"quotas": {"imageCountTotal": 1}, "glanceAPIs": {"default": {"type": "single"}}}


@pytest.fixture(scope="module")
def release(deploy: Any, keystone: Keystone) -> Any:
    """A single API with the image count limit; a member of project-quota."""
    installed = deploy(VALUES)
    project_user(keystone, "project-quota", "project-quota-member", "member")
    return installed


def test_registered_limit(release: Any, keystone: Keystone) -> None:
    """The hook registered image_count_total = 1 for the image service."""
    services = keystone.get("/services", "services", type="image")
    limits = keystone.get("/registered_limits", "registered_limits")
    found = {
        (limit["resource_name"], limit["default_limit"])
        for limit in limits
        if limit["service_id"] in {service["id"] for service in services}
    }
    assert ("image_count_total", 1) in found


def test_service_user_can_read_limits(release: Any, keystone: Keystone) -> None:
    """oslo.limit logs in with system_scope = all: the glance user needs a system role."""
    assert system_roles(keystone, "glance")


def test_second_image_is_refused(release: Any, keystone: Keystone) -> None:
    """The first image is accepted, the second refused with 413."""
    conn = connect(keystone, "project-quota-member", "project-quota")
    assert upload(conn, "first", b"1" * 512).status == "active"
    response = conn.image.post(
        "/images",
        json={"name": "second", "disk_format": "raw", "container_format": "bare"},
    )
    assert response.status_code == 413, response.text
