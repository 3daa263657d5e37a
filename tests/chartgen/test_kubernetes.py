"""The rules chartgen adds to Kubernetes' own definitions, checked with a JSON Schema validator."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from chartgen import kubernetes
from chartgen.assemble import ValuesAPI
from chartgen.errors import InputError

# A definition of the shapes deliverable() changes: strings, enums, patterns, maps, integers.
DEFINITION = {
    "type": "object",
    "properties": {
        "name": {"type": ["string", "null"]},
        "mode": {"type": "string", "enum": ["A\x7f"]},
        "host": {"type": "string", "pattern": "^a"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "port": {"type": "integer"},
        "count": {"type": ["integer", "null"], "format": "int32", "minimum": 1},
        "seconds": {"type": "integer", "format": "int64"},
    },
}


def valid(schema: dict[str, Any], instance: Any) -> bool:
    """Whether instance passes the schema."""
    return jsonschema.Draft202012Validator(schema).is_valid(instance)


@pytest.mark.parametrize(
    ("instance", "ok"),
    [
        ({"name": "ceph-conf", "host": "a.example", "labels": {"a": "b"}, "port": 1}, True),
        ({"name": "two\nlines\ttabbed"}, True),  # toYaml writes control characters below DEL
        ({"name": None}, True),
        ({"mode": "A\x7f"}, True),  # an enum is left as it is
        ({"name": "ceph\x7fconf"}, False),
        ({"name": "a\x85b"}, False),
        ({"name": "a\x9fb"}, False),
        ({"name": "a\ufffeb"}, False),
        ({"name": "a\uffffb"}, False),
        ({"host": "a\x80"}, False),  # beside the pattern it had
        ({"host": "b"}, False),
        ({"labels": {"k\x7f": "v"}}, False),
        ({"labels": {"k": "v\x7f"}}, False),
        ({"labels": {"k": 1}}, False),  # the map keeps its values' schema
        ({"count": 2**31 - 1, "seconds": 9223372036854774784}, True),
        ({"count": 0}, False),  # the bound it had
        ({"count": 2**31}, False),
        ({"seconds": 2**63 - 1}, False),  # a float64 holds it as 2^63
        ({"seconds": -(2**63)}, True),
        ({"port": 2**70}, True),  # no format: no bound
    ],
)
def test_deliverable_refuses_what_toyaml_cannot_write(instance: dict[str, Any], ok: bool) -> None:
    assert valid(kubernetes.deliverable(DEFINITION), instance) is ok


def test_deliverable_leaves_its_input_alone() -> None:
    before = repr(DEFINITION)
    kubernetes.deliverable(DEFINITION)
    assert repr(DEFINITION) == before


def restricted(field: dict[str, Any], rule: Any) -> dict[str, Any]:
    """The schema of a definition with one field `f`, once restricted by rule."""
    definitions = {"D": {"type": "object", "properties": {"f": field}}}
    kubernetes.restrict(definitions, {"D.f": rule})
    return definitions["D"]


@pytest.mark.parametrize(
    ("field", "rule", "instances"),
    [
        ({"type": ["string", "null"]}, "required", {"ceph": True, "": False, None: False}),
        ({"type": "array", "items": {"type": "string"}}, "required", {("a",): True, (): False}),
        (
            {"type": ["string", "null"]},
            ["Merge", "Strict"],
            {"Strict": True, None: True, "": False},
        ),
        ({"type": "integer"}, "port", {1: True, 65535: True, 0: False, 65536: False}),
        ({"type": "integer"}, "non-negative", {0: True, -1: False}),
    ],
)
def test_restricted_fields_take_kubernetes_rules(
    field: dict[str, Any], rule: Any, instances: dict[Any, bool]
) -> None:
    schema = restricted(field, rule)
    for value, ok in instances.items():
        value = list(value) if isinstance(value, tuple) else value
        assert valid(schema, {"f": value}) is ok, value
    if rule == "required":
        assert not valid(schema, {})


def test_a_port_or_name_is_a_number_or_an_iana_service_name() -> None:
    schema = restricted({"type": ["string", "integer"]}, "port-or-name")
    good = [8080, "http", "h2c-9", "1-x"]
    bad = [0, 70000, "8080", "HTTP", "a--b", "-http", "http-", "a-very-long-port-name"]
    assert [valid(schema, {"f": v}) for v in good] == [True] * len(good)
    assert [valid(schema, {"f": v}) for v in bad] == [False] * len(bad)


def test_unknown_fields_and_rules_are_errors() -> None:
    definitions = {"D": {"type": "object", "properties": {"f": {"type": "string"}}}}
    with pytest.raises(InputError) as caught:
        kubernetes.restrict(definitions, {"D.g": "required", "E.f": "required", "D.f": "bogus"})
    assert [(d.path, d.message) for d in caught.value.diagnostics] == [
        ("D.g", "no such field of the values' definitions"),
        ("E.f", "no such field of the values' definitions"),
        ("D.f", "unknown rule bogus"),
    ]


def test_projected_sources_name_their_secret_or_config_map(values_api: ValuesAPI) -> None:
    schema = {"$defs": values_api.definitions, "$ref": "#/$defs/io.k8s.api.core.v1.Volume"}
    source = {"name": "ceph", "projected": {"sources": [{"secret": {"name": "ceph-conf"}}]}}
    assert valid(schema, source)
    for bad in ({}, {"name": ""}, {"name": None}):
        source["projected"]["sources"] = [{"configMap": bad}]
        assert not valid(schema, source), bad
