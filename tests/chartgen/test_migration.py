"""Every Glance resource of the reference README converts to values the chart renders, and the
converted Ceph example in docs/migration.md is what chartgen prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from chartgen.cli import main
from tests import reference
from tests.chart.rendering import helm_template
from tests.conftest import CHART, ROOT

RESOURCES = reference.resources()


def convert(tmp_path: Path, text: str) -> object:
    """`chartgen convert` of a resource written to a file."""
    resource = tmp_path / "glance.yaml"
    resource.write_text(text)
    return CliRunner().invoke(main, ["convert", str(resource), "--chart", str(CHART)])


@pytest.mark.parametrize("index", range(len(RESOURCES)))
def test_reference_resources_convert_and_render(helm: Path, tmp_path: Path, index: int) -> None:
    converted = convert(tmp_path, RESOURCES[index])
    assert converted.exit_code == 0, converted.stderr
    values = tmp_path / "values.yaml"
    values.write_text(converted.stdout)
    result = helm_template(helm, files=[values])
    assert result.returncode == 0, result.stderr
    assert "kind: StatefulSet" in result.stdout


def test_migration_guide_shows_the_real_conversion(tmp_path: Path) -> None:
    converted = convert(tmp_path, reference.fixed("ceph"))
    guide = (ROOT / "docs" / "migration.md").read_text()
    assert converted.stdout in guide


def test_the_reference_typo_is_refused_as_the_guide_shows(tmp_path: Path) -> None:
    converted = convert(tmp_path, reference.text("networks"))
    assert converted.exit_code == 1
    guide = (ROOT / "docs" / "migration.md").read_text()
    for line in converted.stderr.splitlines()[1:]:
        assert line in guide


def test_a_resource_read_back_from_an_operator_cluster_converts(helm: Path, tmp_path: Path) -> None:
    """kubectl get output (status, managedFields, the webhook's empty auth and probes, preserveJobs,
    notificationBusInstance): converts, warning about exactly what changed, and renders once
    the transport URL Secret the chart asks for is named."""
    source = ROOT / "tests" / "data" / "operator" / "kubectl-get.yaml"
    converted = convert(tmp_path, source.read_text())
    assert converted.exit_code == 0, converted.stderr
    where = f"warning: {tmp_path / 'glance.yaml'}: "
    assert converted.stderr.splitlines() == [
        where + "notificationBusInstance is deprecated: moved to notificationsBus.cluster",
        where + "dropped glanceAPIs.default.preserveJobs: the operator's Glance CRD has no such"
        " field, so its API server drops it too",
        where + "dropped glanceAPIs.default.auth: empty, as the operator's defaulting webhook"
        " writes it; it sets nothing",
    ]
    values = tmp_path / "values.yaml"
    values.write_text(converted.stdout)
    bus = tmp_path / "bus.yaml"
    bus.write_text("notificationsBus:\n  transportURLSecret: glance-transport\n")
    result = helm_template(helm, files=[values, bus])
    assert result.returncode == 0, result.stderr
    assert "transport_url" in result.stdout
