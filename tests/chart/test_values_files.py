"""Values files as users write them: refused with a message naming the field, or accepted.

Every refusal is judged once, by its judge: the schema, the chart's rules, or Kubernetes'
validation of the render. `chartgen validate` names each problem; Helm 4 and Helm 3 refuse
what the schema and the chart's rules refuse, under the same values paths, and render what only
Kubernetes refuses (the API server then refuses it, naming the object).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from chartgen import refusal
from chartgen.cli import main
from tests import reference
from tests.chart.rendering import helm_template
from tests.conftest import CHART, ROOT, run_helm

INVALID = sorted((Path(__file__).parent / "invalid").glob("*.yaml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def expected_problems(path: Path) -> list[str]:
    """The problem lines an invalid file's `# expect: ` lines say validate must print, whole."""
    lines = [ln for ln in path.read_text().splitlines() if ln.startswith("# expect: ")]
    assert lines, f"{path.name} must start with '# expect: <the whole problem line>'"
    return [ln.removeprefix("# expect: ") for ln in lines]


@cache
def validated(path: Path) -> Result:
    """`chartgen validate -f PATH -n openstack`, once per file."""
    args = ["validate", "-f", str(path), "--chart", str(CHART), "-n", "openstack"]
    return CliRunner().invoke(main, args)


def judged_lines(result: Result) -> tuple[str, list[str]]:
    """The judges validate names, and the problem lines it prints."""
    lines = result.stderr.splitlines()
    judged = next(ln for ln in lines if ": judged by " in ln).partition(": judged by ")[2]
    return judged, [ln[2:] for ln in lines if ln.startswith("  ")]


def covers(outer: str, inner: str) -> bool:
    """Whether a values path is, or encloses, another."""
    return inner == outer or inner.startswith((f"{outer}.", f"{outer}[")) or not outer


@pytest.mark.parametrize("values", INVALID, ids=[p.stem for p in INVALID])
def test_validate_refuses_invalid_values_naming_the_field(values: Path) -> None:
    result = validated(values)
    assert result.exit_code == 1, f"{values.name} was accepted: {result.stderr}"
    assert judged_lines(result)[1] == expected_problems(values), result.stderr


@pytest.mark.parametrize("values", INVALID, ids=[p.stem for p in INVALID])
def test_helm_gives_the_verdict_validate_gives(helm: Path, values: Path) -> None:
    judged, lines = judged_lines(validated(values))
    result = helm_template(helm, files=[values])
    if "Kubernetes" in judged:
        assert result.returncode == 0, result.stderr  # the API server refuses it at install
        return
    assert result.returncode != 0, f"{values.name} was rendered"
    # helm names the object that holds an unknown key, and a rule also where it is stated (a
    # line "'allOf' failed" above the failures of its parts).
    named = [
        d.path
        for d in refusal.problems(result.stderr)
        if not re.match(r"'(allOf|anyOf|oneOf)' failed", d.message)
    ]
    paths = [ln.partition(": ")[0].replace("(top level)", "") for ln in lines]
    assert all(any(covers(p, path) for path in paths) for p in named), result.stderr
    assert all(any(covers(p, path) for p in named) for path in paths), result.stderr


def test_default_values_lint_strictly(helm: Path) -> None:
    result = run_helm(helm, "lint", "--strict", str(CHART))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("values", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_lint_strictly(helm: Path, values: Path) -> None:
    result = run_helm(helm, "lint", "--strict", str(CHART), "-f", str(values))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(reference.FILES))
def test_reference_readme_examples_are_accepted(helm: Path, tmp_path: Path, name: str) -> None:
    values = tmp_path / f"{name}.yaml"
    values.write_text(reference.values(name))
    result = helm_template(helm, files=[values])
    assert result.returncode == 0, result.stderr
    assert "kind: StatefulSet" in result.stdout


def test_reference_readme_typo_is_refused_by_name(helm: Path, tmp_path: Path) -> None:
    values = tmp_path / "typo.yaml"
    values.write_text(reference.values("networks", typo_fixed=False))
    result = helm_template(helm, files=[values])
    assert result.returncode != 0
    assert sorted(str(d) for d in refusal.problems(result.stderr)) == [
        f"{key}: additional properties 'networkAttachents' not allowed"
        for key in ("glanceAPIExternal", "glanceAPIInternal")
    ]
