"""Write the values table of the chart README, one row per key of the values API."""

from __future__ import annotations

import re

from chartgen.defaults import effective_default
from chartgen.errors import InputError
from chartgen.model import ITEM, MAP_KEY, NO_DEFAULT, Document, Property
from chartgen.render import render, yaml_scalar

START = "<!-- values-table:start -->"
END = "<!-- values-table:end -->"


def display_path(path: str) -> str:
    """A schema path as a reader writes it: map keys as `<name>`."""
    return path.replace(f".{MAP_KEY}", ".<name>")


def default_cell(prop: Property) -> str:
    """The default as shown in the table; objects whose keys have rows show nothing."""
    value = effective_default(prop)
    if value is NO_DEFAULT or (prop.properties and isinstance(value, dict) and value):
        return ""
    return f"`{yaml_scalar(value)}`"


def rows(doc: Document) -> list[dict[str, str]]:
    """Every documented key: keys, map values and list items that carry their own keys."""
    out = []
    for section in doc.sections:
        for top in section.properties:
            for prop in top.walk():
                if prop.name in (MAP_KEY, ITEM) and not prop.properties:
                    continue
                description = prop.description
                if prop.enum:
                    description += " One of: " + ", ".join(f"`{v}`" for v in prop.enum) + "."
                out.append(
                    {
                        "section": section.title,
                        "key": f"`{display_path(prop.path)}`",
                        "type": prop.type_label(),
                        "default": default_cell(prop),
                        "description": description.replace("|", "\\|"),
                    }
                )
    return out


def values_table(doc: Document) -> str:
    """The markdown table of every key, with section headings."""
    return render("values-table.md.jinja", rows=rows(doc))


def inject_table(readme: str, table: str, source: str = "README") -> str:
    """Put the table between the markers of a hand-written README."""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise InputError(f"{source}: missing the markers {START} and {END}")
    return pattern.sub(lambda _: f"{START}\n{table}{END}", readme, count=1)
