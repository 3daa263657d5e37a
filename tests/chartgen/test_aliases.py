"""The table of keys the chart reads under an older name (schemas/aliases.yaml) is what the
schema, the templates, NOTES.txt and `chartgen convert` all go by."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartgen import aliases
from chartgen.convert import adapt, aliases_of
from chartgen.errors import InputError
from chartgen.model import build_document
from tests.chart.rendering import render
from tests.conftest import CHART, HELMS, run_helm

SCHEMA = json.loads((CHART / "values.schema.json").read_text())
ALIASES = aliases_of(SCHEMA)
RENAMES = [a for a in ALIASES if a.moves]
# A value other than the default for each renamed key, and what else the values need with it.
SAMPLES: dict[str, tuple[Any, dict[str, Any]]] = {
    "databaseUser": ("legacy", {}),
    "storageClass": ("fast", {}),
    "storageRequest": ("20G", {}),
    "notificationBusInstance": ("rabbitmq", {"notificationsBus": {"transportURLSecret": "bus"}}),
}


def nested(path: str, value: Any) -> dict[str, Any]:
    """{a: {b: value}} for `a.b`."""
    head, _, rest = path.partition(".")
    return {head: nested(rest, value) if rest else value}


def merged(*layers: dict[str, Any]) -> dict[str, Any]:
    """The layers deep-merged, later ones winning."""
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merged(out[key], value)
            else:
                out[key] = value
    return out


def test_the_schema_marks_exactly_the_keys_of_the_table_deprecated() -> None:
    table = yaml.safe_load((CHART.parent / "schemas" / "aliases.yaml").read_text())["aliases"]
    marked = {k for k, p in SCHEMA["properties"].items() if p.get("deprecated")}
    assert marked == set(table) == {a.old for a in ALIASES}
    for alias in ALIASES:
        assert table[alias.old]["key"] == alias.new
        description = SCHEMA["properties"][alias.old]["description"]
        assert description.startswith(f"Deprecated since chart {alias.since}: use ")


def sizes_named(objects: list[dict[str, Any]]) -> set[str]:
    """The values the resize hook names as setting the sizes it compares."""
    [job] = [o for o in objects if o["kind"] == "Job" and o["metadata"]["name"] == "glance-resize"]
    [env] = [
        e
        for e in job["spec"]["template"]["spec"]["containers"][0]["env"]
        if e["name"] == "STATEFULSETS"
    ]
    return {c["value"] for s in json.loads(env["value"]) for c in s["claims"].values()}


def without_resize_names(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects, but for the names of values in the resize hook's environment."""
    return [o for o in objects if o["metadata"]["name"] != "glance-resize"]


@pytest.mark.parametrize("alias", RENAMES, ids=[a.old for a in RENAMES])
def test_an_older_key_renders_what_its_new_key_renders(
    helm: Path, tmp_path: Path, alias: aliases.Alias
) -> None:
    """The same objects, but that what the user wrote is named as written; NOTES says what to
    write instead."""
    value, needs = SAMPLES[alias.old]
    older = render(helm, merged(needs, {alias.old: value}))
    newer = render(helm, merged(needs, nested(alias.new, value)))
    assert without_resize_names(older) == without_resize_names(newer)
    if alias.new == "storage.storageRequest":
        assert (sizes_named(older), sizes_named(newer)) == ({alias.old}, {alias.new})
    path = tmp_path / "older.yaml"
    path.write_text(yaml.safe_dump(merged(needs, {alias.old: value})))
    # Helm 3 needs a cluster for a dry run; Helm 4 renders NOTES without one.
    notes = run_helm(
        HELMS["helm4"], "install", "glance", str(CHART), "--dry-run=client", "-f", str(path)
    )
    assert notes.returncode == 0, notes.stderr
    assert (
        f"  - {alias.old} (deprecated since chart {alias.since}): write {alias.new}: "
        f"{json.dumps(value)}"
    ) in notes.stdout


@pytest.mark.parametrize("alias", RENAMES, ids=[a.old for a in RENAMES])
def test_convert_moves_each_renamed_key_to_its_new_place(alias: aliases.Alias) -> None:
    value, _ = SAMPLES[alias.old]
    adapted, warnings = adapt({alias.old: value}, SCHEMA)
    assert adapted == nested(alias.new, value)
    assert warnings == [
        f"{alias.old} is deprecated since chart {alias.since}: moved to {alias.new}"
    ]


def test_a_table_that_names_a_key_the_values_lack_is_refused() -> None:
    doc = build_document([("spec", {"type": "object", "properties": {"a": {"type": "string"}}})])
    with pytest.raises(InputError) as caught:
        aliases.load({"aliases": {"a": {"key": "b.c", "deprecated": "1.0.0"}}}, doc, "t.yaml")
    assert [str(d) for d in caught.value.diagnostics] == [
        "a: replaced by b.c, which does not exist"
    ]
