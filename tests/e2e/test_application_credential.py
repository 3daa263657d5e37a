"""auth.applicationCredentialSecret: Glance logs in to Keystone with an application credential.

The release is first installed with the service password (the registration creates the glance
user); the glance user then makes an application credential of itself, whose ID and secret go
into a Secret (AC_ID, AC_SECRET), and an upgrade names that Secret. Users' tokens are then
validated ([keystone_authtoken]) and quotas read ([oslo_limit]) with the credential, and the
pods hold no service password.
"""

from __future__ import annotations

import configparser
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import SECRET
from tests.e2e.deploy import Cluster, stop_api
from tests.e2e.users import connect, project_user, upload
from tests.services.keystone import Keystone

CREDENTIAL_SECRET = "glance-application-credential"
PASSWORD_VALUES = {"glanceAPIs": {"default": {"type": "single"}}, "quotas": {"imageCountTotal": 2}}
VALUES = {
    "glanceAPIs": {
        "default": {"type": "single", "auth": {"applicationCredentialSecret": CREDENTIAL_SECRET}}
    },
    "quotas": {"imageCountTotal": 2},
}


@pytest.fixture(scope="module")
def credential(deploy: Any, keystone: Keystone, cluster: Cluster) -> Any:
    """The glance user's application credential, made after a password install registered the
    user, and stored in the Secret CREDENTIAL_SECRET."""
    first = deploy(PASSWORD_VALUES)
    for pods in first.replicas.values():
        for pod in pods:  # the upgrade replaces them
            stop_api(pod)
    glance = connect(keystone, "glance", "service", password=SECRET["GlancePassword"])
    made = glance.identity.create_application_credential(
        user=glance.current_user_id,
        name="glance-e2e",
        roles=[{"name": "admin"}, {"name": "service"}],
    )
    cluster.secrets[CREDENTIAL_SECRET] = {"AC_ID": made.id, "AC_SECRET": made.secret}
    return made


@pytest.fixture(scope="module")
def release(deploy: Any, credential: Any) -> Any:
    """The upgrade to the application credential."""
    return deploy(VALUES)


@pytest.fixture(scope="module")
def conn(release: Any, keystone: Keystone) -> Any:
    """A member of project-ac."""
    project_user(keystone, "project-ac", "project-ac-member", "member")
    return connect(keystone, "project-ac-member", "project-ac")


def conf_d(cluster: Cluster, pod: str) -> dict[str, str]:
    """The files the init container of the latest pod of that name wrote, by name."""
    roots = [p for p in cluster.root.iterdir() if p.name.split("-", 1)[-1] == pod]
    latest = max(roots, key=lambda p: int(p.name.split("-", 1)[0]))
    folder = latest / "volumes" / "config-d"
    return {f.name: f.read_text() for f in sorted(folder.iterdir())}


def test_upload_and_download_through_the_credential(conn: Any) -> None:
    """A member's token is validated with the credential's: the image goes and comes back."""
    data = bytes(range(256)) * 4096 + b"end"
    image = upload(conn, "through-ac", data)
    assert image.status == "active"
    assert conn.image.download_image(image).content == data


def test_quotas_are_read_with_the_credential(conn: Any) -> None:
    """oslo.limit logs in with the credential: the limit of 2 images holds."""
    assert upload(conn, "second", b"2" * 512).status == "active"
    response = conn.image.post(
        "/images", json={"name": "third", "disk_format": "raw", "container_format": "bare"}
    )
    assert response.status_code == 413, response.text


def test_the_pod_holds_the_credential_and_no_password(
    release: Any, credential: Any, cluster: Cluster
) -> None:
    """[keystone_authtoken] and [oslo_limit], as oslo.config reads conf.d, name the credential
    and no user, project or password; the service password is in no file of conf.d."""
    (api,) = release.apis.values()
    files = conf_d(cluster, api.name)
    parser = configparser.RawConfigParser(strict=False)
    for text in files.values():
        parser.read_string(text)
    for section in ("keystone_authtoken", "oslo_limit"):
        options = dict(parser[section])
        assert options["auth_type"] == "v3applicationcredential"
        assert options["application_credential_id"].strip('"') == credential.id
        assert not {"password", "username", "project_name", "system_scope"} & set(options)
    assert not any(SECRET["GlancePassword"] in text for text in files.values())


def test_no_manifest_holds_the_credential(release: Any, credential: Any) -> None:
    """The rendered objects name the Secret, never what it holds."""
    rendered = yaml.safe_dump_all(release.objects)
    assert CREDENTIAL_SECRET in rendered
    assert credential.secret not in rendered and credential.id not in rendered


def test_the_registration_left_the_password_alone(release: Any, keystone: Keystone) -> None:
    """Every API has the credential: the hook did not get or set the service password, which
    still logs in."""
    log = release.registration.stdout + release.registration.stderr
    assert "password left alone: application credentials" in log
    assert keystone.token(user="glance", password=SECRET["GlancePassword"], project="service")
