"""Every Glance resource of the reference README converts to values the chart renders, and the
converted Ceph example in docs/migration.md is what chartgen prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from chartgen.cli import main
from tests import reference
from tests.chart.rendering import helm_template
from tests.conftest import CHART, ROOT

RESOURCES = reference.resources()


def convert(tmp_path: Path, text: str) -> object:
    """`chartgen convert` of a resource written to a file."""
    resource = tmp_path / "glance.yaml"
    resource.write_text(text)
    return CliRunner().invoke(main, ["convert", str(resource), "--chart", str(CHART)])


@pytest.mark.parametrize("index", range(len(RESOURCES)))
def test_reference_resources_convert_and_render(helm: Path, tmp_path: Path, index: int) -> None:
    converted = convert(tmp_path, RESOURCES[index])
    assert converted.exit_code == 0, converted.stderr
    values = tmp_path / "values.yaml"
    values.write_text(converted.stdout)
    result = helm_template(helm, files=[values])
    assert result.returncode == 0, result.stderr
    assert "kind: StatefulSet" in result.stdout


def test_migration_guide_shows_the_real_conversion(tmp_path: Path) -> None:
    converted = convert(tmp_path, reference.fixed("ceph"))
    guide = (ROOT / "docs" / "migration.md").read_text()
    assert converted.stdout in guide


def test_the_reference_typo_is_refused_as_the_guide_shows(tmp_path: Path) -> None:
    converted = convert(tmp_path, reference.text("networks"))
    assert converted.exit_code == 1
    guide = (ROOT / "docs" / "migration.md").read_text()
    for line in converted.stderr.splitlines()[1:]:
        assert line in guide
