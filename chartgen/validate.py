"""Merge values files the way Helm does and check them against the chart's schema."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable
from typing import Any

import jsonschema

from chartgen.errors import Diagnostic


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `override` onto `base` as `helm -f a -f b` does; null deletes a key."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def merge_all(defaults: dict[str, Any], layers: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Chart defaults, then each values file in order."""
    out = defaults
    for layer in layers:
        out = merge(out, layer)
    return out


def dotted(parts: Iterable[Any]) -> str:
    """A JSON path as `a.b[0].c`."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def suggestion(key: str, known: Iterable[str]) -> str:
    """`: did you mean X?` for the nearest known key, or nothing."""
    match = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f": did you mean {match[0]}?" if match else ""


def explain(error: jsonschema.ValidationError) -> list[Diagnostic]:
    """Turn one schema error into diagnostics that name the value and the fix."""
    path = dotted(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list((error.schema.get("properties") or {}).keys())
        unknown = [k for k in error.instance if k not in known]
        return [
            Diagnostic(
                "error", dotted([*error.absolute_path, k]), f"unknown key{suggestion(k, known)}"
            )
            for k in unknown
        ]
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return [Diagnostic("error", path, f"{error.instance!r} is not one of: {allowed}")]
    return [Diagnostic("error", path, error.message)]


def validate(values: dict[str, Any], schema: dict[str, Any]) -> list[Diagnostic]:
    """Every problem of a values document, ordered by path."""
    validator = jsonschema.Draft202012Validator(schema)
    try:
        found = [d for e in validator.iter_errors(values) for d in explain(e)]
    except RecursionError:
        return [Diagnostic("error", "", "the values are nested too deeply to check")]
    return sorted(set(found), key=lambda d: (d.path, d.message))


# The chart's render-time rules fail the render with this line, then one "  - <path>: <message>"
# line per problem (chart-src/templates/_validate.tpl, glance.validate.values).
CHART_RULES_HEADER = "values are not valid:"


def chart_rule_findings(stderr: str) -> list[Diagnostic]:
    """The problems a refused `helm template` names: the chart's rules one per value path, or
    helm's own error when the chart's rules did not fire."""
    lines = [ln.rstrip() for ln in stderr.splitlines()]
    if CHART_RULES_HEADER in (ln.strip() for ln in lines):
        start = next(i for i, ln in enumerate(lines) if ln.strip() == CHART_RULES_HEADER)
        found = []
        for line in lines[start + 1 :]:
            if not line.startswith("  - "):
                if line.strip():
                    break
                continue
            path, _, message = line[4:].partition(": ")
            found.append(Diagnostic("error", path, message))
        return found
    errors = [ln.strip() for ln in lines if ln.strip()]
    return [Diagnostic("error", "helm template", ln.removeprefix("Error: ")) for ln in errors]
