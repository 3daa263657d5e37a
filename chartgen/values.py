"""Write values.yaml: every default, each key under a comment taken from the schema."""

from __future__ import annotations

from chartgen.defaults import effective_default
from chartgen.model import NO_DEFAULT, Document, Property
from chartgen.render import render


def entries(prop: Property, depth: int) -> list[dict]:
    """Flatten one property into the lines the template writes."""
    value = effective_default(prop)
    nested = [c for c in prop.properties if effective_default(c) is not NO_DEFAULT]
    block = bool(prop.properties) and isinstance(value, dict) and bool(nested)
    out = [
        {
            "depth": depth,
            "name": prop.name,
            "description": prop.description,
            "value": None if block else value,
            "block": block,
        }
    ]
    if block:
        for child in nested:
            out.extend(entries(child, depth + 1))
    return out


def render_values(doc: Document, schema_file: str = "values.schema.json") -> str:
    """The text of values.yaml."""
    sections = [
        {
            "title": section.title,
            "entries": [e for p in section.properties if p.has_default for e in entries(p, 0)],
        }
        for section in doc.sections
    ]
    return render("values.yaml.jinja", sections=sections, schema_file=schema_file)
