"""The chart as a platform team consumes it: `make package` signs it with a key, `make publish`
pushes chart and signature to an OCI registry (the CNCF distribution registry, bin/registry, on
127.0.0.1), and `helm install oci://… --verify` installs it from there, into a namespace with the
suite's ResourceQuota, after checking the signature; a keyring without the key is refused."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import CHART, HELMS, ROOT
from tests.kubernetes.cluster import Cluster
from tests.kubernetes.release import (
    RELEASE,
    TIMEOUT,
    mismatches,
    prepare,
    render,
    run_helm,
    workload_state,
)
from tests.services.signing import SigningKey, registry, signing_key

NAMESPACE = "publish"
KEY_URL = "https://charts.example.com/glance/signing-key.asc"


def version() -> str:
    return str(yaml.safe_load((CHART / "Chart.yaml").read_text())["version"])


@pytest.fixture(scope="module")
def key() -> Iterator[SigningKey]:
    with signing_key() as made:
        yield made


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory, key: SigningKey
) -> Iterator[tuple[str, Path]]:
    """The chart packaged, signed and pushed as README's commands do; yields its oci:// address
    (without the chart name) and the dist directory."""
    work = tmp_path_factory.mktemp("publish")
    dist = work / "dist"
    with registry(work) as address:
        env = {
            **key.env(),
            "DIST": str(dist),
            "SIGN_KEY": key.uid,
            "SIGN_KEY_URL": KEY_URL,
        }
        repository = f"oci://{address}/charts"
        for command in (
            [str(ROOT / "tools" / "package.sh")],
            [str(ROOT / "tools" / "publish.sh"), repository, "--plain-http"],
        ):
            result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            assert result.returncode == 0, result.stderr
        assert f"pushed:     glance {version()} with its provenance" in result.stdout
        yield repository, dist


def test_install_from_the_registry_with_the_signature_checked(
    cluster: Cluster, key: SigningKey, published: tuple[str, Path]
) -> None:
    repository, _ = published
    helm = HELMS["helm4"]
    objects = render(cluster, helm, NAMESPACE, [])
    prepare(cluster, NAMESPACE, objects)
    installed = run_helm(
        cluster,
        helm,
        "install",
        RELEASE,
        f"{repository}/glance",
        "--version",
        version(),
        "--verify",
        "--keyring",
        str(key.keyring),
        "--plain-http",
        "-n",
        NAMESPACE,
        "--wait",
        "--timeout",
        TIMEOUT,
    )
    assert "STATUS: deployed" in installed.stdout
    # The same objects as the chart in the repository renders.
    assert mismatches(cluster, NAMESPACE, objects) == []
    assert workload_state(cluster, NAMESPACE) == {"glance-default-single": (1, 1, 1)}


@pytest.mark.parametrize("helm_name", sorted(HELMS))
def test_both_helms_pull_and_verify_it_and_refuse_another_key(
    cluster: Cluster, key: SigningKey, published: tuple[str, Path], helm_name: str, tmp_path: Path
) -> None:
    repository, dist = published
    helm = HELMS[helm_name]
    pulled = run_helm(
        cluster, helm, "pull", f"{repository}/glance", "--version", version(), "--plain-http",
        "--verify", "--keyring", str(key.keyring), "-d", str(tmp_path),
    )  # fmt: skip
    assert f"Using Key With Fingerprint: {key.fingerprint}" in pulled.stdout
    name = f"glance-{version()}.tgz"
    assert (tmp_path / name).read_bytes() == (dist / name).read_bytes()
    assert (tmp_path / f"{name}.prov").read_bytes() == (dist / f"{name}.prov").read_bytes()
    (tmp_path / "other").mkdir()
    with signing_key("Someone else") as other:
        refused = run_helm(
            cluster, helm, "pull", f"{repository}/glance", "--version", version(),
            "--plain-http", "--verify", "--keyring", str(other.keyring),
            "-d", str(tmp_path / "other"), check=False,
        )  # fmt: skip
    assert refused.returncode != 0
    assert "signature made by unknown entity" in refused.stderr
