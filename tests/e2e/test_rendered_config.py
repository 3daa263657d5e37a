"""What the rendered 00-config.conf tells Glance per instance type, read as oslo.config would."""

from __future__ import annotations

import base64
import configparser
from typing import Any

import pytest

from tests.chart.cases import SHARED_STORE
from tests.e2e.deploy import render

# Every instance type: split (external + internal), single and edge, on a store the split API
# may use (Ceph, its files mounted).
VALUES = {
    **SHARED_STORE,
    "glanceAPIs": {"a": {"type": "split"}, "b": {"type": "single"}, "c": {"type": "edge"}},
}
LOCATIONS = ("show_image_direct_url", "show_multiple_locations")


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, configparser.RawConfigParser]:
    """The generated Glance configuration of each instance type."""
    objects = render(VALUES, tmp_path_factory.mktemp("render"))
    out = {}
    for obj in objects:
        if obj["kind"] != "StatefulSet":
            continue
        instance = obj["metadata"]["labels"]["glance.openstack.org/api-instance"]
        secret = find_secret(objects, f"{obj['metadata']['name']}-config")
        parser = configparser.RawConfigParser(strict=False)
        parser.read_string(base64.b64decode(secret["data"]["00-config.conf"]).decode())
        out[instance] = parser
    return out


def find_secret(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The rendered Secret of that name."""
    (found,) = [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == name]
    return found


def test_every_type_is_rendered(configs: dict[str, Any]) -> None:
    assert sorted(configs) == ["edge", "external", "internal", "single"]


@pytest.mark.parametrize("instance", ["internal", "single", "edge"])
def test_locations_shown_inside_the_cloud(
    configs: dict[str, configparser.RawConfigParser], instance: str
) -> None:
    """The instances other services reach show image locations (Nova, Cinder use them)."""
    assert [configs[instance].getboolean("DEFAULT", o) for o in LOCATIONS] == [True, True]


def test_locations_hidden_on_the_public_instance(
    configs: dict[str, configparser.RawConfigParser],
) -> None:
    """The external instance leaves both options at Glance's default (false)."""
    assert [configs["external"].has_option("DEFAULT", o) for o in LOCATIONS] == [False, False]
