"""The reference README's policy scenario against a default install.

One release for the module: the default values (one single API named `default`), pointed at
the loopback MariaDB, Keystone and memcached.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from openstack import exceptions

from tests.e2e import locations
from tests.e2e.conftest import SECRET
from tests.e2e.deploy import Cluster
from tests.e2e.users import connect, project_user, upload
from tests.services.keystone import Keystone
from tests.services.mariadb import MariaDB

DATA = b"glance e2e image data\n" * 400
USERS = {
    "project-a-member": ("project-a", "member"),
    "project-a-reader": ("project-a", "reader"),
    "project-b-member": ("project-b", "member"),
    "project-b-reader": ("project-b", "reader"),
}


@pytest.fixture(scope="module")
def release(deploy: Any, keystone: Keystone) -> Any:
    """The default single API, registered in Keystone; the README's projects and users."""
    installed = deploy({})
    for user, (project, role) in USERS.items():
        project_user(keystone, project, user, role)
    return installed


@pytest.fixture(scope="module")
def image(release: Any, keystone: Keystone) -> Any:
    """Step 1: project-a-member creates a private image; it goes active."""
    conn = connect(keystone, "project-a-member", "project-a")
    created = upload(conn, "cirros", DATA)
    assert created.status == "active"
    assert created.visibility == "private"
    return created


def test_db_sync_made_account_and_schema(release: Any, mariadb: MariaDB) -> None:
    """The db sync Job created the account with the Secret's password and migrated the schema."""
    conn = mariadb.connect(
        user="glance", password=SECRET["GlanceDatabasePassword"], database="glance"
    )
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version_num FROM alembic_version")
            assert cur.fetchall()
            cur.execute("SELECT COUNT(*) FROM metadef_namespaces")
            assert cur.fetchone()[0] > 0
    finally:
        conn.close()
    assert set(release.apis) == {"single"}


def test_member_creates_private_image(image: Any) -> None:
    """Step 1 of the README."""
    assert image.status == "active"
    assert image.size == len(DATA)


def test_reader_cannot_create(image: Any, keystone: Keystone) -> None:
    """Step 2: a reader gets 403 Forbidden."""
    conn = connect(keystone, "project-a-reader", "project-a")
    with pytest.raises(exceptions.ForbiddenException):
        conn.image.create_image(
            name="cirros", disk_format="raw", container_format="bare", allow_duplicates=True
        )


def test_reader_of_same_project_lists_it(image: Any, keystone: Keystone) -> None:
    """Step 3: project-a-reader sees the image of step 1."""
    conn = connect(keystone, "project-a-reader", "project-a")
    assert image.id in {found.id for found in conn.image.images()}


def test_reader_of_other_project_does_not(image: Any, keystone: Keystone) -> None:
    """Step 4: project-b-reader does not see it (private to project-a)."""
    conn = connect(keystone, "project-b-reader", "project-b")
    assert image.id not in {found.id for found in conn.image.images()}


def test_download_equals_upload(image: Any, keystone: Keystone) -> None:
    """The bytes come back as they were uploaded (downloading takes the member role: Glance's
    default policy refuses a reader)."""
    conn = connect(keystone, "project-a-member", "project-a")
    response = conn.image.get(f"/images/{image.id}/file")
    assert response.status_code == 200
    assert response.content == DATA
    reader = connect(keystone, "project-a-reader", "project-a")
    assert reader.image.get(f"/images/{image.id}/file").status_code == 403


def test_both_catalog_endpoints_answer(image: Any, release: Any, keystone: Keystone) -> None:
    """The single API: the catalog's public and internal URLs are two names of its pod; both
    serve.

    openstacksdk finds each URL in the catalog the registration hook wrote; the pod's access
    log shows each listing it served.
    """
    pod = release.apis["single"]
    assert release.endpoints["public"] == pod.url
    for interface in ("public", "internal"):
        before = pod.log.read_text().count('"GET /v2/images')
        conn = connect(keystone, "project-a-member", "project-a", interface=interface)
        endpoint = conn.image.get_endpoint().rstrip("/").removesuffix("/v2")
        assert endpoint == release.endpoints[interface]
        assert image.id in {found.id for found in conn.image.images()}
        # httpd logs a request after answering it.
        deadline = time.monotonic() + 10
        while pod.log.read_text().count('"GET /v2/images') == before:
            assert time.monotonic() < deadline, f"{pod.name} logged no listing"
            time.sleep(0.1)


@pytest.mark.parametrize("way", [locations.PATCH, locations.LOCATIONS_API])
def test_a_member_cannot_point_its_image_at_other_data_through_either_endpoint(
    image: Any, release: Any, keystone: Keystone, way: str
) -> None:
    """The default single API shows no image locations, and its policy refuses a member who sets
    the location of its own new image to the file of another image's data, through the public
    and the internal URL alike."""
    token = keystone.token("project-a-member", "project-a-member", "project-a")
    stolen = f"file:///var/lib/glance/images/{image.id}"
    for interface in ("public", "internal"):
        url = release.endpoints[interface]
        shown = locations.image(url, token, image.id)
        assert {"direct_url", "locations"} & set(shown) == set(), interface
        mine = locations.queued_image(url, token, f"pointer-{interface}")
        answer = locations.set_location(url, way, token, mine, stolen)
        assert locations.refused_by_policy(answer, way), (interface, answer)
        assert locations.image(url, token, mine)["status"] == "queued"


# The rows a deleted image leaves in the tables `glance-manage db purge` purges (the images
# table itself is purge_images_table's, kept longer so that an ID is never used again).
IMAGE_ROWS = ("image_properties", "image_tags")


def deleted_rows(mariadb: MariaDB, image: str) -> dict[str, int]:
    """How many soft-deleted rows of an image each of IMAGE_ROWS holds, and the images row."""
    count = {
        table: mariadb.query(
            f"SELECT COUNT(*) FROM {table} WHERE image_id = %s AND deleted = 1",
            (image,),
            database="glance",
        )[0][0]
        for table in IMAGE_ROWS
    }
    count["images"] = mariadb.query(
        "SELECT COUNT(*) FROM images WHERE id = %s AND deleted = 1", (image,), database="glance"
    )[0][0]
    return count


def test_db_purge_cronjob_purges_the_rows_of_images_deleted_long_ago(
    release: Any, cluster: Cluster, keystone: Keystone, mariadb: MariaDB
) -> None:
    """The db-purge CronJob (init container, then glance-manage db purge --age_in_days 30)
    purges what a deleted image left, once it is older than dbPurge.age, and nothing younger."""
    conn = connect(keystone, "project-a-member", "project-a")
    old, young = (upload(conn, name, DATA, tags=["purge"], purpose="test") for name in "oy")
    for image in (old, young):
        conn.image.delete_image(image.id)
    before = {i.id: deleted_rows(mariadb, i.id) for i in (old, young)}
    assert before[old.id] == before[young.id]
    assert all(before[old.id].values()), before  # the image's properties, its tag, its row
    for table in (*IMAGE_ROWS, "images"):
        column = "id" if table == "images" else "image_id"
        mariadb.query(
            f"UPDATE {table} SET deleted_at = deleted_at - INTERVAL 31 DAY WHERE {column} = %s",
            (old.id,),
            database="glance",
        )
    (name,) = release.cronjobs("db-purge")
    cluster.run_cronjob(release.objects, name, cluster.image.glance)
    assert deleted_rows(mariadb, old.id) == {"image_properties": 0, "image_tags": 0, "images": 1}
    assert deleted_rows(mariadb, young.id) == before[young.id]
