"""Values documents generated from chart/values.schema.json with hypothesis-jsonschema.

hypothesis-jsonschema cannot generate from the whole schema: all 45 top-level keys are
required (values.yaml supplies them) and the $defs, Kubernetes' own definitions, nest deep, so
its filters reject every attempt. A document here is what a user writes: any subset of the
top-level keys, each generated from the chart's own schema of that key, in which each
reference to a Kubernetes definition is replaced by a stand-in that keeps the definition's
fields with their types, enums and bounds (no patterns or formats) and turns the
definitions it references in turn into empty objects of the right type. helm still judges
every document against the real schema.

The documents are a function of the schema, this file, the seed, the count and the versions
of hypothesis and hypothesis-jsonschema alone (inputs_key), so a run keeps them in
build/fuzz-inputs and the next one reads them back instead of drawing them again (drawing 150
cost 25 CPU seconds); helm and kcheck judge them anew every run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from tests.conftest import CHART, ROOT

# Documents of previous runs, one file per (count, seed), its first line the key they were
# drawn under.
INPUTS = ROOT / "build" / "fuzz-inputs"

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


def inputs_key(count: int, at: int) -> str:
    """What the documents of (count, seed) depend on, hashed."""
    digest = hashlib.sha256()
    for part in (CHART / "values.schema.json", Path(__file__)):
        digest.update(part.read_bytes())
    for package in ("hypothesis", "hypothesis-jsonschema"):
        digest.update(f"{package}=={metadata.version(package)}".encode())
    digest.update(f"{count} {at}".encode())
    return digest.hexdigest()


def generate_kept(count: int, at: int, each: Callable[[dict[str, Any]], None]) -> None:
    """generate(), reading the documents back from build/fuzz-inputs when a run with the same
    key drew them, and keeping them there otherwise."""
    key = inputs_key(count, at)
    path = INPUTS / f"generated-{count}-{at}.jsonl"
    lines = path.read_text().splitlines() if path.is_file() else []
    if lines and lines[0] == key:
        for line in lines[1:]:
            each(json.loads(line))
        return
    drawn = [key]

    def keep(doc: dict[str, Any]) -> None:
        # JSON escapes lone surrogates and keeps 1.0 a float: the document reads back equal.
        drawn.append(json.dumps(doc))
        each(doc)

    generate(count, at, keep)
    INPUTS.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text("\n".join(drawn) + "\n")
    partial.replace(path)
