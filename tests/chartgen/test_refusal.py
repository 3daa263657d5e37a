"""chartgen.refusal: what Helm 4 and Helm 3 name when they refuse values, read back by path."""

from __future__ import annotations

from pathlib import Path

from chartgen import refusal
from chartgen.errors import Diagnostic
from tests.chart.rendering import helm_template


def test_the_chart_rules_are_read_back_one_per_value_path(helm: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("keystoneEndpoint: nowhere\nglanceAPIs:\n  default:\n    type: split\n")
    result = helm_template(helm, files=[values])
    assert result.returncode != 0
    assert [str(d) for d in refusal.problems(result.stderr)] == [
        'keystoneEndpoint: "nowhere" is not an API (default): set it to one of them or leave it '
        "empty",
        "glanceAPIs.default: a split API on the file backend loses images (its public and "
        "internal instances are different pods, each with its own store): use type single, or a "
        "shared backend in customServiceConfig ([DEFAULT] enabled_backends, e.g. rbd, swift, s3, "
        "cinder)",
    ]


def test_schema_errors_are_read_back_by_path(helm: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("glanceAPIs:\n  a~b/c:\n    replicas: many\n")
    result = helm_template(helm, files=[values])
    assert result.returncode != 0
    paths = {d.path for d in refusal.problems(result.stderr)}
    assert "glanceAPIs.a~b/c.replicas" in paths


def test_a_render_without_the_chart_rules_names_nothing() -> None:
    assert refusal.chart_rules("Error: parse error at (x.yaml:3): bad\n") == []
    assert refusal.problems("Error: parse error at (x.yaml:3): bad\n") == []


def test_json_pointers_become_values_paths() -> None:
    assert refusal.pointer_path("/extraMounts/0/extraVol/1/volumes") == (
        "extraMounts[0].extraVol[1].volumes"
    )
    assert refusal.pointer_path("") == ""
    assert refusal.schema_errors("- at '/a/b': got string, want integer") == [
        Diagnostic("error", "a.b", "got string, want integer")
    ]
