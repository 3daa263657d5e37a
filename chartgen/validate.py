"""Check values against the chart's schema, naming each problem by its values path in words
that say what the value must be."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from typing import Any

import jsonschema

from chartgen.errors import Diagnostic
from chartgen.kubernetes import GRAMMAR_KEY, TEXT
from chartgen.rules import MESSAGE_KEY

# A key written plainly in a path; any other is written quoted, as JSON writes it.
PLAIN_KEY = re.compile(r"^[A-Za-z0-9_./~-]+$")


def dotted(parts: Iterable[Any]) -> str:
    """A JSON path as `a.b[0].c`; a key with spaces or control characters as `a["x y"]`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not PLAIN_KEY.match(str(part)):
            out += f"[{json.dumps(str(part))}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def suggestion(key: str, known: Iterable[str]) -> str:
    """`: did you mean X?` for the nearest known key, or nothing."""
    match = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f": did you mean {match[0]}?" if match else ""


def rule_message(error: jsonschema.ValidationError, schema: dict[str, Any]) -> str | None:
    """The message of the rule between values (schemas/rules.yaml) an error breaks, if any: the
    one nearest the failed keyword on its way down the schema."""
    node: Any = schema
    message = None
    for part in error.absolute_schema_path:
        if isinstance(node, dict) and MESSAGE_KEY in node:
            message = node[MESSAGE_KEY]
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return message


def explain(error: jsonschema.ValidationError, schema: dict[str, Any]) -> list[Diagnostic]:
    """Turn one schema error into diagnostics that name the value and the fix."""
    path = dotted(error.absolute_path)
    message = rule_message(error, schema)
    if message and error.validator == "additionalProperties" and isinstance(error.instance, dict):
        patterns = list((error.schema.get("patternProperties") or {}).keys())
        bad = [k for k in error.instance if not any(re.search(p, k) for p in patterns)]
        return [Diagnostic("error", dotted([*error.absolute_path, k]), message) for k in bad]
    if message:
        return [Diagnostic("error", path, message)]
    if error.validator == "additionalProperties" and error.schema.get("patternProperties"):
        patterns = list(error.schema["patternProperties"])
        return [
            Diagnostic("error", path, f"the key {k!r} is not {TEXT}")
            for k in error.instance
            if not any(re.search(p, k) for p in patterns)
        ]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list((error.schema.get("properties") or {}).keys())
        unknown = [k for k in error.instance if k not in known]
        return [
            Diagnostic(
                "error", dotted([*error.absolute_path, k]), f"unknown key{suggestion(k, known)}"
            )
            for k in unknown
        ]
    if error.validator in ("oneOf", "anyOf") and error.context:
        # A value of several forms (a quantity: a string or a number): say what is wrong with
        # it in the form it has.
        formed = [e for e in error.context if e.validator != "type"] or error.context
        return explain(jsonschema.exceptions.best_match(formed), schema)
    grammar = error.schema.get(GRAMMAR_KEY) if isinstance(error.schema, dict) else None
    if grammar and error.validator in ("pattern", "maxLength"):
        return [Diagnostic("error", path, f"{error.instance!r} is not {grammar}")]
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return [Diagnostic("error", path, f"{error.instance!r} is not one of: {allowed}")]
    return [Diagnostic("error", path, error.message)]


def validate(values: dict[str, Any], schema: dict[str, Any]) -> list[Diagnostic]:
    """Every problem of a values document, ordered by path."""
    validator = jsonschema.Draft202012Validator(schema)
    try:
        found = [d for e in validator.iter_errors(values) for d in explain(e, schema)]
    except RecursionError:
        return [Diagnostic("error", "", "the values are nested too deeply to check")]
    return sorted(set(found), key=lambda d: (d.path, d.message))
