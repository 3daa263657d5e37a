"""README's diagrams of a release (chartgen diagrams): drawn from the render of each layout's
example, and checked like the other generated files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chartgen import diagram
from chartgen.errors import CheckFailed
from tests.conftest import CHART, HELMS, ROOT


def drawn(example: str) -> tuple[str, list[str]]:
    return diagram.draw(diagram.render(str(HELMS["helm4"]), CHART, ROOT / "examples" / example))


def test_split_traffic_goes_through_the_ingress_to_each_instance_and_its_store() -> None:
    chart, rest = drawn("split.yaml")
    lines = chart.splitlines()
    for edge in (
        "public_callers --> Ingress_glance_default_public",
        "Ingress_glance_default_public --> Service_glance_default_public",
        "Service_glance_default_public --> StatefulSet_glance_default_external_api",
        "Service_glance_default_internal --> StatefulSet_glance_default_internal_api",
        "StatefulSet_glance_default_external_api -->|images| store_rbd_default_backend",
        "Job_glance_db_sync -.-> database",
    ):
        assert f"  {edge}" in lines, edge
    assert '"StatefulSet glance-default-external-api<br/>3 pods"' in chart
    # The headless Service and the config Secret configure; they are listed, not drawn.
    assert "Service glance-default-external-api" in rest
    assert "Secret glance-default-external-api-config" in rest


def test_the_file_backend_keeps_images_on_the_claims_alone() -> None:
    chart, _ = drawn("single.yaml")
    assert "store_" not in chart
    assert "StatefulSet_glance_default_single --> claims_glance_glance_default_single" in chart


def test_a_stale_readme_fails_the_check(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    (tmp_path / "README.md").write_text(readme.replace("3 pods", "4 pods", 1))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    with pytest.raises(CheckFailed, match="run `make chart`"):
        diagram.update(str(HELMS["helm4"]), CHART, tmp_path, check=True)
    assert diagram.update(str(HELMS["helm4"]), CHART, tmp_path, check=False)
    assert (tmp_path / "README.md").read_text() == readme
