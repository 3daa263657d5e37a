"""Values documents generated from chart/values.schema.json with hypothesis-jsonschema.

hypothesis-jsonschema cannot generate from the whole schema: all 45 top-level keys are
required (values.yaml supplies them) and the $defs, Kubernetes' own definitions, nest deep, so
its filters reject every attempt. A document here is what a user writes: any subset of the
top-level keys, each generated from the chart's own schema of that key, in which each
reference to a Kubernetes definition is replaced by a stand-in that keeps the definition's
fields with their types, enums and bounds (no patterns or formats) and turns the
definitions it references in turn into empty objects of the right type. helm still judges
every document against the real schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from tests.conftest import CHART

# What a stand-in keeps of a definition's fields.
KEPT = ("type", "enum", "minimum", "maximum", "minItems", "maxItems")


def _stand_in(node: dict[str, Any], defs: dict[str, Any], inline: bool) -> dict[str, Any]:
    """A typed stand-in of a schema node; references inline once, then become empty objects."""
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        if inline:
            return _stand_in(target, defs, inline=False)
        kind = target.get("type", "object")
        is_object = "object" in (kind if isinstance(kind, list) else [kind])
        return {"type": kind, "maxProperties": 0} if is_object else {"type": kind}
    out = {k: node[k] for k in KEPT if k in node}
    if "properties" in node:
        out["properties"] = {k: _stand_in(v, defs, inline) for k, v in node["properties"].items()}
        out["additionalProperties"] = False
    elif isinstance(node.get("additionalProperties"), dict):
        out["additionalProperties"] = _stand_in(node["additionalProperties"], defs, inline)
    if isinstance(node.get("items"), dict):
        out["items"] = _stand_in(node["items"], defs, inline)
    return out


def _replace_refs(node: Any, defs: dict[str, Any]) -> Any:
    """The chart's own schema of a key, every reference replaced by its stand-in."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _stand_in(node, defs, inline=True)
        return {k: _replace_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_refs(v, defs) for v in node]
    return node


def documents() -> st.SearchStrategy[dict[str, Any]]:
    """Values files: any subset of the top-level keys, each from its stand-in schema."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    defs = schema["$defs"]
    keys = {k: from_schema(_replace_refs(v, defs)) for k, v in schema["properties"].items()}
    return st.fixed_dictionaries({}, optional=keys)


def generate(count: int, at: int, each: Callable[[dict[str, Any]], None]) -> None:
    """Call `each` on `count` documents generated from seed `at` (no shrinking, no database)."""

    @seed(at)
    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(documents())
    def run(doc: dict[str, Any]) -> None:
        each(doc)

    run()
