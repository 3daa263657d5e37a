"""Keys read under an older name: the table of schemas/aliases.yaml, checked against the model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chartgen.errors import Diagnostic, InputError
from chartgen.model import Document

# How the generated schema carries an alias, for readers of the chart alone (`chartgen convert`).
SCHEMA_KEY = "x-replacedBy"


@dataclass(frozen=True)
class Alias:
    """An older key, the key that replaced it and the chart release that deprecated it."""

    old: str
    new: str
    since: str
    # For the older layout: the instance of a split API whose settings the old key holds.
    instance: str = ""

    @property
    def moves(self) -> bool:
        """Whether `chartgen convert` moves the value to the new key (a plain rename)."""
        return not self.instance

    def schema(self) -> dict[str, str]:
        """The alias as the generated schema states it on the old key."""
        out = {"key": self.new, "deprecated": self.since}
        if self.instance:
            out["instance"] = self.instance
        return out

    @classmethod
    def from_schema(cls, old: str, data: dict[str, str]) -> Alias:
        """The alias the generated schema states on the old key."""
        return cls(old, data["key"], data["deprecated"], data.get("instance", ""))


def load(data: Any, doc: Document, source: str) -> list[Alias]:
    """The aliases of the table, each checked against the model: the old key is a top-level
    key of its own, the new key exists."""
    table = (data or {}).get("aliases") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        raise InputError(f"{source}: expected a mapping `aliases`")
    out, problems = [], []
    for old, entry in table.items():
        if not isinstance(entry, dict) or not {"key", "deprecated"} <= entry.keys():
            problems.append(Diagnostic("error", old, "needs `key` and `deprecated`"))
            continue
        alias = Alias(
            old, str(entry["key"]), str(entry["deprecated"]), str(entry.get("instance", ""))
        )
        if doc.find(old) is None or "." in old:
            problems.append(Diagnostic("error", old, "is not a top-level key of the values"))
        new = alias.new.replace(".default", ".*") if alias.instance else alias.new
        if doc.find(new) is None:
            problems.append(
                Diagnostic("error", old, f"replaced by {alias.new}, which does not exist")
            )
        out.append(alias)
    if problems:
        raise InputError(f"{source}: the table names keys that do not exist", problems)
    return out


def mark(doc: Document, aliases: list[Alias]) -> None:
    """Mark each old key deprecated, saying in its description what replaced it."""
    for alias in aliases:
        prop = doc.find(alias.old)
        assert prop is not None  # load() checked it
        prop.deprecated = True
        prop.replacement = alias.schema()
        what = (
            f"the {alias.instance} instance of a split API `{alias.new}`"
            if alias.instance
            else f"`{alias.new}`"
        )
        prop.description = f"Deprecated since chart {alias.since}: use {what}. {prop.description}"
