"""chartgen.validate: values layered as Helm layers them, and schema problems named by path in
words that say what the value must be."""

from __future__ import annotations

from typing import Any

import jsonschema

from chartgen.kubernetes import GRAMMARS
from chartgen.rules import MESSAGE_KEY
from chartgen.validate import suggestion, validate
from tests.chartgen.layering import merge


def test_layers_merge_like_helm_and_null_deletes() -> None:
    defaults = {"a": {"b": 1, "c": 2}, "list": [1, 2], "gone": 1}
    merged = merge(merge(defaults, {"a": {"b": 3}, "list": [9]}), {"gone": None})
    assert merged == {"a": {"b": 3, "c": 2}, "list": [9]}
    assert defaults == {"a": {"b": 1, "c": 2}, "list": [1, 2], "gone": 1}


def closed(**properties: Any) -> dict[str, Any]:
    """An object schema with these properties and no others."""
    return {"type": "object", "additionalProperties": False, "properties": properties}


def test_unknown_keys_get_a_suggestion() -> None:
    found = validate({"networkAttachents": []}, closed(networkAttachments={"type": "array"}))
    assert [str(d) for d in found] == [
        "networkAttachents: unknown key: did you mean networkAttachments?"
    ]
    assert suggestion("zzz", ["networkAttachments"]) == ""


def test_a_value_of_a_grammar_is_told_what_it_must_be() -> None:
    schema = closed(size={"type": "string", **GRAMMARS["quantity"]})
    assert [str(d) for d in validate({"size": "10K"}, schema)] == [
        "size: '10K' is not a Kubernetes quantity (such as 10G, 1.5Gi, 500M or 1e9; k is lowercase)"
    ]


def test_a_value_of_several_forms_is_judged_in_the_form_it_has() -> None:
    quantity = {"oneOf": [{"type": "string", **GRAMMARS["quantity"]}, {"type": "number"}]}
    assert [str(d) for d in validate({"cpu": "lots"}, closed(cpu=quantity))] == [
        "cpu: 'lots' is not a Kubernetes quantity (such as 10G, 1.5Gi, 500M or 1e9; k is lowercase)"
    ]


def test_a_rule_between_values_says_its_own_message_under_the_refused_value() -> None:
    rule = {
        "if": {"required": ["old"]},
        "then": {"properties": {"new": {"maxProperties": 0}}},
        MESSAGE_KEY: "cannot be combined with old",
    }
    schema = {**closed(old={"type": "object"}, new={"type": "object"}), "allOf": [rule]}
    jsonschema.Draft202012Validator.check_schema(schema)
    assert validate({"old": {}, "new": {}}, schema) == []
    assert [str(d) for d in validate({"old": {}, "new": {"a": 1}}, schema)] == [
        "new: cannot be combined with old"
    ]


def test_a_rule_on_key_names_names_each_key_it_refuses() -> None:
    rule = {
        "patternProperties": {"^[a-z]+$": True},
        "additionalProperties": False,
        MESSAGE_KEY: "a name is lowercase",
    }
    schema = closed(apis={"type": "object", "allOf": [rule]})
    assert [str(d) for d in validate({"apis": {"ok": 1, "Bad": 2}}, schema)] == [
        "apis.Bad: a name is lowercase"
    ]
