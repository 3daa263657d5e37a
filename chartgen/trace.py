"""Which value produced a field of a rendered object: how a finding of Kubernetes' validation on
the render is reported under the values path the user can change.

The chart copies most values that are Kubernetes objects into the objects it renders as they
are (resources, affinity, tolerations, volumes, security contexts) or merged with its own
(labels, annotations, Service specs). So the field a finding names is looked up in the rendered
object, and its value, or the value of the nearest enclosing field, is looked up among the
values: the same value (or, for a mapping, one the rendered mapping holds whole) under a key of
the same name wins, then the same value under another name when no other value holds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chartgen.validate import dotted

# `a.b[0].c` and `metadata.annotations[example.com/x]`: keys, list indexes, bracketed keys.
FIELD_PART = re.compile(r"\.?([^.\[\]]+)|\[([^\]]*)\]")
Parts = tuple[Any, ...]


def parse_field(field: str) -> Parts:
    """The keys and indexes of a Kubernetes field path."""
    out: list[Any] = []
    for key, bracket in FIELD_PART.findall(field):
        if key:
            out.append(key)
        else:
            out.append(int(bracket) if bracket.isdigit() else bracket)
    return tuple(out)


def resolve(node: Any, parts: Parts) -> tuple[bool, Any]:
    """(found, value) of the field at `parts` below `node`."""
    for part in parts:
        in_map = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_map or in_list):
            return False, None
        node = node[part]
    return True, node


def resolve_field(obj: Any, parts: Parts) -> tuple[bool, Any]:
    """(found, value) of a field as Kubernetes' validation names it, which skips a level at
    times: a pod template's `labels` are in its `metadata`, a claim's `resources[storage]` in
    its `requests`. A key a mapping lacks is looked for in its one child that has it."""
    node = obj
    for part in parts:
        if isinstance(node, dict) and part not in node:
            holders = [v for v in node.values() if isinstance(v, dict) and part in v]
            if len(holders) == 1:
                node = holders[0]
        found, node = resolve(node, (part,))
        if not found:
            return False, None
    return True, node


def walk(node: Any, parts: Parts = ()) -> Iterator[tuple[Parts, Any]]:
    """Every (path, value) of a values tree, the root excluded, parents before children."""
    items: Any = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        yield (*parts, key), value
        yield from walk(value, (*parts, key))


def number(value: Any) -> float | None:
    """A number, or the text of one (the chart writes some numbers as text), as a float."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def same(a: Any, b: Any) -> bool:
    """Equal as Kubernetes reads them: numbers by value (written as text or not), booleans
    apart from numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) or isinstance(b, (int, float)):
        return number(a) is not None and number(a) == number(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def held(part: dict[str, Any], whole: dict[str, Any]) -> bool:
    """Whether every key of `part` is in `whole` with the same value."""
    return all(k in whole and same(v, whole[k]) for k, v in part.items())


@dataclass(frozen=True)
class Candidate:
    """A values path that may have produced a rendered value, and how well it matches."""

    parts: Parts
    exact: bool
    # How many enclosing values match the enclosing rendered fields too.
    context: int
    named: bool
    # Whether a word of its key is in the rendered object's name (prunerScheduler, a pruner).
    kin: bool
    given: bool

    def rank(self) -> tuple[bool, int, bool, bool, bool, int]:
        """Higher is better: the same value, in the same surroundings, under a name alike,
        akin to the object, given by the user, deeper."""
        return (self.exact, self.context, self.named, self.kin, self.given, len(self.parts))


def akin(key: Any, name: str) -> bool:
    """Whether a word of a values key (camelCase words) is a word of an object's name."""
    words = re.findall(r"[a-z]+", re.sub(r"([A-Z])", r" \1", str(key)).lower())
    return any(len(w) > 3 and w in name.split("-") for w in words)


# Rendered keys whose values the values name otherwise: a size becomes a claim's storage.
SYNONYMS = {"storage": ("size",)}


def named_alike(values_key: Any, field_key: Any) -> bool:
    """Whether a values key names what a rendered key names (podSecurityContext and
    securityContext, storageRequest and storage, cleanerScheduler and schedule, size and a
    claim's storage)."""
    if not (isinstance(values_key, str) and isinstance(field_key, str)):
        return False
    names = (field_key, *SYNONYMS.get(field_key, ()))
    return any(name.lower() in values_key.lower() for name in names)


def matches(candidate: Any, value: Any) -> bool:
    """Whether a value may have been rendered as `value`: the same, or a mapping held whole."""
    if isinstance(candidate, dict) and isinstance(value, dict):
        return bool(candidate) and held(candidate, value)
    return same(candidate, value)


class Tracer:
    """Looks rendered values up among the values of one render."""

    def __init__(self, merged: dict[str, Any], given: dict[str, Any]) -> None:
        """merged: the values the chart rendered (defaults included); given: the user's alone."""
        self.values = merged
        self.merged = list(walk(merged))
        self.given = given

    def context(self, parts: Parts, obj: dict[str, Any], field: Parts) -> int:
        """How many of the values enclosing `parts` match the fields enclosing `field`."""
        count = 0
        for up in range(1, min(len(parts), len(field))):
            value = resolve(self.values, parts[:-up])[1]
            found, rendered = resolve_field(obj, field[:-up])
            if not (found and matches(value, rendered)):
                break
            count += 1
        return count

    def candidates(
        self, value: Any, field_key: Any, obj: dict[str, Any], field: Parts
    ) -> list[Candidate]:
        """The values that may have produced `value`, rendered at `field` of `obj`."""
        out = []
        # A scalar is too common to tell by its value alone: it needs a name alike, or to be
        # text no other value holds.
        scalar = not isinstance(value, (dict, list))
        alone = (
            scalar
            and isinstance(value, str)
            and (
                sum(1 for _, c in self.merged if not isinstance(c, (dict, list)) and same(c, value))
                == 1
            )
        )
        for parts, candidate in self.merged:
            named = named_alike(parts[-1], field_key)
            if isinstance(value, dict) and isinstance(candidate, dict):
                if not candidate and not named:
                    continue
                if same(candidate, value):
                    exact = True
                elif candidate and held(candidate, value):
                    exact = False
                else:
                    continue
            elif isinstance(value, (dict, list)):
                if not same(candidate, value) or (not value and not named):
                    continue
                exact = True
            elif same(candidate, value):
                if not (named or alone):
                    continue
                exact = True
            else:
                continue
            given = resolve(self.given, parts)[0]
            context = self.context(parts, obj, field)
            kin = akin(parts[-1], str((obj.get("metadata") or {}).get("name", "")))
            out.append(Candidate(parts, exact, context, named, kin, given))
        return out

    def locate(self, obj: dict[str, Any], fields: list[str]) -> str | None:
        """The values path that produced the field (or one of the fields) of `obj`, or None."""
        best: Candidate | None = None
        for field in fields:
            parts = parse_field(field)
            for depth in range(len(parts), 0, -1):
                found, value = resolve_field(obj, parts[:depth])
                if not found:
                    continue
                key = next((p for p in reversed(parts[:depth]) if isinstance(p, str)), None)
                found_here = self.candidates(value, key, obj, parts[:depth])
                if not found_here and isinstance(value, list):
                    # A list the chart adds to (volumes, mounts): the user's items in it.
                    found_here = [
                        c
                        for i, item in enumerate(value)
                        if isinstance(item, dict) and item
                        for c in self.candidates(item, key, obj, (*parts[:depth], i))
                        if c.exact
                    ]
                if found_here:
                    top = max(found_here, key=Candidate.rank)
                    if best is None or top.rank() > best.rank():
                        best = top
                    break
        return dotted(best.parts) if best else None
