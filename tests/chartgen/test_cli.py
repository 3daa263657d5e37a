"""chartgen's commands as a user runs them: output, messages and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from chartgen.cli import main
from tests.chartgen.conftest import CRDS
from tests.conftest import CHART, ROOT

RESOURCES = {"requests": {"cpu": 2}, "limits": {"cpu": 1}}
GLANCE = {
    "apiVersion": "glance.openstack.org/v1beta1",
    "kind": "Glance",
    "metadata": {"name": "glance", "namespace": "openstack"},
    "spec": {
        "serviceUser": "glance",
        "databaseInstance": "openstack",
        "glanceAPIs": {"default": {"type": "single", "replicas": 1}},
    },
}


def invoke(*args: str) -> Result:
    """Run chartgen in-process, stderr kept apart."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(tmp_path: Path, name: str, data: object) -> str:
    """Write YAML to a file and return its path."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return str(path)


def test_schema_prints_what_build_writes() -> None:
    result = invoke("schema", "--root", str(ROOT))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (CHART / "values.schema.json").read_text()


def test_schema_of_another_crd_is_checked_like_build(tmp_path: Path) -> None:
    """The chart's Kubernetes types name Glance fields, which another CRD lacks."""
    result = invoke("schema", str(CRDS / "pipelines.yaml"), "--root", str(ROOT))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "Error: kubernetes-types names values or types that do not exist",
        "  glanceAPIs.*.resources: no such value in the schema",
    ]


def test_schema_of_something_else_is_refused(tmp_path: Path) -> None:
    result = invoke("schema", write(tmp_path, "cm.yaml", {"kind": "ConfigMap"}))
    assert result.exit_code == 1
    assert "not a CustomResourceDefinition" in result.stderr


def test_unknown_option_is_a_usage_error() -> None:
    assert invoke("schema", "--crd-version", "v1").exit_code == 2


def test_convert_a_whole_resource(tmp_path: Path) -> None:
    result = invoke("convert", write(tmp_path, "glance.yaml", GLANCE), "--chart", str(CHART))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Values for the Glance chart, from Glance glance.")
    assert yaml.safe_load(result.stdout) == GLANCE["spec"]


def test_convert_a_bare_spec(tmp_path: Path) -> None:
    result = invoke("convert", write(tmp_path, "spec.yaml", GLANCE["spec"]), "--chart", str(CHART))
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout) == GLANCE["spec"]


def test_convert_refuses_another_kind(tmp_path: Path) -> None:
    other = {**GLANCE, "kind": "GlanceAPI"}
    result = invoke("convert", write(tmp_path, "api.yaml", other), "--chart", str(CHART))
    assert result.exit_code == 1
    assert "is a 'GlanceAPI'" in result.stderr and "expected kind Glance" in result.stderr


def test_convert_refuses_an_invalid_spec(tmp_path: Path) -> None:
    bad = {**GLANCE, "spec": {"glanceAPIs": {"default": {"replicas": 99}}}}
    result = invoke("convert", write(tmp_path, "bad.yaml", bad), "--chart", str(CHART))
    assert result.exit_code == 1
    assert "glanceAPIs.default.replicas: 99 is greater than the maximum of 32" in result.stderr


def test_convert_prints_the_values_and_the_verdict_helm_install_would_give(
    tmp_path: Path,
) -> None:
    """The schema lets three replicas of a single API through; the chart's rules do not, on
    the file backend: convert says so, with the values it made."""
    spec = {"glanceAPIs": {"default": {"type": "single", "replicas": 3}}}
    resource = write(tmp_path, "g.yaml", {**GLANCE, "spec": spec})
    result = invoke("convert", resource, "--chart", str(CHART))
    assert result.exit_code == 1
    assert yaml.safe_load(result.stdout) == spec
    assert "judged by the chart's schema, the chart's rules" in result.stderr
    assert "glanceAPIs.default.replicas: 3 replicas on the file backend" in result.stderr


def test_validate_runs_kubernetes_validation_on_the_render(tmp_path: Path) -> None:
    """A request above its limit passes the schema and the chart's rules; Kubernetes refuses
    it, and validate names the value."""
    values = {"glanceAPIs": {"default": {"type": "single", "resources": RESOURCES}}}
    path = write(tmp_path, "v.yaml", values)
    assert invoke("validate", "-f", path, "--chart", str(CHART), "--no-kubernetes").exit_code == 0
    result = invoke("validate", "-f", path, "--chart", str(CHART))
    assert result.exit_code == 1
    assert "Kubernetes' validation and Pod Security 'restricted'" in result.stderr
    assert (
        "glanceAPIs.default.resources.requests: Kubernetes refuses StatefulSet "
        "glance-default-single, spec.template.spec.containers[0].resources.requests: Invalid "
        'value: "2": must be less than or equal to cpu limit of 1'
    ) in result.stderr


def test_validate_holds_pods_to_the_pod_security_level_asked(tmp_path: Path) -> None:
    path = write(
        tmp_path, "v.yaml", {"containerSecurityContext": {"allowPrivilegeEscalation": True}}
    )
    result = invoke("validate", "-f", path, "--chart", str(CHART))
    assert result.exit_code == 1
    assert "containerSecurityContext.allowPrivilegeEscalation: Kubernetes refuses" in result.stderr
    baseline = invoke("validate", "-f", path, "--chart", str(CHART), "--pod-security", "baseline")
    assert baseline.exit_code == 0, baseline.stderr


def test_validate_suggests_the_key_that_was_meant(tmp_path: Path) -> None:
    values = {"glanceAPIInternal": {"networkAttachents": ["storage"]}}
    result = invoke(
        "validate",
        "-f",
        write(tmp_path, "v.yaml", values),
        "--chart",
        str(CHART),
        "--no-kubernetes",
    )
    assert result.exit_code == 1
    assert (
        "glanceAPIInternal.networkAttachents: unknown key: did you mean networkAttachments?"
        in result.stderr
    )


def test_validate_prints_every_problem(tmp_path: Path) -> None:
    values = {"apiTimeout": "slow", "glanceAPIs": {"a": {"type": "edgy"}}, "secrte": "x"}
    result = invoke(
        "validate",
        "-f",
        write(tmp_path, "v.yaml", values),
        "--chart",
        str(CHART),
        "--no-kubernetes",
    )
    assert result.exit_code == 1
    assert "3 problem(s)" in result.stderr
    assert "apiTimeout: 'slow' is not of type 'integer'" in result.stderr
    assert "glanceAPIs.a.type: 'edgy' is not one of: split, single, edge" in result.stderr
    assert "secrte: unknown key: did you mean secret?" in result.stderr


def test_validate_layers_files_like_helm(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", {"glanceAPIs": {"a": {"type": "single", "replicas": 40}}})
    second = write(tmp_path, "b.yaml", {"glanceAPIs": {"a": {"replicas": 1}}})
    args = ["--chart", str(CHART), "--no-kubernetes"]
    assert invoke("validate", "-f", first, *args).exit_code == 1
    result = invoke("validate", "-f", first, "-f", second, *args)
    assert result.exit_code == 0, result.stderr
    assert "valid" in result.stdout


@pytest.mark.parametrize("content", ["- a list\n", "key: [unclosed\n"])
def test_validate_refuses_a_file_that_is_not_values(tmp_path: Path, content: str) -> None:
    result = invoke("validate", "-f", write(tmp_path, "v.yaml", content), "--chart", str(CHART))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")


def test_build_check_reports_a_stale_chart(tmp_path: Path) -> None:
    result = invoke("build", "--check", "--out", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert "does not exist; run `make chart`" in result.stderr


def test_convert_writes_ini_as_a_literal_block(tmp_path: Path) -> None:
    resource = {**GLANCE, "spec": {"customServiceConfig": "[DEFAULT]\ndebug = true\n"}}
    result = invoke("convert", write(tmp_path, "g.yaml", resource), "--chart", str(CHART))
    assert result.exit_code == 0, result.stderr
    assert "customServiceConfig: |\n  [DEFAULT]\n  debug = true\n" in result.stdout


def test_validate_points_a_resource_at_convert(tmp_path: Path) -> None:
    path = write(tmp_path, "glance.yaml", GLANCE)
    result = invoke("validate", "-f", path, "--chart", str(CHART), "--no-kubernetes")
    assert result.exit_code == 1
    assert f"is a Kubernetes object, not values; `chartgen convert {path}`" in result.stderr


def test_validate_applies_the_chart_rules_beyond_the_schema(tmp_path: Path) -> None:
    path = write(tmp_path, "split.yaml", {"glanceAPIs": {"default": {"type": "split"}}})
    result = invoke("validate", "-f", path, "--chart", str(CHART), "--no-kubernetes")
    assert result.exit_code == 1
    assert "judged by the chart's schema, the chart's rules" in result.stderr
    assert "glanceAPIs.default: a split API on the file backend loses images" in result.stderr


def test_convert_keeps_an_application_credential_and_drops_an_empty_auth(tmp_path: Path) -> None:
    """The operator's per-API auth.applicationCredentialSecret is a value of the chart."""
    credential = {"type": "single", "auth": {"applicationCredentialSecret": "ac-glance"}}
    spec = {"glanceAPIs": {"central": credential, "edge1": {"type": "edge", "auth": {}}}}
    result = invoke(
        "convert", write(tmp_path, "g.yaml", {**GLANCE, "spec": spec}), "--chart", str(CHART)
    )
    assert result.exit_code == 0, result.stderr
    assert yaml.safe_load(result.stdout) == {
        "glanceAPIs": {"central": credential, "edge1": {"type": "edge"}}
    }
    assert "dropped glanceAPIs.edge1.auth: empty" in result.stderr


def test_convert_refuses_an_auth_key_the_chart_does_not_know(tmp_path: Path) -> None:
    spec = {"glanceAPIs": {"a": {"type": "single", "auth": {"applicationCredential": "ac"}}}}
    result = invoke(
        "convert", write(tmp_path, "g.yaml", {**GLANCE, "spec": spec}), "--chart", str(CHART)
    )
    assert result.exit_code == 1
    assert (
        "glanceAPIs.a.auth.applicationCredential: unknown key: did you mean"
        " applicationCredentialSecret?" in result.stderr
    )
