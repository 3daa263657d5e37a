"""The CRD → JSON Schema converter, on CRDs of different shapes and through real helm."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from chartgen.crd import load_crd_spec
from chartgen.errors import InputError
from chartgen.model import build_document
from chartgen.schema import document_schema
from tests.chartgen.conftest import CRDS, values_defaults
from tests.chartgen.layering import merge
from tests.conftest import run_helm


def schema_of(name: str, version: str | None = None) -> dict:
    """The generated schema of a test CRD's spec."""
    return schema_of_path(CRDS / name, version)


def defaults_of(name: str) -> dict:
    """The values.yaml a test CRD's spec would give: what Helm merges values onto."""
    return values_defaults(build_document([("spec", load_crd_spec(CRDS / name))]))


def errors(schema: dict, instance: dict) -> list[str]:
    """Messages of every validation error, empty when the instance is valid."""
    validator = jsonschema.Draft202012Validator(schema)
    return [e.message for e in validator.iter_errors(instance)]


CASES = [
    # (crd, instance, valid)
    ("widgets.yaml", {"size": 3}, True),
    ("widgets.yaml", {"size": None}, False),  # size is required: null removes its default
    ("widgets.yaml", {"size": 11}, False),  # maximum
    ("widgets.yaml", {"size": 2.5}, False),  # integer
    ("widgets.yaml", {"size": 1, "weight": 0}, False),  # exclusive minimum
    ("widgets.yaml", {"size": 1, "weight": 0.1}, True),
    ("widgets.yaml", {"size": 1, "color": None}, True),  # nullable enum
    ("widgets.yaml", {"size": 1, "color": "blue"}, False),
    ("widgets.yaml", {"size": 1, "code": "ABC"}, True),
    ("widgets.yaml", {"size": 1, "code": "abc"}, False),  # pattern
    ("widgets.yaml", {"size": 1, "port": 80}, True),  # int-or-string
    ("widgets.yaml", {"size": 1, "port": "http"}, True),
    ("widgets.yaml", {"size": 1, "port": [80]}, False),
    ("widgets.yaml", {"size": 1, "colour": "red"}, False),  # closed object
    ("pipelines.yaml", {"stages": [{"name": "a"}]}, True),
    ("pipelines.yaml", {"stages": []}, False),  # minItems
    ("pipelines.yaml", {"stages": [{"retries": 1}]}, False),  # list-map key required
    ("pipelines.yaml", {"stages": [{"name": "a", "extra": 1}]}, False),
    ("pipelines.yaml", {"tags": ["x", "x"]}, False),  # list-type set
    ("pipelines.yaml", {"labels": {"a": "1", "b": "2"}}, True),
    ("pipelines.yaml", {"labels": {"a": 1}}, False),  # map values typed
    ("pipelines.yaml", {"labels": {"a": "1", "b": "2", "c": "3"}}, False),  # maxProperties
    ("pipelines.yaml", {"settings": {"anything": {"goes": 1}}}, True),  # preserved
    ("pipelines.yaml", {"settings": {"mode": "slow"}}, False),  # known keys still checked
    ("pipelines.yaml", {"limits": {"memory": "1Gi"}}, False),
    ("bundles.yaml", {"template": {"apiVersion": "v1", "kind": "ConfigMap", "data": {}}}, True),
    ("bundles.yaml", {"template": {"data": {}}}, False),  # embedded needs apiVersion, kind
    ("bundles.yaml", {"targets": {"eu": {"url": "https://x"}}}, True),
    ("bundles.yaml", {"targets": {"eu": {"weight": 2}}}, False),  # required in map values
    ("bundles.yaml", {"source": {"git": "g"}}, True),
    ("bundles.yaml", {"source": {"git": "g", "oci": "o"}}, False),  # oneOf
]


@pytest.mark.parametrize(("crd", "instance", "valid"), CASES)
def test_generated_schema_accepts_and_refuses(crd: str, instance: dict, valid: bool) -> None:
    found = errors(schema_of(crd), merge(defaults_of(crd), instance))
    assert (found == []) is valid, found


def test_null_for_a_key_with_a_default_is_refused_by_name() -> None:
    """Helm deletes a null key before it validates; the default then is gone too."""
    defaults = defaults_of("widgets.yaml")
    assert defaults, "widgets.yaml gives defaults"
    key = next(iter(defaults))
    found = errors(schema_of("widgets.yaml"), merge(defaults, {"size": 1, key: None}))
    assert found == [f"'{key}' is a required property"]


def test_storage_version_is_chosen_unless_asked() -> None:
    assert "size" in schema_of("widgets.yaml")["properties"]
    assert list(schema_of("widgets.yaml", "v1alpha1")["properties"]) == ["color"]


def test_unknown_version_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no version 'v9'; it has v1alpha1, v1"):
        schema_of("widgets.yaml", "v9")


def test_openapi_flags_become_json_schema_keywords() -> None:
    spec = schema_of("widgets.yaml")["properties"]
    assert spec["weight"]["exclusiveMinimum"] == 0 and "minimum" not in spec["weight"]
    assert spec["color"]["type"] == ["string", "null"]
    assert spec["color"]["enum"] == ["red", "green", None]
    assert spec["size"]["default"] == 3 and spec["size"]["format"] == "int32"


def test_unsupported_keyword_is_reported_with_its_path(tmp_path: Path) -> None:
    crd = yaml.safe_load((CRDS / "widgets.yaml").read_text())
    crd["spec"]["versions"][1]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"][
        "size"
    ]["$ref"] = "#/x"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(crd))
    with pytest.raises(InputError) as raised:
        schema_of_path(path)
    assert [str(d) for d in raised.value.diagnostics] == ["size: unsupported schema keyword '$ref'"]


def schema_of_path(path: Path, version: str | None = None) -> dict:
    """The generated schema of a CRD file anywhere."""
    return document_schema(build_document([("spec", load_crd_spec(path, version))]))


@pytest.mark.parametrize(
    ("values", "ok"),
    [
        ({"size": 4, "port": "http"}, True),
        ({"size": 40}, False),
        ({"size": 4, "colour": "red"}, False),
    ],
)
def test_helm_validates_with_the_generated_schema(
    helm: Path, tmp_path: Path, values: dict, ok: bool
) -> None:
    chart = tmp_path / "widget"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: widget\nversion: 0.1.0\n")
    (chart / "values.schema.json").write_text(json.dumps(schema_of("widgets.yaml")))
    (chart / "values.yaml").write_text(yaml.safe_dump(defaults_of("widgets.yaml")))
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\ndata:\n"
        "  size: {{ .Values.size | quote }}\n"
    )
    (tmp_path / "v.yaml").write_text(yaml.safe_dump(values))
    result = run_helm(helm, "template", "w", str(chart), "-f", str(tmp_path / "v.yaml"))
    assert (result.returncode == 0) is ok, result.stderr
    if not ok:
        assert "size" in result.stderr or "colour" in result.stderr
