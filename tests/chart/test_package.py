"""The packaged chart (tools/package.sh): the same objects as chart/, without the tests,
indexed under the version of chart/Chart.yaml, the same bytes from the same chart whichever Helm
packages it, and a provenance file both Helms verify when it is signed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.cases import EXAMPLES
from tests.chart.rendering import NAMESPACE, render_text
from tests.conftest import CHART, HELMS, ROOT, run_helm
from tests.services.signing import SigningKey, signing_key

PACKAGE = ROOT / "tools" / "package.sh"
EPOCH = 1700000000  # 2023-11-14T22:13:20Z
URL = "https://charts.example.com/glance"
KEY_URL = "https://charts.example.com/glance/signing-key.asc"
CASES: list[Path | None] = [None, *EXAMPLES]
IDS = ["defaults"] + [f.stem for f in EXAMPLES]


def version() -> str:
    return str(yaml.safe_load((CHART / "Chart.yaml").read_text())["version"])


def package(dist: Path, *args: str, **env_vars: str) -> subprocess.CompletedProcess[str]:
    """Run tools/package.sh into dist with a fixed SOURCE_DATE_EPOCH (and env_vars)."""
    env = {**os.environ, "DIST": str(dist), "SOURCE_DATE_EPOCH": str(EPOCH), **env_vars}
    return subprocess.run(
        [str(PACKAGE), *args], capture_output=True, text=True, env=env, check=False
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dist directory with the packaged chart and its index."""
    out = tmp_path_factory.mktemp("dist")
    result = package(out, URL)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def archive(dist: Path) -> Path:
    path = dist / f"glance-{version()}.tgz"
    assert path.is_file(), sorted(p.name for p in dist.iterdir())
    return path


@pytest.mark.parametrize("file", CASES, ids=IDS)
def test_archive_renders_like_the_chart(helm: Path, archive: Path, file: Path | None) -> None:
    """Nothing a template needs is left out of the archive."""
    args = ["template", "glance", str(archive), "--namespace", NAMESPACE]
    result = run_helm(helm, *args, *(["-f", str(file)] if file else []))
    assert result.returncode == 0, result.stderr
    assert result.stdout == render_text(helm, None, *([file] if file else []))


def test_archive_holds_the_chart_but_not_its_tests(archive: Path) -> None:
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        times = {m.mtime for m in tar.getmembers()}
    assert "glance/Chart.yaml" in names
    assert "glance/values.schema.json" in names
    assert any(n.startswith("glance/templates/") for n in names)
    assert any(n.startswith("glance/files/hooks/") for n in names)
    leaked = [n for n in names if n.startswith("glance/tests/") or "__pycache__" in n]
    assert leaked == [], "excluded by chart/.helmignore"
    # Files are dated SOURCE_DATE_EPOCH, not when they were written.
    assert times == {EPOCH}


def test_index_names_the_chart_version(dist: Path, archive: Path) -> None:
    index: dict[str, Any] = yaml.safe_load((dist / "index.yaml").read_text())
    entries = index["entries"]["glance"]
    assert [e["version"] for e in entries] == [version()]
    entry = entries[0]
    assert entry["urls"] == [f"{URL}/glance-{version()}.tgz"]
    assert entry["digest"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    # Times are the fixed instant, as strings in RFC 3339 (what Helm writes and reads).
    assert str(entry["created"]).startswith("2023-11-14")
    assert str(index["generated"]).startswith("2023-11-14")


@pytest.mark.parametrize("helm_name", sorted(HELMS))
def test_packaging_is_reproducible(tmp_path: Path, dist: Path, helm_name: str) -> None:
    """A second run, elsewhere and later, writes the same bytes, with Helm 4 or Helm 3 (which
    dates the files it packs when it runs: the archive is rewritten with the fixed instant)."""
    result = package(tmp_path, URL, HELM=str(HELMS[helm_name]))
    assert result.returncode == 0, result.stderr
    for name in (f"glance-{version()}.tgz", "index.yaml"):
        assert (tmp_path / name).read_bytes() == (dist / name).read_bytes(), name
    assert not (tmp_path / f"glance-{version()}.tgz.prov").exists()


def test_index_is_read_by_helm(helm: Path, dist: Path, tmp_path: Path) -> None:
    """Helm accepts the rewritten index: merging it into a new one keeps the entry."""
    other = tmp_path / "repo"
    other.mkdir()
    result = run_helm(
        helm, "repo", "index", str(other), "--merge", str(dist / "index.yaml"), "--url", URL
    )
    assert result.returncode == 0, result.stderr
    merged = yaml.safe_load((other / "index.yaml").read_text())
    assert [e["version"] for e in merged["entries"]["glance"]] == [version()]


def test_bad_arguments(tmp_path: Path) -> None:
    result = package(tmp_path, URL, "extra")
    assert result.returncode == 2
    assert "usage:" in result.stderr


@pytest.fixture(scope="module")
def key() -> Iterator[SigningKey]:
    with signing_key() as made:
        yield made


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory, key: SigningKey) -> Path:
    """A dist directory with the chart packaged and signed with a throwaway key."""
    out = tmp_path_factory.mktemp("signed")
    result = package(out, URL, SIGN_KEY=key.uid, SIGN_KEY_URL=KEY_URL, GNUPGHOME=str(key.home))
    assert result.returncode == 0, result.stderr
    assert f"key {key.fingerprint}, checked by helm verify" in result.stdout
    return out


def test_both_helms_verify_the_signed_archive(helm: Path, signed: Path, key: SigningKey) -> None:
    archive = signed / f"glance-{version()}.tgz"
    result = run_helm(helm, "verify", str(archive), "--keyring", str(key.keyring))
    assert result.returncode == 0, result.stderr
    assert f"Using Key With Fingerprint: {key.fingerprint}" in result.stdout
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    assert f"Chart Hash Verified: sha256:{digest}" in result.stdout


def test_a_changed_archive_fails_verification(
    helm: Path, signed: Path, key: SigningKey, tmp_path: Path
) -> None:
    name = f"glance-{version()}.tgz"
    (tmp_path / name).write_bytes((signed / name).read_bytes() + b"\0")
    (tmp_path / f"{name}.prov").write_bytes((signed / f"{name}.prov").read_bytes())
    result = run_helm(helm, "verify", str(tmp_path / name), "--keyring", str(key.keyring))
    assert result.returncode != 0
    assert "sha256 sum does not match" in result.stderr


def test_the_signed_chart_names_its_key_for_artifact_hub(signed: Path, key: SigningKey) -> None:
    with tarfile.open(signed / f"glance-{version()}.tgz") as tar:
        meta = yaml.safe_load(tar.extractfile("glance/Chart.yaml").read())  # type: ignore[union-attr]
    sign_key = yaml.safe_load(meta["annotations"]["artifacthub.io/signKey"])
    assert sign_key == {"fingerprint": key.fingerprint, "url": KEY_URL}


def test_signing_needs_where_the_public_key_is(tmp_path: Path, key: SigningKey) -> None:
    result = package(tmp_path, SIGN_KEY=key.uid, GNUPGHOME=str(key.home))
    assert result.returncode == 2
    assert f"set SIGN_KEY_URL to where users fetch the public key of {key.uid}" in result.stderr
