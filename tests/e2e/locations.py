"""Image locations through the Glance API: the two ways of setting one, called with a user's token
alone or, as Nova and Cinder call Glance, with their own service token beside it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tests.e2e.users import project_user
from tests.services.keystone import Keystone

# Nova's Keystone user, as its registration makes it: the service role on the service project.
NOVA = "nova"
# The two ways of setting a location: a JSON patch of the image (Glance shows it only where the
# locations are shown), and the locations API of Glance 2024.2 and later (always there).
PATCH, LOCATIONS_API = "image PATCH", "locations API"


def nova_token(keystone: Keystone) -> str:
    """A token of Nova's service user (made once; its password is its name)."""
    project_user(keystone, "service", NOVA, "service")
    return keystone.token(NOVA, NOVA, "service")


def call(
    url: str,
    method: str,
    path: str,
    token: str,
    body: Any = None,
    content_type: str = "application/json",
    service_token: str = "",
) -> tuple[int, str]:
    """One request to a Glance URL as a token (and a service token, when given): its status and
    body."""
    headers = {"X-Auth-Token": token, "Content-Type": content_type}
    if service_token:
        headers["X-Service-Token"] = service_token
    request = urllib.request.Request(
        f"{url}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers=headers,
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def queued_image(url: str, token: str, name: str) -> str:
    """A new image without data (status queued), as Nova makes the record of a snapshot: its id."""
    record = {"name": name, "disk_format": "raw", "container_format": "bare"}
    status, body = call(url, "POST", "/v2/images", token, record)
    assert status == 201, body
    return str(json.loads(body)["id"])


def image(url: str, token: str, image_id: str) -> dict[str, Any]:
    """GET /v2/images/{id}: the image as that endpoint shows it."""
    status, body = call(url, "GET", f"/v2/images/{image_id}", token)
    assert status == 200, body
    return dict(json.loads(body))


def set_location(
    url: str, way: str, token: str, image_id: str, location: str, service_token: str = ""
) -> tuple[int, str]:
    """Add a location to an image one of the two ways (PATCH or LOCATIONS_API): the status and
    body of Glance's answer."""
    if way == PATCH:
        change = [{"op": "add", "path": "/locations/-", "value": {"url": location, "metadata": {}}}]
        return call(url, "PATCH", f"/v2/images/{image_id}", token, change,
                    "application/openstack-images-v2.1-json-patch", service_token)  # fmt: skip
    return call(url, "POST", f"/v2/images/{image_id}/locations", token, {"url": location},
                service_token=service_token)  # fmt: skip


def refused_by_policy(answer: tuple[int, str], way: str) -> bool:
    """Whether Glance refused a location change by its policy rule (not for another reason)."""
    rule = "set_image_location" if way == PATCH else "add_image_location"
    return answer[0] == 403 and f"You are not authorized to complete {rule} action" in answer[1]
