"""The chart as a dependency of a parent chart, as platform teams consume charts: Helm passes it
the parent's `global` values, which it takes and ignores, and its own values from the parent's
key of its name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import CHART, run_helm
from chartgen.manifests import objects


@pytest.fixture(scope="module")
def parent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A parent chart depending on this one from its folder, its dependency built by helm."""
    folder = tmp_path_factory.mktemp("parent") / "platform"
    folder.mkdir()
    version = yaml.safe_load((CHART / "Chart.yaml").read_text())["version"]
    (folder / "Chart.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v2",
                "name": "platform",
                "version": "1.0.0",
                "dependencies": [
                    {"name": "glance", "version": version, "repository": f"file://{CHART}"}
                ],
            }
        )
    )
    (folder / "values.yaml").write_text("global:\n  imageRegistry: registry.example\n")
    built = run_helm(Path(CHART.parent / "bin" / "helm"), "dependency", "build", str(folder))
    assert built.returncode == 0, built.stderr
    return folder


def statefulsets(helm: Path, parent: Path, *args: str) -> list[str]:
    """The StatefulSets `helm template` renders for the parent."""
    result = run_helm(helm, "template", "openstack", str(parent), "--namespace", "openstack", *args)
    assert result.returncode == 0, result.stderr
    return [o["metadata"]["name"] for o in objects(result.stdout) if o["kind"] == "StatefulSet"]


def test_renders_under_a_parent_with_no_values_for_it(helm: Path, parent: Path) -> None:
    assert statefulsets(helm, parent) == ["openstack-glance-default-single"]


def test_takes_its_values_from_the_parent(helm: Path, parent: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(
        yaml.safe_dump(
            {
                "global": {"storageClass": "fast", "labels": {"team": "images"}},
                "glance": {"glanceAPIs": {"central": {"type": "single"}}},
            }
        )
    )
    assert statefulsets(helm, parent, "-f", str(values)) == ["openstack-glance-central-single"]


def test_its_own_rules_still_hold_under_a_parent(helm: Path, parent: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"glance": {"glanceAPIs": {"central": {"type": "split"}}}}))
    result = run_helm(helm, "template", "openstack", str(parent), "-f", str(values))
    assert result.returncode != 0
    assert "  - glanceAPIs.central: a split API on the file backend loses images" in result.stderr
