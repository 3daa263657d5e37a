"""The check that chart/ is exactly what the sources generate (`make check-generated` runs it on
the committed chart) finds every difference, and generation is all or nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chartgen.assemble import Sources, build_into, check
from chartgen.errors import CheckFailed, InputError
from tests.conftest import CHART, ROOT


def copy_sources(tmp_path: Path) -> Sources:
    """A scratch copy of the generator inputs."""
    for name in ("schemas", "chart-src", "hooks"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy2(ROOT / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    return Sources(tmp_path)


def test_a_source_change_is_detected(sources: Sources, tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    schema = scratch.crd
    schema.write_text(schema.read_text().replace("default: osp-secret", "default: other"))
    with pytest.raises(CheckFailed, match="values.yaml"):
        check(scratch, CHART)


def test_a_hand_edit_of_the_chart_is_detected(sources: Sources, tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    (chart / "templates" / "extra.yaml").write_text("# edited by hand\n")
    with pytest.raises(CheckFailed, match="extra.yaml"):
        check(sources, chart)


def test_a_failed_build_leaves_the_chart_untouched(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    out = tmp_path / "out"
    build_into(scratch, out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    scratch.kubernetes_types.write_text("kubernetesVersion: '1.37.0'\ntypes:\n  nope: x\n")
    with pytest.raises(InputError, match="do not exist"):
        build_into(scratch, out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_chart_version_pins_app_version_to_the_image_series(tmp_path: Path) -> None:
    scratch = copy_sources(tmp_path)
    scratch.crd.write_text(scratch.crd.read_text().replace("podified-antelope", "podified-zed"))
    with pytest.raises(InputError, match="no Glance release for the default image"):
        build_into(scratch, tmp_path / "out")
