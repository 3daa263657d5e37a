"""Every Glance resource of the reference README converts to values the chart renders, and the
converted Ceph example in docs/migration.md is what chartgen prints."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from chartgen.cli import main
from tests import kcheck, reference
from tests.chart.rendering import helm_template
from tests.conftest import CHART, ROOT

OPERATOR = ROOT / "tests" / "data" / "operator"

RESOURCES = reference.resources()


def convert(tmp_path: Path, text: str, *topologies: Path) -> object:
    """`chartgen convert` of a resource written to a file, with Topology files after it."""
    resource = tmp_path / "glance.yaml"
    resource.write_text(text)
    args = ["convert", str(resource), *map(str, topologies), "--chart", str(CHART)]
    return CliRunner().invoke(main, args)


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
    lines = converted.stderr.splitlines()
    judged = lines.index(f"{tmp_path / 'glance.yaml'}: judged by the chart's schema")
    for line in lines[judged + 2 :]:
        assert line in guide


def test_a_resource_read_back_from_an_operator_cluster_converts(helm: Path, tmp_path: Path) -> None:
    """kubectl get output (status, managedFields, the webhook's empty auth and probes, preserveJobs,
    notificationBusInstance): converts, warning about exactly what changed, asks for the
    transport URL Secret the chart cannot make, and renders once it is named."""
    source = ROOT / "tests" / "data" / "operator" / "kubectl-get.yaml"
    converted = convert(tmp_path, source.read_text())
    assert converted.exit_code == 1, converted.stderr
    resource = tmp_path / "glance.yaml"
    where = f"warning: {resource}: "
    assert converted.stderr.splitlines() == [
        where + "notificationBusInstance is deprecated since chart 0.1.0: moved to"
        " notificationsBus.cluster",
        where + "dropped glanceAPIs.default.preserveJobs: the operator's Glance CRD has no such"
        " field, so its API server drops it too",
        where + "dropped glanceAPIs.default.auth: empty, as the operator's defaulting webhook"
        " writes it; it sets nothing",
        f"{resource}: judged by the chart's schema",
        f"Error: {resource}: 1 problem(s)",
        "  notificationsBus.transportURLSecret: a RabbitMQ cluster name alone is not enough,"
        " since the chart cannot ask the cluster for a user: create a Secret whose key"
        " transport_url holds the cluster's transport URL"
        " (rabbit://<user>:<password>@<cluster>.<namespace>.svc:5672/<vhost>), then set"
        " notificationsBus.transportURLSecret to its name",
    ]
    values = tmp_path / "values.yaml"
    values.write_text(converted.stdout)
    bus = tmp_path / "bus.yaml"
    bus.write_text("notificationsBus:\n  transportURLSecret: glance-transport\n")
    result = helm_template(helm, files=[values, bus])
    assert result.returncode == 0, result.stderr
    assert "transport_url" in result.stdout


def test_topology_refs_are_inlined_from_the_topology_file_and_render(
    helm: Path, tmp_path: Path
) -> None:
    """The top-level Topology places the split API, the edge API's own replaces it whole; the
    result renders under both Helms into StatefulSets the API server accepts."""
    topologies = OPERATOR / "topologies.yaml"
    source = (OPERATOR / "kubectl-get-topology-refs.yaml").read_text()
    converted = convert(tmp_path, source, topologies)
    assert converted.exit_code == 0, converted.stderr
    where = f"warning: {tmp_path / 'glance.yaml'}: "
    assert converted.stderr.splitlines()[:-1] == [
        where + f"topologyRef: replaced by topologySpreadConstraints and affinity of Topology"
        f" 'glance-zones' ({topologies})",
        where + "topologySpreadConstraints[0]: no labelSelector, for which the operator took its"
        " pods' labels: set to the API pods (app.kubernetes.io/component: api), with"
        " matchLabelKeys counting each instance apart; the chart takes a constraint as written",
        where + f"glanceAPIs.edge1.topologyRef: replaced by affinity of Topology 'glance-edge'"
        f" ({topologies})",
        where + f"glanceAPIs.edge1.topologySpreadConstraints: set empty: Topology 'glance-edge'"
        f" ({topologies}) has none, and an API's topologyRef replaces the top-level one whole",
    ]
    values = tmp_path / "values.yaml"
    values.write_text(converted.stdout)
    result = helm_template(helm, files=[values])
    assert result.returncode == 0, result.stderr
    assert kcheck.problems(result.stdout) == []
    pods = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]
        for d in yaml.safe_load_all(result.stdout)
        if d and d["kind"] == "StatefulSet"
    }
    zones = next(yaml.safe_load_all(topologies.read_text()))["spec"]
    for name in ("glance-default-external-api", "glance-default-internal-api"):
        assert pods[name]["affinity"] == zones["affinity"]
        [spread] = pods[name]["topologySpreadConstraints"]
        assert spread["topologyKey"] == "topology.kubernetes.io/zone"
        assert spread["labelSelector"] == {"matchLabels": {"app.kubernetes.io/component": "api"}}
    edge = pods["glance-edge1-edge-api"]
    assert list(edge["affinity"]) == ["nodeAffinity"]
    assert "topologySpreadConstraints" not in edge


def test_a_topology_ref_without_its_topology_is_refused_with_the_fix(tmp_path: Path) -> None:
    source = (OPERATOR / "kubectl-get-topology-refs.yaml").read_text()
    converted = convert(tmp_path, source)
    assert converted.exit_code == 1
    resource = tmp_path / "glance.yaml"
    assert converted.stderr.splitlines() == [
        f"Error: {resource}: 2 topologyRef(s) name no given Topology",
        f"  spec.topologyRef: no Topology 'glance-zones' of namespace openstack was given:"
        f" `kubectl get topology glance-zones -n openstack -o yaml > topology.yaml`, then pass"
        f" the file: `chartgen convert {resource} topology.yaml`",
        f"  spec.glanceAPIs.edge1.topologyRef: no Topology 'glance-edge' of namespace openstack"
        f" was given: `kubectl get topology glance-edge -n openstack -o yaml > topology.yaml`,"
        f" then pass the file: `chartgen convert {resource} topology.yaml`",
    ]


def test_the_guide_shows_the_refusal_of_a_missing_topology(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("glance.yaml").write_text(
        "apiVersion: glance.openstack.org/v1beta1\nkind: Glance\n"
        "metadata: {name: glance, namespace: openstack}\n"
        "spec:\n  glanceAPIs:\n    default:\n      topologyRef: {name: glance-zones}\n"
    )
    converted = CliRunner().invoke(main, ["convert", "glance.yaml", "--chart", str(CHART)])
    assert converted.exit_code == 1
    guide = (ROOT / "docs" / "migration.md").read_text()
    assert f"$ .venv/bin/chartgen convert glance.yaml\n{converted.stderr}```" in guide
