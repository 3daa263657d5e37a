"""Values files as users write them: refused with a message naming the field, or accepted.

Every case runs under Helm 4 and Helm 3 (the `helm` fixture).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import CHART, ROOT, run_helm

INVALID = sorted((Path(__file__).parent / "invalid").glob("*.yaml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
REFERENCE = ROOT.parent / "shared" / "reference" / "glance-operator-README.md"


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
    if not REFERENCE.is_file():
        pytest.fail(f"{REFERENCE} is missing: the tests need ../shared beside the repository")
    blocks = re.findall(r"```\n(.*?)```", REFERENCE.read_text(), re.S)
    out = {}
    for block in blocks:
        if "kind: Glance\n" in block:
            kept = "\n".join(ln for ln in block.splitlines() if ln.strip() != "...")
            spec = yaml.safe_load(kept)["spec"]
            name = (
                "ceph"
                if "extraMounts" in spec
                else "metallb"
                if "externalEndpoints" in kept
                else "networks"
            )
            out[name] = yaml.safe_dump(spec)
        elif "glanceAPIExternal:" in block:
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
