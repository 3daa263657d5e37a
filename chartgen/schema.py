"""Write the model as a JSON Schema (draft 2020-12) that Helm 3 and Helm 4 validate with."""

from __future__ import annotations

from typing import Any

from chartgen.aliases import SCHEMA_KEY
from chartgen.defaults import effective_default
from chartgen.kubernetes import GRAMMAR_KEY, WRITABLE
from chartgen.model import ITEM, NO_DEFAULT, Document, Property

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# An embedded Kubernetes object must say what it is; its metadata is a mapping.
EMBEDDED_PROPERTIES: dict[str, Any] = {
    "apiVersion": {"type": "string", "minLength": 1},
    "kind": {"type": "string", "minLength": 1},
    "metadata": {"type": "object"},
}


# A setting of one line: no control character (a newline would start a new INI option or YAML
# line, DEL and C1 characters make YAML parsers drop the document). Only the keys that hold
# whole documents (INI, policy YAML) may span lines.
SINGLE_LINE = "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
ONE_LINE = "one line of text (no line break, tab or other control character)"
MULTILINE_KEYS = frozenset({"customServiceConfig", "policy"})


def single_line(prop: Property, out: dict[str, Any]) -> None:
    """Refuse control characters in a string setting that is not a document."""
    if prop.type != "string" or prop.enum is not None or prop.name in MULTILINE_KEYS:
        return
    if "pattern" in out:
        out.setdefault("allOf", []).append({"pattern": SINGLE_LINE, GRAMMAR_KEY: ONE_LINE})
    else:
        out.update({"pattern": SINGLE_LINE, GRAMMAR_KEY: ONE_LINE})


def in_values_yaml(prop: Property) -> bool:
    """Whether values.yaml holds a value for this key of an object that it holds."""
    return effective_default(prop) is not NO_DEFAULT and not prop.nullable


def property_schema(prop: Property, materialised: bool = False) -> dict[str, Any]:
    """The JSON Schema of one property and everything below it.

    Keys that values.yaml holds under an object it holds (`materialised`) are required: only a
    user's `null` removes them (Helm deletes null keys before it validates), and a template
    cannot do without them, so the schema refuses that null by name.
    """
    out: dict[str, Any] = {}
    if prop.description:
        out["description"] = prop.description
    if prop.deprecated:
        out["deprecated"] = True
    if prop.replacement:
        out[SCHEMA_KEY] = prop.replacement
    if prop.kubernetes_type:
        # Kubernetes' definitions allow null; the reference carries all other rules. An item of
        # a list may not be null: no object of the list would be made from it.
        out["$ref"] = f"#/$defs/{prop.kubernetes_type}"
        if prop.name == ITEM:
            out["not"] = {"type": "null"}
        if prop.has_default:
            out["default"] = prop.default
        return out
    types = ["integer", "string"] if prop.int_or_string else [prop.type] if prop.type else []
    if types and prop.nullable:
        types.append("null")
    if types:
        out["type"] = types[0] if len(types) == 1 else types
    if prop.enum is not None:
        out["enum"] = list(prop.enum) + ([None] if prop.nullable else [])
    if prop.has_default:
        out["default"] = prop.default
    out.update(prop.constraints)
    single_line(prop, out)
    if prop.list_type == "set":
        out["uniqueItems"] = True
    properties = EMBEDDED_PROPERTIES.copy() if prop.embedded else {}
    defaulted = {p.name for p in prop.properties if materialised and in_values_yaml(p)}
    properties.update({p.name: property_schema(p, p.name in defaulted) for p in prop.properties})
    required = ["apiVersion", "kind"] if prop.embedded else []
    required += [
        p.name
        for p in prop.properties
        if (p.required or p.name in defaulted) and p.name not in required
    ]
    if properties:
        out["properties"] = properties
    if required:
        out["required"] = required
    if prop.values is not None:
        # Keys helm can write only: given a key with DEL or a C1 control, toYaml writes nothing
        # for the whole mapping, and the object loses it.
        out["patternProperties"] = {WRITABLE: property_schema(prop.values)}
        out["additionalProperties"] = False
    elif is_object(prop) and not prop.open:
        out["additionalProperties"] = False
    if prop.items is not None:
        out["items"] = property_schema(prop.items)
        if prop.list_type == "map" and prop.list_keys:
            keys = out["items"].setdefault("required", [])
            keys.extend(k for k in prop.list_keys if k not in keys)
    for keyword, branches in prop.combinators.items():
        schemas = [property_schema(b) for b in branches]
        out[keyword] = schemas[0] if keyword == "not" else schemas
    if prop.rules:
        out.setdefault("allOf", []).extend(prop.rules)
    return out


def is_object(prop: Property) -> bool:
    """Whether a property holds a mapping."""
    return prop.type == "object"


def document_schema(
    doc: Document, definitions: dict[str, Any] | None = None, title: str = ""
) -> dict[str, Any]:
    """The schema of a whole values document, closed at the top level."""
    properties: dict[str, Any] = {}
    defaulted = {p.name for p in doc.properties() if p.has_default and in_values_yaml(p)}
    for prop in doc.properties():
        properties[prop.name] = property_schema(prop, prop.name in defaulted)
    out: dict[str, Any] = {"$schema": DIALECT}
    if title:
        out["title"] = title
    out.update({"type": "object", "properties": properties, "additionalProperties": False})
    required = [p.name for p in doc.properties() if p.required or p.name in defaulted]
    if required:
        out["required"] = required
    if doc.rules:
        out["allOf"] = list(doc.rules)
    if definitions:
        out["$defs"] = definitions
    return out
