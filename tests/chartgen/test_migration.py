"""Every Glance resource of the reference README converts to values the chart renders, and the
converted Ceph example in docs/migration.md is what chartgen prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from chartgen.cli import main
from tests.conftest import CHART, ROOT, run_helm
from tests.reference import glance_resources


def fixed_resources() -> list[str]:
    """The reference README's Glance resources, its networkAttachents typo fixed."""
    found = glance_resources()
    assert len(found) == 3
    return [r.replace("networkAttachents", "networkAttachments") for r in found]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_reference_resources_convert_and_render(helm: Path, tmp_path: Path, index: int) -> None:
    resource = tmp_path / "glance.yaml"
    resource.write_text(fixed_resources()[index])
    converted = CliRunner().invoke(main, ["convert", str(resource), "--chart", str(CHART)])
    assert converted.exit_code == 0, converted.stderr
    values = tmp_path / "values.yaml"
    values.write_text(converted.stdout)
    result = run_helm(helm, "template", "glance", str(CHART), "-f", str(values))
    assert result.returncode == 0, result.stderr
    assert "kind: StatefulSet" in result.stdout


def test_migration_guide_shows_the_real_conversion(tmp_path: Path) -> None:
    resource = tmp_path / "glance.yaml"
    resource.write_text(fixed_resources()[0])
    converted = CliRunner().invoke(main, ["convert", str(resource), "--chart", str(CHART)])
    guide = (ROOT / "docs" / "migration.md").read_text()
    assert converted.stdout in guide


def test_the_reference_typo_is_refused_as_the_guide_shows(tmp_path: Path) -> None:
    resource = tmp_path / "glance.yaml"
    resource.write_text(fixed_resources()[1].replace("networkAttachments", "networkAttachents"))
    converted = CliRunner().invoke(main, ["convert", str(resource), "--chart", str(CHART)])
    assert converted.exit_code == 1
    guide = (ROOT / "docs" / "migration.md").read_text()
    for line in converted.stderr.splitlines()[1:]:
        assert line in guide
