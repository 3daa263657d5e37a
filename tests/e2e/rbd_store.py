"""The Ceph side of the RBD scenarios: the user's Secrets, made by the README's commands, and
what a site's cluster holds of an image, read and cloned the way Nova and Cinder do."""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.services.ceph import CephCluster

README = ROOT / "README.md"
SNAPSHOT = "snap"
# The capabilities the Ceph documentation gives Nova's and Cinder's user: their own pool, and
# read-only access to Glance's, where the images they clone live.
CLONER = "nova"
READ_ONLY_IMAGES = "profile rbd pool=vms, profile rbd-read-only pool=images"
CLONER_CAPS = ["mon", "profile rbd", "osd", READ_ONLY_IMAGES]


def documented_commands(heading: str) -> list[str]:
    """The commands (`$ ` lines) of the console block under a README heading that creates a
    Secret."""
    after = README.read_text().split(f"\n{heading}\n", 1)[1]
    section = re.split(r"\n#+ ", after, maxsplit=1)[0]
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        if "create secret generic" in block:
            return [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    raise AssertionError(f"no console block that creates a Secret under {heading!r}")


def user_secret(
    cluster: CephCluster, commands: list[str], workdir: Path
) -> tuple[str, dict[str, str]]:
    """Run the commands in workdir as the cluster's admin, with `kubectl` recording its
    arguments instead of sending them: the name and keys of the Secret it would create
    (`--from-file`: each file under its own name)."""
    workdir.mkdir(parents=True, exist_ok=True)
    script = "\n".join(['kubectl() { printf "%s\\0" "$@" > kubectl.args; }', *commands])
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=workdir, env=cluster.env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"{script}\n{result.stderr}"
    args = (workdir / "kubectl.args").read_text().split("\0")[:-1]
    assert args[:5] == ["-n", "openstack", "create", "secret", "generic"], args
    files = [arg.removeprefix("--from-file=") for arg in args if arg.startswith("--from-file=")]
    return args[5], {Path(name).name: (workdir / name).read_text() for name in files}


@contextlib.contextmanager
def pool(cluster: CephCluster, name: str = "images", user: str = "admin") -> Iterator[Any]:
    """An I/O context on a pool, as client.<user> (whose keyring is in the cluster's folder)."""
    import rados

    client = rados.Rados(conffile=str(cluster.conf), rados_id=user)
    client.conf_set("log_file", "")
    client.connect(timeout=30)
    try:
        with client.open_ioctx(name) as ioctx:
            yield ioctx
    finally:
        client.shutdown()


def images(cluster: CephCluster) -> set[str]:
    """The rbd images of the pool images."""
    import rbd

    with pool(cluster) as ioctx:
        return set(rbd.RBD().list(ioctx))


def snapshots(cluster: CephCluster, image: str) -> dict[str, bool]:
    """The snapshots of an rbd image of the pool images: name -> protected."""
    import rbd

    with pool(cluster) as ioctx, rbd.Image(ioctx, image, read_only=True) as opened:
        names = [snap["name"] for snap in opened.list_snaps()]
        return {name: opened.is_protected_snap(name) for name in names}


def image_size(cluster: CephCluster, image: str) -> int:
    """The size in bytes of an rbd image of the pool images."""
    import rbd

    with pool(cluster) as ioctx, rbd.Image(ioctx, image, read_only=True) as opened:
        return int(opened.size())


def cloner(cluster: CephCluster) -> str:
    """Nova's user on a cluster (made once): its name."""
    keyring = cluster.workdir / f"client.{CLONER}.keyring"
    if not keyring.exists():
        entity = f"client.{CLONER}"
        keyring.write_text(
            cluster.command({"prefix": "auth get-or-create", "entity": entity, "caps": CLONER_CAPS})
        )
    return CLONER


def clone(cluster: CephCluster, image: str, name: str) -> bytes:
    """What Nova does to boot from an image: a copy-on-write clone of images/<image>@snap as
    vms/<name>, made as Nova's user; the clone's data."""
    import rbd

    user = cloner(cluster)
    with pool(cluster, "images", user) as images_, pool(cluster, "vms", user) as vms:
        rbd.RBD().clone(images_, image, SNAPSHOT, vms, name, features=rbd.RBD_FEATURE_LAYERING)
        with rbd.Image(vms, name, read_only=True) as opened:
            parent = opened.get_parent_image_spec()
            data = opened.read(0, opened.size())
    assert (parent["pool_name"], parent["image_name"], parent["snap_name"]) == (
        "images", image, SNAPSHOT,
    )  # fmt: skip
    return bytes(data)


def store_snapshot(cluster: CephCluster, image: str, data: bytes) -> None:
    """What Nova's rbd driver leaves for the snapshot of a server: an rbd image named by the
    image's id in the pool images, holding the data, with the protected snapshot clones use."""
    import rbd

    with pool(cluster) as ioctx:
        rbd.RBD().create(ioctx, image, len(data), features=rbd.RBD_FEATURE_LAYERING)
        with rbd.Image(ioctx, image) as opened:
            opened.write(data, 0)
            opened.create_snap(SNAPSHOT)
            opened.protect_snap(SNAPSHOT)


def location(cluster: CephCluster, image: str) -> str:
    """The location Glance gives an image it stored in a cluster's pool images."""
    return f"rbd://{cluster.fsid}/images/{image}/{SNAPSHOT}"
