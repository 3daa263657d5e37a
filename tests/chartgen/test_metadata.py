"""Chart.yaml's metadata from the other sources: the images of the defaults, and the changes of
the chart's version from CHANGELOG.md, as Artifact Hub reads them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chartgen.assemble import ValuesAPI
from chartgen.errors import InputError
from chartgen.metadata import Change, changes, images
from tests.conftest import CHART

CHANGELOG = """# Changelog

Intro.

## [Unreleased]

Not released yet.

### Added

- A value, over
  two lines.
- Another.

### Fixed

- A fix.

## [0.2.0]

### Removed

- An old key.
"""


def test_changes_are_the_bullets_of_the_unreleased_section(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(CHANGELOG)
    assert changes(path, "0.3.0") == [
        Change("added", "A value, over two lines."),
        Change("added", "Another."),
        Change("fixed", "A fix."),
    ]


def test_a_released_version_has_its_own_section(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(CHANGELOG)
    assert changes(path, "0.2.0") == [Change("removed", "An old key.")]


def test_a_heading_artifact_hub_has_no_kind_for_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CHANGELOG.md"
    path.write_text(CHANGELOG.replace("### Fixed", "### Tweaked"))
    with pytest.raises(InputError, match="unknown heading '### Tweaked'"):
        changes(path, "0.3.0")


def test_images_are_those_of_the_default_values(values_api: ValuesAPI) -> None:
    assert [i["name"] for i in images(values_api.document)] == ["glance-api", "openstackclient"]
    assert images(values_api.document)[0]["image"].startswith("quay.io/podified-")


def test_chart_yaml_carries_the_annotations_as_artifact_hub_reads_them() -> None:
    meta = yaml.safe_load((CHART / "Chart.yaml").read_text())
    annotations = meta["annotations"]
    assert meta["maintainers"] and meta["icon"] and meta["sources"]
    assert annotations["artifacthub.io/license"] == "Apache-2.0"
    for key in ("artifacthub.io/images", "artifacthub.io/changes"):
        entries = yaml.safe_load(annotations[key])
        assert isinstance(entries, list) and entries, key
    kinds = {c["kind"] for c in yaml.safe_load(annotations["artifacthub.io/changes"])}
    assert kinds <= {"added", "changed", "deprecated", "removed", "fixed", "security"}
