"""chartgen.model: one document of sections of properties, built from OpenAPI schemas."""

from __future__ import annotations

import pytest

from chartgen.errors import InputError
from chartgen.model import build_document

SCHEMA = {
    "type": "object",
    "properties": {
        "replicas": {"type": "integer", "default": 1, "description": "Pods."},
        "apis": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"type": "string", "enum": ["a", "b"]}},
            },
        },
        "mounts": {
            "type": "array",
            "items": {"type": "object", "properties": {"path": {"type": "string"}}},
        },
    },
}


def test_paths_name_map_entries_and_list_items() -> None:
    doc = build_document([("spec", SCHEMA)])
    assert [p.path for p in doc.walk()] == [
        "replicas", "apis", "apis.*", "apis.*.type", "mounts", "mounts[]", "mounts[].path",
    ]  # fmt: skip
    kind = doc.find("apis.*.type")
    assert kind is not None and kind.enum == ["a", "b"] and kind.required


def test_defaults_and_descriptions_are_kept() -> None:
    replicas = build_document([("spec", SCHEMA)]).find("replicas")
    assert replicas is not None
    assert (replicas.default, replicas.description, replicas.has_default) == (1, "Pods.", True)


def test_every_bad_node_is_reported_at_once() -> None:
    bad = {"type": "object", "properties": {"a": "not a schema", "b": {"type": "array"}}}
    with pytest.raises(InputError) as caught:
        build_document([("spec", bad)])
    assert [str(d) for d in caught.value.diagnostics] == [
        "a: schema must be a mapping",
        "b: array without items",
    ]
