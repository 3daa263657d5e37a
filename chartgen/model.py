"""The one intermediate model: sections of properties read from OpenAPI schemas.

Every output (JSON Schema, values.yaml, README table, template defaults) is written from
this model, never from the raw schema files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from chartgen.errors import Diagnostic, InputError

# Marks "no default" apart from a default of null.
NO_DEFAULT: Any = type("NoDefault", (), {"__repr__": lambda self: "NO_DEFAULT"})()

# Keywords copied as they are; OpenAPI and JSON Schema agree on their meaning.
CONSTRAINTS = (
    "format",
    "pattern",
    "minimum",
    "maximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)
COMBINATORS = ("allOf", "anyOf", "oneOf", "not")
# Keywords the model understands; anything else in a schema is reported.
KNOWN = {
    "type",
    "description",
    "title",
    "default",
    "enum",
    "nullable",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "example",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-list-type",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
    "x-kubernetes-validations",
    *CONSTRAINTS,
    *COMBINATORS,
}
MAP_KEY = "*"
ITEM = "[]"


@dataclass
class Property:
    """One node of a values tree: a key, a map's values or a list's items."""

    path: str
    name: str
    type: str | None = None
    description: str = ""
    default: Any = NO_DEFAULT
    required: bool = False
    enum: list[Any] | None = None
    nullable: bool = False
    # Set from schemas/aliases.yaml: the key that replaced this one (chartgen/aliases.py).
    deprecated: bool = False
    replacement: dict[str, str] | None = None
    int_or_string: bool = False
    constraints: dict[str, Any] = field(default_factory=dict)
    properties: list[Property] = field(default_factory=list)
    values: Property | None = None
    items: Property | None = None
    open: bool = False
    embedded: bool = False
    list_type: str | None = None
    list_keys: list[str] = field(default_factory=list)
    combinators: dict[str, list[Property]] = field(default_factory=dict)
    kubernetes_type: str | None = None
    # JSON Schema rules between this property's keys, with messages (chartgen/rules.py).
    rules: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_default(self) -> bool:
        """Whether the schema gives this property a default."""
        return self.default is not NO_DEFAULT

    def walk(self) -> Iterator[Property]:
        """Yield this property and every property below it, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()

    def children(self) -> list[Property]:
        """The direct sub-properties: keys, then map values, then list items."""
        out = list(self.properties)
        if self.values is not None:
            out.append(self.values)
        if self.items is not None:
            out.append(self.items)
        return out

    def type_label(self) -> str:
        """A short human name of the type, as the README shows it."""
        if self.kubernetes_type:
            return self.kubernetes_type.rsplit(".", 1)[-1]
        if self.int_or_string:
            return "int or string"
        if self.values is not None:
            return f"map of {self.values.type_label()}"
        if self.items is not None:
            return f"list of {self.items.type_label()}"
        return self.type or "any"


@dataclass
class Section:
    """A titled group of top-level properties."""

    title: str
    properties: list[Property]


@dataclass
class Document:
    """Every section of a values API, in order."""

    sections: list[Section]
    # JSON Schema rules between top-level keys, with messages (chartgen/rules.py).
    rules: list[dict[str, Any]] = field(default_factory=list)

    def properties(self) -> list[Property]:
        """Top-level properties of every section, in order."""
        return [p for s in self.sections for p in s.properties]

    def walk(self) -> Iterator[Property]:
        """Every property of the document, depth first."""
        for prop in self.properties():
            yield from prop.walk()

    def find(self, path: str) -> Property | None:
        """The property at a dotted path, or None."""
        return next((p for p in self.walk() if p.path == path), None)


def join(parent: str, name: str) -> str:
    """Dotted path of a child; list items are written `a[]`."""
    if not parent:
        return name
    return f"{parent}{name}" if name == ITEM else f"{parent}.{name}"


def build_property(
    node: dict[str, Any], path: str, name: str, diagnostics: list[Diagnostic]
) -> Property:
    """Turn one OpenAPI schema node into a Property, recording problems."""
    if not isinstance(node, dict):
        diagnostics.append(Diagnostic("error", path, "schema must be a mapping"))
        return Property(path=path, name=name)
    for key in node:
        if key not in KNOWN:
            diagnostics.append(Diagnostic("error", path, f"unsupported schema keyword {key!r}"))
    description = " ".join(str(node.get("description", "")).split())
    prop = Property(
        path=path,
        name=name,
        type=node.get("type"),
        description=description,
        default=node.get("default", NO_DEFAULT),
        enum=node.get("enum"),
        nullable=bool(node.get("nullable")),
        int_or_string=bool(node.get("x-kubernetes-int-or-string")),
        constraints={k: node[k] for k in CONSTRAINTS if k in node},
        open=bool(node.get("x-kubernetes-preserve-unknown-fields")),
        embedded=bool(node.get("x-kubernetes-embedded-resource")),
        list_type=node.get("x-kubernetes-list-type"),
        list_keys=list(node.get("x-kubernetes-list-map-keys") or []),
    )
    # OpenAPI 3.0 writes exclusive bounds as flags on minimum/maximum.
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if node.get(flag) is True and bound in prop.constraints:
            prop.constraints[flag] = prop.constraints.pop(bound)
        elif isinstance(node.get(flag), (int, float)) and not isinstance(node.get(flag), bool):
            prop.constraints[flag] = node[flag]
    required = set(node.get("required") or [])
    for child_name, child in (node.get("properties") or {}).items():
        child_prop = build_property(child, join(path, child_name), child_name, diagnostics)
        child_prop.required = child_name in required
        prop.properties.append(child_prop)
    if required and not prop.properties:
        # A bare `required` (as in a oneOf branch) constrains the parent's keys.
        prop.constraints["required"] = sorted(required)
    missing = required - {p.name for p in prop.properties}
    if missing and not prop.open and prop.properties:
        diagnostics.append(
            Diagnostic("error", path, f"required names unknown properties: {sorted(missing)}")
        )
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        prop.values = build_property(extra, join(path, MAP_KEY), MAP_KEY, diagnostics)
    elif extra is True:
        prop.open = True
    if "items" in node:
        prop.items = build_property(node["items"], join(path, ITEM), ITEM, diagnostics)
    for keyword in COMBINATORS:
        if keyword in node:
            branches = node[keyword] if keyword != "not" else [node[keyword]]
            prop.combinators[keyword] = [
                build_property(b, path, name, diagnostics) for b in branches
            ]
    if prop.type == "array" and prop.items is None:
        diagnostics.append(Diagnostic("error", path, "array without items"))
    return prop


def build_section(title: str, schema: dict[str, Any], prefix: str = "") -> Section:
    """Build a section from the top-level properties of an object schema."""
    diagnostics: list[Diagnostic] = []
    root = build_property(schema, prefix, "", diagnostics)
    errors = [d for d in diagnostics if d.level == "error"]
    if errors:
        raise InputError(f"{title}: the schema has {len(errors)} problem(s)", errors)
    return Section(title=title, properties=root.properties)


def build_document(sections: list[tuple[str, dict[str, Any]]]) -> Document:
    """Build a document from titled object schemas; a key may appear in one section only."""
    doc = Document([build_section(title, schema) for title, schema in sections])
    seen: dict[str, str] = {}
    clashes = []
    for section in doc.sections:
        for prop in section.properties:
            if prop.name in seen:
                clashes.append(
                    Diagnostic(
                        "error",
                        prop.name,
                        f"defined in both {seen[prop.name]!r} and {section.title!r}",
                    )
                )
            seen[prop.name] = section.title
    if clashes:
        raise InputError("sections define the same key", clashes)
    return doc
