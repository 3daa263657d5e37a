"""Defaults as the chart sees them: values.yaml, and the helper templates read for maps."""

from __future__ import annotations

import copy
from typing import Any

from chartgen.aliases import Alias
from chartgen.model import NO_DEFAULT, Document, Property
from chartgen.render import render


def effective_default(prop: Property) -> Any:
    """The property's default with the defaults of its keys filled in, or NO_DEFAULT."""
    if not prop.has_default:
        base: Any = NO_DEFAULT
    else:
        base = copy.deepcopy(prop.default)
    if not prop.properties or not (base is NO_DEFAULT or isinstance(base, dict)):
        return base
    filled = {} if base is NO_DEFAULT else base
    for child in prop.properties:
        value = effective_default(child)
        if value is not NO_DEFAULT and child.name not in filled:
            filled[child.name] = value
    if base is NO_DEFAULT and not filled:
        return NO_DEFAULT
    return filled


def template_defaults(doc: Document) -> dict[str, Any]:
    """Defaults values.yaml cannot hold: objects inside maps and lists, and objects
    without a default of their own (the older layout), keyed by schema path."""
    out: dict[str, Any] = {}

    def visit(prop: Property, materialised: bool) -> None:
        value = effective_default(prop)
        here = materialised and prop.has_default
        if not here and prop.properties and isinstance(value, dict) and value:
            out[prop.path] = value
            return
        for child in prop.properties:
            visit(child, here)
        for child in (prop.values, prop.items):
            if child is not None:
                visit(child, False)

    for prop in doc.properties():
        visit(prop, True)
    return out


def alias_entries(doc: Document, aliases: list[Alias]) -> list[dict[str, Any]]:
    """The aliases as the templates read them: with the default of each renamed key, so that
    the view can tell whether the new key was given."""
    out = []
    for alias in aliases:
        entry: dict[str, Any] = {"old": alias.old, "new": alias.new, "since": alias.since}
        if alias.instance:
            entry["instance"] = alias.instance
        else:
            new = doc.find(alias.new)
            entry["default"] = effective_default(new) if new is not None else None
        out.append(entry)
    return out


def render_defaults_helper(doc: Document, aliases: list[Alias]) -> str:
    """The `_defaults.tpl` helpers: template_defaults and the aliases."""
    return render(
        "_defaults.tpl.jinja", defaults=template_defaults(doc), aliases=alias_entries(doc, aliases)
    )
