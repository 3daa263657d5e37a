"""Values files as users write them: refused with a message naming the field, or accepted.

Every case runs under Helm 4 and Helm 3 (the `helm` fixture).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import CHART, ROOT, run_helm
from tests.reference import code_blocks, glance_resources

INVALID = sorted((Path(__file__).parent / "invalid").glob("*.yaml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def expected_message(path: Path) -> str:
    """The text an invalid file's first line says the error must contain."""
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: <text>'"
    return first.removeprefix("# expect: ")


def test_there_are_enough_invalid_cases() -> None:
    assert len(INVALID) >= 15


@pytest.mark.parametrize("values", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_values_are_refused_naming_the_field(helm: Path, values: Path) -> None:
    result = run_helm(helm, "template", "glance", str(CHART), "-f", str(values))
    assert result.returncode != 0, f"{values.name} was accepted"
    assert expected_message(values) in result.stderr, result.stderr


def test_default_values_lint_strictly(helm: Path) -> None:
    result = run_helm(helm, "lint", "--strict", str(CHART))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("values", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_lint_strictly(helm: Path, values: Path) -> None:
    result = run_helm(helm, "lint", "--strict", str(CHART), "-f", str(values))
    assert result.returncode == 0, result.stdout + result.stderr


def reference_snippets() -> dict[str, str]:
    """The YAML of each Glance example in the reference README, as values text.

    Glance resources lose their `...` elisions and keep their spec; the debug-mode example
    is prose around a fragment, of which the `glanceAPIExternal` block is taken.
    """
    out = {}
    for kept in glance_resources():
        spec = yaml.safe_load(kept)["spec"]
        if "extraMounts" in spec:
            out["ceph"] = yaml.safe_dump(spec)
        elif "externalEndpoints" in kept:
            out["metallb"] = yaml.safe_dump(spec)
        else:
            out["networks"] = yaml.safe_dump(spec)
    for block in code_blocks():
        if "glanceAPIExternal:" in block and "kind: Glance" not in block:
            lines = block.split("glanceAPIExternal:", 1)[1].split("\n\n", 1)[0]
            out["debug"] = "glanceAPIExternal:" + lines + "\n"
    assert sorted(out) == ["ceph", "debug", "metallb", "networks"], sorted(out)
    return out


SNIPPETS = ["ceph", "debug", "metallb", "networks"]


@pytest.mark.parametrize("name", SNIPPETS)
def test_reference_readme_examples_are_accepted(helm: Path, tmp_path: Path, name: str) -> None:
    text = reference_snippets()[name].replace("networkAttachents", "networkAttachments")
    values = tmp_path / f"{name}.yaml"
    values.write_text(text)
    result = run_helm(helm, "template", "glance", str(CHART), "-f", str(values))
    assert result.returncode == 0, result.stderr
    assert "kind: StatefulSet" in result.stdout


def test_reference_readme_typo_is_refused_by_name(helm: Path, tmp_path: Path) -> None:
    text = reference_snippets()["networks"]
    assert "networkAttachents" in text
    values = tmp_path / "typo.yaml"
    values.write_text(text)
    result = run_helm(helm, "template", "glance", str(CHART), "-f", str(values))
    assert result.returncode != 0
    assert "networkAttachents" in result.stderr
