"""`chartgen validate --kubeconfig`: the cluster itself judges the render, by a server-side dry
run in the namespace (nothing is stored), held to the Pod Security level the namespace enforces,
each problem under the values path that caused it."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner, Result

from chartgen.cli import main
from tests.conftest import CHART
from tests.kubernetes.cluster import Cluster

NAMESPACE = "validate-dry-run"


def validate(cluster: Cluster, tmp_path: Path, values: dict, *args: str) -> Result:
    """`chartgen validate -f <values> -n NAMESPACE --kubeconfig <the cluster's> ARGS`."""
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    kubeconfig = ["--kubeconfig", str(cluster.kubeconfig)]
    command = ["validate", "-f", str(path), "--chart", str(CHART), "-n", NAMESPACE, *kubeconfig]
    return CliRunner().invoke(main, [*command, *args])


def test_the_defaults_pass_the_clusters_own_judgement(cluster: Cluster, tmp_path: Path) -> None:
    cluster.create_namespace(NAMESPACE)
    result = validate(cluster, tmp_path, {})
    assert result.exit_code == 0, result.stderr
    assert f"the cluster of {cluster.kubeconfig} (server-side dry run" in result.stderr


def test_what_the_cluster_refuses_is_named_by_value_and_nothing_is_stored(
    cluster: Cluster, tmp_path: Path
) -> None:
    cluster.create_namespace(NAMESPACE)
    values = {
        "glanceAPIs": {
            "default": {
                "type": "single",
                "resources": {"requests": {"cpu": 2}, "limits": {"cpu": 1}},
            }
        },
        "podSecurityContext": {"runAsUser": 0},
    }
    result = validate(cluster, tmp_path, values)
    assert result.exit_code == 1
    problems = [line[2:] for line in result.stderr.splitlines() if line.startswith("  ")]
    paths = {line.partition(": ")[0] for line in problems}
    assert paths == {"glanceAPIs.default.resources.requests", "podSecurityContext.runAsUser"}
    assert any(
        line.startswith(
            "glanceAPIs.default.resources.requests: Kubernetes refuses StatefulSet "
            "glance-default-single, spec.template.spec.containers[0].resources.requests"
        )
        for line in problems
    ), problems
    stored = cluster.kubectl("get", "all,configmaps,secrets", "-n", NAMESPACE, "-o", "name")
    assert "glance" not in stored.stdout


def test_a_namespace_that_enforces_less_lets_its_pods_through(
    cluster: Cluster, tmp_path: Path
) -> None:
    namespace = "validate-privileged"
    cluster.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}])
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump({"podSecurityContext": {"runAsUser": 0}}))
    args = ["--chart", str(CHART), "-n", namespace, "--kubeconfig", str(cluster.kubeconfig)]
    result = CliRunner().invoke(main, ["validate", "-f", str(path), *args])
    assert result.exit_code == 0, result.stderr
