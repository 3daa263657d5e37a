"""values.yaml: every default of the schema, under a comment, checked by editors."""

from __future__ import annotations

from typing import Any

import jsonschema
import yaml

from chartgen.assemble import ValuesAPI
from chartgen.defaults import effective_default, template_defaults
from chartgen.model import NO_DEFAULT
from chartgen.values import render_values
from tests.chartgen.conftest import values_defaults


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path of plain keys, or NO_DEFAULT when absent."""
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return NO_DEFAULT
        data = data[part]
    return data


def test_every_schema_default_is_in_values_yaml(values_api: ValuesAPI) -> None:
    values = yaml.safe_load(render_values(values_api.document))
    checked = 0
    for prop in values_api.document.walk():
        if "*" in prop.path or "[]" in prop.path or not prop.has_default:
            continue
        parent = prop.path.rpartition(".")[0]
        if parent and lookup(values, parent) is NO_DEFAULT:
            continue  # an object without a default of its own (the older layout)
        assert lookup(values, prop.path) == effective_default(prop), prop.path
        checked += 1
    assert checked > 80


def test_values_yaml_has_nothing_the_schema_lacks(values_api: ValuesAPI) -> None:
    values = yaml.safe_load(render_values(values_api.document))
    assert values == values_defaults(values_api.document)


def test_values_yaml_validates_against_the_schema(values_api: ValuesAPI) -> None:
    values = yaml.safe_load(render_values(values_api.document))
    jsonschema.Draft202012Validator(values_api.json_schema()).validate(values)


def test_values_yaml_points_editors_at_the_schema(values_api: ValuesAPI) -> None:
    text = render_values(values_api.document)
    assert text.splitlines()[0] == "# yaml-language-server: $schema=values.schema.json"


def test_every_key_has_a_comment_above_it(values_api: ValuesAPI) -> None:
    lines = render_values(values_api.document).splitlines()
    keyed = [
        (i, ln)
        for i, ln in enumerate(lines)
        if ln.strip() and not ln.lstrip().startswith(("#", "-"))
    ]
    nested_values = {"runAsNonRoot", "runAsUser", "runAsGroup", "fsGroup", "seccompProfile"}
    nested_values |= {"type", "allowPrivilegeEscalation", "readOnlyRootFilesystem"}
    nested_values |= {"capabilities", "drop"}
    nested_values |= {"requests", "limits", "cpu", "memory", "whenDeleted", "whenScaled"}
    for i, line in keyed:
        name = line.strip().split(":")[0]
        if name in nested_values and line.startswith("  "):
            continue  # inside a default given as a whole (security contexts, resources)
        assert lines[i - 1].lstrip().startswith("#"), f"no comment above: {line}"


def test_map_defaults_reach_the_templates(values_api: ValuesAPI) -> None:
    defaults = template_defaults(values_api.document)
    assert defaults["glanceAPIs.*"]["type"] == "split"
    assert defaults["glanceAPIs.*"]["replicas"] == 1
    assert defaults["glanceAPIs.*"]["debug"] == {"service": False}
    assert defaults["glanceAPIInternal"]["replicas"] == 1
