"""Deterministic mutations of examples/*.yaml: one change at one path, at every depth."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

# What replaces a string: bad names, quantities, cron strings, control characters, a long text.
STRINGS: tuple[tuple[str, Any], ...] = (
    ("upper-case name", "Glance"),
    ("name with a space", "a b"),
    ("name with a colon", "a: b"),
    ("digits as a string", "123"),
    ("zero quantity", "0"),
    ("negative quantity", "-1G"),
    ("not a quantity", "lots"),
    ("cron of three fields", "* * *"),
    ("cron minute 61", "61 * * * *"),
    ("DEL", "a\x7fb"),
    ("U+0085", "a\x85b"),
    ("newline", "a\nb"),
    ("300 kB string", "x" * 300_000),
)
# What replaces any value: wrong types and null.
ANY: tuple[tuple[str, Any], ...] = (
    ("null", None),
    ("integer", 1_000_000),
    ("negative integer", -1),
    ("float", 0.5),
    ("boolean", True),
    ("string", "x"),
    ("list", ["x"]),
    ("object", {"x": "y"}),
)


@dataclass(frozen=True)
class Mutation:
    """One changed values file: which example, which path, what change."""

    example: str
    path: str
    change: str
    values: dict[str, Any]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) below node, node's children first at each level."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield (*prefix, key), value
        if isinstance(value, (dict, list)):
            yield from _paths(value, (*prefix, key))


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A copy of doc with the value at path replaced."""
    out = copy.deepcopy(doc)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _changes(value: Any) -> Iterator[tuple[str, Any]]:
    """The replacements tried for one value, those of its own type left out."""
    for name, new in ANY:
        if type(new) is not type(value):
            yield name, new
    if isinstance(value, str):
        yield from STRINGS
    if isinstance(value, dict):
        yield "unknown key", {**value, "unknownKey": 1}


def mutations(example: Path) -> Iterator[Mutation]:
    """Every mutation of one example, in a fixed order."""
    doc = yaml.safe_load(example.read_text())
    yield Mutation(example.name, "", "unknown top-level key", {**doc, "unknownKey": 1})
    for path, value in _paths(doc):
        where = ".".join(str(p) for p in path)
        for change, new in _changes(value):
            yield Mutation(example.name, where, change, _set(doc, path, new))


def sample(count: int, at: int) -> list[Mutation]:
    """`count` mutations of all examples, drawn with seed `at` (all if there are fewer)."""
    every = [m for example in EXAMPLES for m in mutations(example)]
    if count >= len(every):
        return every
    return random.Random(at).sample(every, count)
