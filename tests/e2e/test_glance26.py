"""Glance 26 (2023.1, Python 3.9), the release the chart's default images carry, as a service:
its `glance-manage db sync` on a fresh database of the test MariaDB, then its API on loopback,
through which a member uploads an image and reads it back byte for byte with openstacksdk.

Without the chart: the service user and the member are made here, and the SDK is pointed at the
API directly (no catalog entry, which would compete with the releases the other modules install).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import openstack
import pytest

from tests.e2e.conftest import REGION, SECRET
from tests.e2e.users import ensure_project, ensure_user, grant, project_user, upload
from tests.services import glance26
from tests.services.keystone import Keystone
from tests.services.mariadb import MariaDB

DB_NAME = DB_USER = "glance26"
SERVICE_USER = "glance26-service"
PROJECT, MEMBER = "project-glance26", "project-glance26-member"
# More than one read chunk of the file store (64 KiB) and not a multiple of it.
DATA = hashlib.sha256(b"glance 26").digest() * 5_000 + b"tail"


@pytest.fixture(scope="module")
def database_url(mariadb: MariaDB) -> Iterator[str]:
    """A fresh database and account for Glance 26 (the Secret's database password); dropped
    afterwards."""
    if not glance26.venv_ready():
        pytest.fail(f"no Glance 26 venv: {glance26.HINT}", pytrace=False)
    password = SECRET["GlanceDatabasePassword"]
    mariadb.drop(database=DB_NAME, user=DB_USER)
    mariadb.create_database(DB_NAME, DB_USER, password)
    yield mariadb.url(DB_USER, password, DB_NAME)
    mariadb.drop(database=DB_NAME, user=DB_USER)


@pytest.fixture(scope="module")
def api(
    database_url: str,
    keystone: Keystone,
    memcached: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[glance26.Api]:
    """Glance 26's schema synced, then its API validating tokens as a service user with admin on
    the service project (the Secret's Glance password)."""
    synced = glance26.manage(["db", "sync"], database_url)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    user = ensure_user(keystone, SERVICE_USER, SECRET["GlancePassword"])
    grant(keystone, user, ensure_project(keystone, "service"), "admin")
    project_user(keystone, PROJECT, MEMBER, "member")
    workdir = tmp_path_factory.mktemp("glance26")
    with glance26.running_api(
        database_url,
        keystone,
        workdir,
        user=SERVICE_USER,
        password=SECRET["GlancePassword"],
        region=REGION,
        memcached=memcached,
    ) as running:
        yield running


def member_connection(keystone: Keystone, url: str) -> Any:
    """An openstacksdk connection as the member, its image API pointed at url."""
    return openstack.connect(
        auth_url=keystone.auth_url,
        username=MEMBER,
        password=MEMBER,
        project_name=PROJECT,
        user_domain_name="Default",
        project_domain_name="Default",
        region_name=REGION,
        identity_api_version="3",
        image_api_version="2",
        image_endpoint_override=url,
        load_yaml_config=False,
        load_envvars=False,
    )


def test_db_version_is_the_2023_1_heads(
    mariadb: MariaDB, database_url: str, api: glance26.Api
) -> None:
    """Glance 26's migrations end at 2023_1_expand01 and 2023_1_contract01; after db sync,
    `glance-manage db version` prints the contract head (which depends on the expand one), the
    one version the database records."""
    assert glance26.script_heads() == (glance26.EXPAND_HEAD, glance26.CONTRACT_HEAD)
    version = glance26.manage(["db", "version"], database_url)
    assert version.returncode == 0, version.stdout + version.stderr
    assert version.stdout.split() == [glance26.CONTRACT_HEAD]
    assert mariadb.alembic_heads(DB_NAME) == {glance26.CONTRACT_HEAD}


def test_member_uploads_and_downloads(keystone: Keystone, api: glance26.Api) -> None:
    """A member's image goes through Glance 26's API into the file store and back unchanged."""
    conn = member_connection(keystone, api.url)
    image = upload(conn, "glance26-image", DATA)
    assert image.status == "active"
    assert image.size == len(DATA)
    assert conn.image.download_image(image).content == DATA
    stored = list((api.config.parent / "images").iterdir())
    assert [path.read_bytes() for path in stored] == [DATA]
    conn.image.delete_image(image)
    assert not list((api.config.parent / "images").iterdir())
