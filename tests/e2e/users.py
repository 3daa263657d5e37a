"""Projects, users and roles of the scenarios; openstacksdk connections and the glance command
as those users; an image as the API shows it, and the wait for its import."""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.error
from collections.abc import Iterable
from typing import Any

import openstack

from tests.services import scrubbed_env, venv_bin
from tests.services.keystone import Keystone

REGION = "RegionOne"


def _one(keystone: Keystone, path: str, key: str, name: str) -> dict[str, Any] | None:
    found = keystone.get(path, key, name=name)
    return found[0] if found else None


def ensure_project(keystone: Keystone, name: str) -> str:
    """`openstack project create <name> --domain default` (kept if it exists)."""
    found = _one(keystone, "/projects", "projects", name)
    if found:
        return str(found["id"])
    body = {"project": {"name": name, "domain_id": "default", "description": name}}
    return str(keystone.api("POST", "/projects", body)["project"]["id"])


def ensure_user(keystone: Keystone, name: str, password: str) -> str:
    """`openstack user create <name> --password <password>` (kept if it exists)."""
    found = _one(keystone, "/users", "users", name)
    if found:
        return str(found["id"])
    body = {"user": {"name": name, "password": password, "domain_id": "default"}}
    return str(keystone.api("POST", "/users", body)["user"]["id"])


def role_id(keystone: Keystone, name: str) -> str:
    """The id of a role (Keystone's bootstrap creates admin, member, reader)."""
    found = _one(keystone, "/roles", "roles", name)
    assert found, f"role {name} missing"
    return str(found["id"])


def grant(keystone: Keystone, user: str, project: str, role: str) -> None:
    """`openstack role add --user <user> --project <project> <role>`."""
    keystone.api("PUT", f"/projects/{project}/users/{user}/roles/{role_id(keystone, role)}")


def project_user(keystone: Keystone, project: str, user: str, role: str) -> None:
    """A user with a role on a project; the password is the user's name, as in the README."""
    grant(keystone, ensure_user(keystone, user, user), ensure_project(keystone, project), role)


def system_roles(keystone: Keystone, user_name: str) -> list[str]:
    """The roles a user has on the system scope."""
    user = _one(keystone, "/users", "users", user_name)
    assert user, f"user {user_name} missing"
    try:
        found = keystone.get(f"/system/users/{user['id']}/roles", "roles")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise
    return sorted(role["name"] for role in found)


def connect(
    keystone: Keystone,
    user: str,
    project: str,
    password: str | None = None,
    interface: str = "public",
    cacert: str | None = None,
    image_url: str | None = None,
) -> Any:
    """An openstacksdk connection as the README's rc files describe it (cacert: the CA file
    that verifies HTTPS endpoints; image_url: a Glance URL to use instead of the catalog's, as
    an edge API's compute nodes have)."""
    return openstack.connect(
        cacert=cacert,
        image_endpoint_override=image_url,
        auth_url=keystone.auth_url,
        username=user,
        password=password if password is not None else user,
        project_name=project,
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=REGION,
        interface=interface,
        identity_api_version="3",
        image_api_version="2",
        load_yaml_config=False,
        load_envvars=False,
    )


def upload(conn: Any, name: str, data: bytes, **extra: Any) -> Any:
    """`glance image-create --disk-format raw --container-format bare --file ...`: an image with
    its data uploaded (PUT /v2/images/{id}/file)."""
    image = conn.image.create_image(
        name=name,
        data=data,
        disk_format="raw",
        container_format="bare",
        visibility=extra.pop("visibility", "private"),
        allow_duplicates=True,
        validate_checksum=False,
        **extra,
    )
    return conn.image.get_image(image.id)


def glance(keystone: Keystone, user: str, project: str, *args: str, password: str = "") -> str:
    """`glance` from the venv with a user's rc file (the catalog's public endpoint); the id in
    the table it prints."""
    env = scrubbed_env(
        OS_AUTH_URL=keystone.auth_url, OS_USERNAME=user, OS_PASSWORD=password or user,
        OS_PROJECT_NAME=project, OS_USER_DOMAIN_NAME="Default", OS_PROJECT_DOMAIN_NAME="Default",
        OS_REGION_NAME=REGION, OS_IDENTITY_API_VERSION="3", OS_IMAGE_API_VERSION="2",
        OS_INTERFACE="public",
    )  # fmt: skip
    # No stdin at all, as from a terminal: glanceclient uploads a stdin that is not one.
    result = subprocess.run(
        [venv_bin("glance"), *args], capture_output=True, text=True, env=env, timeout=120,
        check=False, preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    assert result.returncode == 0, f"glance {' '.join(args)}:\n{result.stderr}"
    found = re.search(r"^\| id\s+\| (\S+)", result.stdout, re.M)
    assert found, result.stdout
    return found.group(1)


def image_json(conn: Any, image: str) -> dict[str, Any]:
    """GET /v2/images/{id} as the API answers it (stores and import state included)."""
    response = conn.image.get(f"/images/{image}")
    response.raise_for_status()
    return dict(response.json())


def wait_imported(
    conn: Any, image: str, stores: Iterable[str] = (), timeout: float = 120
) -> dict[str, Any]:
    """The image once active in every one of stores with no import running; a failed import
    fails at once, naming the stores it failed in."""
    deadline = time.monotonic() + timeout
    while True:
        found = image_json(conn, image)
        failed = found.get("os_glance_failed_import", "")
        assert not failed, f"import failed in {failed}"
        have = set(filter(None, found.get("stores", "").split(",")))
        importing = found.get("os_glance_importing_to_stores")
        if found["status"] == "active" and set(stores) <= have and not importing:
            return found
        assert time.monotonic() < deadline, f"{image}: {found['status']}, stores {have}"
        time.sleep(0.5)
