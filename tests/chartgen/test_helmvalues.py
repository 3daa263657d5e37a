"""`chartgen validate` reads values as Helm does: where PyYAML and Go's YAML disagree, helm's
reading decides, and what neither Helm reads the same way is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from chartgen.cli import main
from tests.chart.rendering import helm_template
from tests.conftest import CHART, HELMS

# Values PyYAML reads otherwise than Go: a string where Go reads a number or a boolean, a date
# where Go reads a string, an error where Go reads on.
DISAGREEMENTS = {
    "float-exponent": "apiTimeout: 1e3\n",
    "octal-0o": "apiTimeout: 0o74\n",
    "y-is-true": "preserveJobs: y\n",
    "date-is-a-string": "serviceUser: 2026-01-01\n",
    "binary": "serviceUser: !!binary Z2xhbmNl\n",
    "tab-after-colon": "keystone:\n  region:\tRegionTwo\n",
}


def validate(tmp_path: Path, text: str) -> object:
    """`chartgen validate --no-kubernetes` of one values file."""
    path = tmp_path / "values.yaml"
    path.write_text(text)
    return CliRunner().invoke(
        main, ["validate", "-f", str(path), "--chart", str(CHART), "--no-kubernetes"]
    )


@pytest.mark.parametrize("text", DISAGREEMENTS.values(), ids=DISAGREEMENTS.keys())
def test_validate_agrees_with_helm(helm: Path, tmp_path: Path, text: str) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(text)
    by_helm = helm_template(helm, files=[path])
    schema_refused = "values don't meet the specifications" in by_helm.stderr
    result = validate(tmp_path, text)
    assert (result.exit_code != 0) is schema_refused, (result.stderr, by_helm.stderr)


def test_a_quoted_yes_stays_a_string(tmp_path: Path) -> None:
    result = validate(tmp_path, 'preserveJobs: "yes"\n')
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "  preserveJobs: 'yes' is not of type 'boolean'"


def test_a_file_of_two_documents_is_refused(tmp_path: Path) -> None:
    result = validate(tmp_path, "apiTimeout: 90\n---\napiTimeout: 100\n")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(
        "holds 2 YAML documents; Helm 4 and Helm 3 read such a file differently: keep one "
        "document per values file"
    )


def test_a_map_nested_500_deep_is_a_clear_error(tmp_path: Path) -> None:
    deep = "\n".join(" " * i + "a:" for i in range(500)) + " 1\n"
    result = validate(tmp_path, deep)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[-1] == "  a: unknown key"


def test_without_helm_it_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("chartgen.helmvalues.helm_binary", lambda chart: None)
    result = validate(tmp_path, "apiTimeout: 90\n")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no helm found: run `make tools` (bin/helm) or put helm on PATH\n"
    )


def test_broken_yaml_is_one_error_line(tmp_path: Path) -> None:
    assert HELMS["helm4"].is_file()
    result = validate(tmp_path, "keystone: [\n")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ")
