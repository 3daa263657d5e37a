"""What the rendered 00-config.conf tells Glance per instance type, read as oslo.config would."""

from __future__ import annotations

import base64
import configparser
from pathlib import Path
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


def instance_configs(
    values: dict[str, Any], workdir: Path
) -> dict[str, configparser.RawConfigParser]:
    """The generated Glance configuration of each instance type the values render."""
    objects = render(values, workdir)
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


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, configparser.RawConfigParser]:
    """The generated Glance configuration of each instance type, by default."""
    return instance_configs(VALUES, tmp_path_factory.mktemp("render"))


def find_secret(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The rendered Secret of that name."""
    (found,) = [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == name]
    return found


def shown(config: configparser.RawConfigParser) -> list[bool]:
    """Both location options as Glance reads them (false when not set, Glance's default)."""
    return [config.getboolean("DEFAULT", o, fallback=False) for o in LOCATIONS]


def test_every_type_is_rendered(configs: dict[str, Any]) -> None:
    assert sorted(configs) == ["edge", "external", "internal", "single"]


@pytest.mark.parametrize("instance", ["internal", "edge"])
def test_locations_shown_to_the_services_inside_the_cloud(
    configs: dict[str, configparser.RawConfigParser], instance: str
) -> None:
    """The instances only other services reach show image locations (Nova, Cinder use them)."""
    assert shown(configs[instance]) == [True, True]


@pytest.mark.parametrize("instance", ["external", "single"])
def test_locations_hidden_on_the_public_endpoint(
    configs: dict[str, configparser.RawConfigParser], instance: str
) -> None:
    """The instances that serve the public endpoint leave both options at Glance's default."""
    assert [configs[instance].has_option("DEFAULT", o) for o in LOCATIONS] == [False, False]


def test_locations_shown_on_the_public_endpoint_when_asked(tmp_path: Path) -> None:
    """showImageLocationsOnPublicEndpoint shows them on every instance, a single API's too."""
    asked = instance_configs({**VALUES, "showImageLocationsOnPublicEndpoint": True}, tmp_path)
    assert {name: shown(config) for name, config in asked.items()} == {
        name: [True, True] for name in ("edge", "external", "internal", "single")
    }
