"""chartgen's commands as a user runs them: output, messages and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from chartgen.cli import main
from tests.chartgen.conftest import CRDS
from tests.conftest import CHART, ROOT

GLANCE = {
    "apiVersion": "glance.openstack.org/v1beta1",
    "kind": "Glance",
    "metadata": {"name": "glance", "namespace": "openstack"},
    "spec": {
        "serviceUser": "glance",
        "databaseInstance": "openstack",
        "glanceAPIs": {"default": {"type": "single", "replicas": 3}},
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


def test_validate_suggests_the_key_that_was_meant(tmp_path: Path) -> None:
    values = {"glanceAPIInternal": {"networkAttachents": ["storage"]}}
    result = invoke(
        "validate", "-f", write(tmp_path, "v.yaml", values), "--chart", str(CHART), "--no-render"
    )
    assert result.exit_code == 1
    assert (
        "glanceAPIInternal.networkAttachents: unknown key: did you mean networkAttachments?"
        in result.stderr
    )


def test_validate_prints_every_problem(tmp_path: Path) -> None:
    values = {"apiTimeout": "slow", "glanceAPIs": {"a": {"type": "edgy"}}, "secrte": "x"}
    result = invoke(
        "validate", "-f", write(tmp_path, "v.yaml", values), "--chart", str(CHART), "--no-render"
    )
    assert result.exit_code == 1
    assert "3 problem(s)" in result.stderr
    assert "apiTimeout: 'slow' is not of type 'integer'" in result.stderr
    assert "glanceAPIs.a.type: 'edgy' is not one of: split, single, edge" in result.stderr
    assert "secrte: unknown key: did you mean secret?" in result.stderr


def test_validate_layers_files_like_helm(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", {"glanceAPIs": {"a": {"replicas": 40}}})
    second = write(tmp_path, "b.yaml", {"glanceAPIs": {"a": {"replicas": 2}}})
    args = ["--chart", str(CHART), "--no-render"]
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
    result = invoke("validate", "-f", path, "--chart", str(CHART), "--no-render")
    assert result.exit_code == 1
    assert f"is a Glance object, not values; `chartgen convert {path}`" in result.stderr


def test_validate_applies_the_chart_rules_beyond_the_schema(tmp_path: Path) -> None:
    mixed = {"glanceAPIs": {"default": {"type": "split"}}, "glanceAPIInternal": {"replicas": 1}}
    path = write(tmp_path, "mixed.yaml", mixed)
    assert invoke("validate", "-f", path, "--chart", str(CHART), "--no-render").exit_code == 0
    result = invoke("validate", "-f", path, "--chart", str(CHART))
    assert result.exit_code == 1
    assert "the chart refuses these values" in result.stderr
    assert "glanceAPIInternal" in result.stderr


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
