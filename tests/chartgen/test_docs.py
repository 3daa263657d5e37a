"""The README values table: one row per key, the same defaults as values.yaml."""

from __future__ import annotations

import pytest

from chartgen.assemble import ValuesAPI
from chartgen.docs import display_path, inject_table, rows
from chartgen.errors import InputError


def test_table_lists_every_key(values_api: ValuesAPI) -> None:
    listed = {r["key"].strip("`") for r in rows(values_api.document)}
    for prop in values_api.document.walk():
        if prop.name in ("*", "[]") and not prop.properties:
            continue
        assert display_path(prop.path) in listed, prop.path


def test_table_needs_its_markers() -> None:
    with pytest.raises(InputError, match="missing the markers"):
        inject_table("# README without markers\n", "| table |\n")
