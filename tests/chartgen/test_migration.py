"""Every Glance resource of the reference README converts to values the chart renders, and the
converted Ceph example in docs/migration.md is what chartgen prints."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from chartgen import manifests
from chartgen.cli import main
from tests import kcheck, reference
from tests.chart.rendering import helm_template
from tests.conftest import CHART, ROOT

OPERATOR = ROOT / "tests" / "data" / "operator"

RESOURCES = reference.resources()
# What convert says of a Glance read back from a cluster without its MariaDBAccount.
MISSING_ACCOUNT = (
    "databaseAccount: 'glance' names a MariaDBAccount, whose user mariadb-operator named"
    " glance_<4 hex>: give the account after the resource (`kubectl get mariadbaccount glance -n"
    " <namespace> -o yaml`), or the chart logs in as the user 'glance'"
)


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
        " writes it; it sets nothing, in the operator as in the chart",
        where + "dropped glanceAPIs.default.override: empty, as the operator's defaulting"
        " webhook writes it; it sets nothing, in the operator as in the chart",
        where + MISSING_ACCOUNT,
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
        where + MISSING_ACCOUNT,
    ]
    values = tmp_path / "values.yaml"
    values.write_text(converted.stdout)
    result = helm_template(helm, files=[values])
    assert result.returncode == 0, result.stderr
    assert kcheck.problems(result.stdout) == []
    pods = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]
        for d in manifests.objects(result.stdout)
        if d["kind"] == "StatefulSet"
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


REAL = OPERATOR / "real"


def recorded_objects(layout: str) -> list[dict]:
    """What the operator made for a recorded layout (tests/data/operator/real)."""
    return manifests.objects((REAL / layout / "inventory.yaml").read_text())


@pytest.mark.parametrize("layout", ["single", "split", "edge", "two"])
def test_a_glance_the_operator_admitted_converts_with_its_account(
    layout: str, tmp_path: Path
) -> None:
    """The Glance as the operator's webhook left it: each empty value it wrote dropped with a
    warning, the database user and password Secret those of its MariaDBAccount; the chart's
    verdict is then only about what the chart itself refuses."""
    objects = recorded_objects(layout)
    glance = next(o for o in objects if o["kind"] == "Glance")
    account = next(o for o in objects if o["kind"] == "MariaDBAccount")
    secret = next(o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] ==
                  account["spec"]["secret"])  # fmt: skip
    related = tmp_path / "account.yaml"
    related.write_text(yaml.safe_dump_all([account, secret]))
    converted = convert(tmp_path, yaml.safe_dump(glance), related)
    warnings = [line for line in converted.stderr.splitlines() if line.startswith("warning:")]
    dropped = [w.split(": ")[2].removeprefix("dropped ") for w in warnings if ": dropped " in w]
    apis = glance["spec"]["glanceAPIs"]
    expected = [] if glance["spec"]["imageCache"]["size"] else ["imageCache"]
    for api in apis:
        expected += [f"glanceAPIs.{api}.{key}" for key in ("auth", "override", "resources")]
        expected += [f"glanceAPIs.{api}.{key}" for key in ("storage", "tls")]
        if not apis[api]["imageCache"]["size"]:
            expected.append(f"glanceAPIs.{api}.imageCache.size")
    assert sorted(dropped) == sorted(expected)
    values = yaml.safe_load(converted.stdout)
    assert values["databaseAccount"] == account["spec"]["userName"]
    assert values["database"] == {"secret": "glance-db-secret", "create": False}
    assert values["passwordSelectors"] == {"service": "GlancePassword",
                                           "database": "DatabasePassword"}  # fmt: skip
    if layout == "single":  # 2 replicas, each keeping its images on its own volume
        assert converted.exit_code == 1
        assert "glanceAPIs.default.replicas: 2 replicas on the file backend" in converted.stderr
    else:
        assert converted.exit_code == 0, converted.stderr


def test_output_is_written_only_for_values_without_a_problem(tmp_path: Path) -> None:
    glance = next(o for o in recorded_objects("single") if o["kind"] == "Glance")
    resource = tmp_path / "glance.yaml"
    resource.write_text(yaml.safe_dump(glance))
    out = tmp_path / "values.yaml"
    args = ["convert", str(resource), "-o", str(out), "--chart", str(CHART)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert not out.exists(), "values with a problem were written"
