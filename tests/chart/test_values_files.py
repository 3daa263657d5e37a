"""Values files as users write them: refused with a message naming the field, or accepted.

Every case runs under Helm 4 and Helm 3 (the `helm` fixture).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import reference
from tests.chart.rendering import helm_template, problems
from tests.conftest import CHART, ROOT, run_helm

INVALID = sorted((Path(__file__).parent / "invalid").glob("*.yaml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def expected_problems(path: Path) -> list[str]:
    """The problem lines an invalid file's `# expect: ` lines say helm must print, whole."""
    lines = [ln for ln in path.read_text().splitlines() if ln.startswith("# expect: ")]
    assert lines, f"{path.name} must start with '# expect: <the whole problem line>'"
    return [ln.removeprefix("# expect: ") for ln in lines]


@pytest.mark.parametrize("values", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_values_are_refused_naming_the_field(helm: Path, values: Path) -> None:
    result = helm_template(helm, files=[values])
    assert result.returncode != 0, f"{values.name} was accepted"
    assert problems(result) == expected_problems(values), result.stderr


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
    assert sorted(problems(result)) == [
        f"at '/{key}': additional properties 'networkAttachents' not allowed"
        for key in ("glanceAPIExternal", "glanceAPIInternal")
    ]
