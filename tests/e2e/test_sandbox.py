"""sandbox.py holds a container with a read-only root filesystem to it: its writable volumes
take writes, every other path of its root fails with EROFS, as in the pod."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import sandbox
from tests.e2e.pod import Pod

# Tries each path it is given and prints "<path> ok" or "<path> <errno name>".
PROBE = """
import errno, os, sys
for path in sys.argv[1:]:
    try:
        with open(os.path.join(path, "probe"), "w") as out:
            out.write("x")
        print(path, "ok")
    except OSError as exc:
        print(path, errno.errorcode[exc.errno])
"""


def workload(read_only_root: bool, paths: list[str]) -> dict[str, Any]:
    """A Job whose container writes into each path; an emptyDir is at /run/scratch."""
    return {
        "kind": "Job",
        "metadata": {"name": "probe", "namespace": "openstack"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "probe",
                            "command": [sys.executable, "-c", PROBE, *paths],
                            "securityContext": {"readOnlyRootFilesystem": read_only_root},
                            "volumeMounts": [{"name": "scratch", "mountPath": "/run/scratch"}],
                        }
                    ],
                    "volumes": [{"name": "scratch", "emptyDir": {}}],
                }
            }
        },
    }


@pytest.mark.parametrize("read_only_root", [True, False])
def test_only_the_writable_volumes_take_writes(tmp_path: Path, read_only_root: bool) -> None:
    """Read-only: the emptyDir takes a write; the image's /etc and any other folder of this
    machine do not. Writable: the folder does too (the probe runs as root, so /etc is left out
    there)."""
    scratch = tmp_path / "host-folder"
    scratch.mkdir()
    paths = ["/run/scratch", str(scratch), *(["/etc"] if read_only_root else [])]
    pod = Pod(workload(read_only_root, paths), [], {}, tmp_path / "pod")
    view = pod.container("probe")
    assert view.read_only_root is read_only_root
    writable = [m.target for m in view.mounts if not m.read_only]
    spec = sandbox.build_spec(
        tmp_path,
        [(m.target, m.source, m.read_only) for m in view.mounts],
        view.command,
        sandbox.container_env(view.env, hostname=pod.name),
        0,
        0,
        [0],
        writable_only=writable if read_only_root else None,
    )
    result = sandbox.run(spec, tmp_path / "spec.json", timeout=60)
    assert result.returncode == 0, result.stderr
    outcome = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    if read_only_root:
        assert outcome == {"/run/scratch": "ok", str(scratch): "EROFS", "/etc": "EROFS"}
    else:
        assert outcome == {"/run/scratch": "ok", str(scratch): "ok"}
