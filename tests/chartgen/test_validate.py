"""chartgen.validate: values layered as Helm layers them, schema problems named by path, and
the chart's render-time findings read back in the form the chart writes them."""

from __future__ import annotations

from pathlib import Path

from chartgen.validate import chart_rule_findings, merge_all, suggestion, validate
from tests.chart.rendering import helm_template
from tests.conftest import HELMS


def test_layers_merge_like_helm_and_null_deletes() -> None:
    defaults = {"a": {"b": 1, "c": 2}, "list": [1, 2], "gone": 1}
    merged = merge_all(defaults, [{"a": {"b": 3}, "list": [9]}, {"gone": None}])
    assert merged == {"a": {"b": 3, "c": 2}, "list": [9]}
    assert defaults == {"a": {"b": 1, "c": 2}, "list": [1, 2], "gone": 1}


def test_unknown_keys_get_a_suggestion() -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"networkAttachments": {"type": "array"}},
    }
    found = validate({"networkAttachents": []}, schema)
    assert [str(d) for d in found] == [
        "networkAttachents: unknown key: did you mean networkAttachments?"
    ]
    assert suggestion("zzz", ["networkAttachments"]) == ""


def test_the_chart_rules_are_read_back_one_per_value_path(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("keystoneEndpoint: nowhere\nglanceAPIs:\n  default:\n    type: split\n")
    result = helm_template(HELMS["helm4"], files=[values])
    assert result.returncode != 0
    assert [(d.path, d.message[:40]) for d in chart_rule_findings(result.stderr)] == [
        ("keystoneEndpoint", '"nowhere" is not a key of glanceAPIs (de'),
        ("glanceAPIs.default", "a split API on the file backend loses im"),
    ]


def test_other_helm_errors_are_passed_on_whole() -> None:
    found = chart_rule_findings("Error: parse error at (x.yaml:3): bad\n")
    assert [str(d) for d in found] == ["helm template: parse error at (x.yaml:3): bad"]
