"""pod.py lays out a rendered pod as the kubelet would (no root, nothing started)."""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.pod import Pod, PodError

SECRETS = {"osp-secret": {"GlancePassword": "p@ss:w/rd?#%' x$y"}}


def workload() -> dict[str, Any]:
    """A StatefulSet with a config Secret, an emptyDir, a claim template and env references."""
    return {
        "kind": "StatefulSet",
        "metadata": {"name": "api", "namespace": "openstack"},
        "spec": {
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
            "template": {
                "spec": {
                    "securityContext": {"runAsUser": 42415, "fsGroup": 42415},
                    "initContainers": [{"name": "init", "command": ["true"]}],
                    "containers": [
                        {
                            "name": "main",
                            "command": ["run", "$(GREETING)", "$$(GREETING)"],
                            "env": [
                                {"name": "WHO", "value": "world"},
                                {"name": "GREETING", "value": "hello $(WHO)"},
                                {
                                    "name": "PASSWORD",
                                    "valueFrom": {
                                        "secretKeyRef": {
                                            "name": "osp-secret",
                                            "key": "GlancePassword",
                                        }
                                    },
                                },
                                {
                                    "name": "POD",
                                    "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                                },
                            ],
                            "volumeMounts": [
                                {"name": "config", "mountPath": "/etc/app", "readOnly": True},
                                {"name": "config", "mountPath": "/etc/x.conf", "subPath": "x.conf"},
                                {"name": "scratch", "mountPath": "/run/app"},
                                {"name": "data", "mountPath": "/var/lib/app"},
                            ],
                        }
                    ],
                    "volumes": [
                        {
                            "name": "config",
                            "secret": {"secretName": "app-config", "defaultMode": 0o440},
                        },
                        {"name": "scratch", "emptyDir": {}},
                    ],
                }
            },
        },
    }


CONFIG = {
    "kind": "Secret",
    "metadata": {"name": "app-config"},
    "data": {"x.conf": base64.b64encode(b"[DEFAULT]\n").decode()},
}


def test_view(tmp_path: Path) -> None:
    """Env with $(VAR) expansion and the user's Secret; mounts; user and groups."""
    pod = Pod(workload(), [CONFIG], SECRETS, tmp_path)
    view = pod.container("main")
    assert view.command == ["run", "hello world", "$(GREETING)"]
    assert view.env["PASSWORD"] == SECRETS["osp-secret"]["GlancePassword"]
    assert view.env["POD"] == "api-0"
    assert (view.uid, view.gid, view.groups) == (42415, 42415, [42415])
    files = view.files
    assert (files["/etc/app"] / "x.conf").read_bytes() == b"[DEFAULT]\n"
    assert files["/etc/x.conf"] == files["/etc/app"] / "x.conf"
    assert view.mount("/etc/app").read_only
    assert stat.S_IMODE((files["/etc/app"] / "x.conf").stat().st_mode) == 0o440
    assert (files["/etc/app"] / "x.conf").stat().st_gid == 42415
    assert files["/var/lib/app"].is_dir()


def test_volumes_are_shared_by_containers(tmp_path: Path) -> None:
    """An emptyDir is the same directory for every container of the pod."""
    pod = Pod(workload(), [CONFIG], SECRETS, tmp_path)
    assert pod.container("main").files["/run/app"] == pod.volume("scratch")
    assert [c["name"] for c in pod.containers(init=True)] == ["init"]


def test_missing_secret(tmp_path: Path) -> None:
    """A Secret neither rendered nor given is an error naming it."""
    pod = Pod(workload(), [], SECRETS, tmp_path)
    with pytest.raises(PodError, match="app-config"):
        pod.container("main")
