"""Write the model as a JSON Schema (draft 2020-12) that Helm 3 and Helm 4 validate with."""

from __future__ import annotations

from typing import Any

from chartgen.model import Document, Property

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# An embedded Kubernetes object must say what it is; its metadata is a mapping.
EMBEDDED_PROPERTIES: dict[str, Any] = {
    "apiVersion": {"type": "string", "minLength": 1},
    "kind": {"type": "string", "minLength": 1},
    "metadata": {"type": "object"},
}


def property_schema(prop: Property) -> dict[str, Any]:
    """The JSON Schema of one property and everything below it."""
    out: dict[str, Any] = {}
    if prop.description:
        out["description"] = prop.description
    if prop.deprecated:
        out["deprecated"] = True
    if prop.kubernetes_type:
        # Kubernetes' definitions allow null; the reference carries all other rules.
        out["$ref"] = f"#/$defs/{prop.kubernetes_type}"
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
    if prop.list_type == "set":
        out["uniqueItems"] = True
    properties = EMBEDDED_PROPERTIES.copy() if prop.embedded else {}
    properties.update({p.name: property_schema(p) for p in prop.properties})
    required = ["apiVersion", "kind"] if prop.embedded else []
    required += [p.name for p in prop.properties if p.required and p.name not in required]
    if properties:
        out["properties"] = properties
    if required:
        out["required"] = required
    if prop.values is not None:
        out["additionalProperties"] = property_schema(prop.values)
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
    return out


def is_object(prop: Property) -> bool:
    """Whether a property holds a mapping."""
    return prop.type == "object"


def document_schema(
    doc: Document, definitions: dict[str, Any] | None = None, title: str = ""
) -> dict[str, Any]:
    """The schema of a whole values document, closed at the top level."""
    properties: dict[str, Any] = {}
    for prop in doc.properties():
        properties[prop.name] = property_schema(prop)
    out: dict[str, Any] = {"$schema": DIALECT}
    if title:
        out["title"] = title
    out.update({"type": "object", "properties": properties, "additionalProperties": False})
    required = [p.name for p in doc.properties() if p.required]
    if required:
        out["required"] = required
    if definitions:
        out["$defs"] = definitions
    return out
