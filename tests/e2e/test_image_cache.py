"""imageCache.size turns Glance's image cache on: a downloaded image shows in the cache API."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from tests.e2e.conftest import SECRET
from tests.e2e.deploy import Cluster
from tests.e2e.users import connect, project_user, upload
from tests.services.keystone import Keystone

DATA = b"cached image data\n" * 300
CACHE = {"imageCache": {"size": "1G"}, "glanceAPIs": {"default": {"type": "single"}}}


@pytest.fixture(scope="module")
def release(deploy: Any, keystone: Keystone) -> Any:
    """A single API with the cache on, from imageCache.size alone; a member of project-cache.

    Glance's cache driver needs the pod's own URL (worker_self_reference_url): the chart
    gives it from the pod's name, or Glance would answer 500 on every path.
    """
    installed = deploy(CACHE)
    project_user(keystone, "project-cache", "project-cache-member", "member")
    return installed


def cached_images(url: str, token: str) -> set[str]:
    """GET /v2/cache (the cache API of the cachemanagement paste flavor) as an admin."""
    request = urllib.request.Request(f"{url}/v2/cache", headers={"X-Auth-Token": token})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    return {entry["image_id"] for entry in body["cached_images"]}


def test_downloaded_image_is_cached(release: Any, keystone: Keystone) -> None:
    """Not cached after the upload; cached once downloaded; the bytes are the uploaded ones."""
    member = connect(keystone, "project-cache-member", "project-cache")
    admin = connect(keystone, "admin", "admin", password=SECRET["AdminPassword"])
    image = upload(member, "cached", DATA)
    url = release.endpoints["public"]
    assert image.id not in cached_images(url, admin.auth_token)
    response = member.image.get(f"/images/{image.id}/file")
    assert response.status_code == 200
    assert response.content == DATA
    assert image.id in cached_images(url, admin.auth_token)


def test_cache_cronjobs_run(release: Any, cluster: Cluster, keystone: Keystone) -> None:
    """The cleaner and pruner CronJobs of the pod run against its cache volume; an image well
    under the cache size stays cached."""
    member = connect(keystone, "project-cache-member", "project-cache")
    admin = connect(keystone, "admin", "admin", password=SECRET["AdminPassword"])
    image = upload(member, "kept-in-cache", DATA)
    assert member.image.get(f"/images/{image.id}/file").content == DATA
    url = release.endpoints["public"]
    before = cached_images(url, admin.auth_token)
    assert image.id in before
    for component in ("cache-cleaner", "cache-pruner"):
        (name,) = release.cronjobs(component)
        cluster.run_cronjob(release.objects, name, cluster.image.glance)
    assert cached_images(url, admin.auth_token) == before
