"""A rotated password reaches the API pods by the documented procedure: change the Secret,
then `helm upgrade` (Helm 4). The password rollout hook (hooks/password_rollout.py)
runs for real (tests/kubernetes/hookrunner.py) with the chart's Role, and the StatefulSet
controller restarts the pods it asks it to.

One test tells the story on one release, in order: install, an upgrade with nothing changed,
a rotation of each password the pods read, then an upgrade after the rotation.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from tests.chart.cases import SHARED_STORE
from tests.conftest import CHART, HELMS
from tests.kubernetes.cluster import Cluster
from tests.kubernetes.hookrunner import runs
from tests.kubernetes.release import (
    PASSWORDS,
    api_pods,
    helm_wait,
    prepare,
    render,
    rotate,
    run_helm,
    values_args,
)

NAMESPACE = "password-rollout"
VALUES: dict[str, Any] = {
    **SHARED_STORE,
    "glanceAPIs": {"default": {"type": "split", "replicas": 2}},
}
STATEFULSETS = ("glance-default-external-api", "glance-default-internal-api")
FINGERPRINT = "glance.openstack.org/passwords-fingerprint"
RESTART = "glance.openstack.org/passwords-changed"


@dataclasses.dataclass(frozen=True)
class Release:
    """The release of VALUES installed by one Helm."""

    cluster: Cluster
    helm: Path
    namespace: str
    args: list[str]

    def upgrade(self) -> None:
        """`helm upgrade --wait` with the same values: returns once the post hooks are done."""
        helm_wait(self.cluster, self.helm, "upgrade", self.namespace, str(CHART), *self.args)

    def pods(self) -> dict[str, tuple[str, bool]]:
        """Every API pod: name -> (UID, ready)."""
        return api_pods(self.cluster, self.namespace)

    def fingerprint(self, configmap: str = "glance-password-fingerprint") -> str:
        """The fingerprint the hook recorded on a ConfigMap (its own, by default)."""
        path = f"/api/v1/namespaces/{self.namespace}/configmaps/{configmap}"
        return (self.cluster.get(path)["metadata"].get("annotations") or {}).get(FINGERPRINT, "")

    def restart_marks(self) -> dict[str, str | None]:
        """The hook's pod template annotation of each API StatefulSet (None: not set)."""
        out = {}
        for name in STATEFULSETS:
            path = f"/apis/apps/v1/namespaces/{self.namespace}/statefulsets/{name}"
            live = self.cluster.get(path)
            annotations = live["spec"]["template"]["metadata"].get("annotations") or {}
            out[name] = annotations.get(RESTART)
        return out

    def rotate(self, key: str, password: str) -> None:
        """Change one key of the user's Secret."""
        rotate(self.cluster, self.namespace, key, password)

    def last_run(self) -> tuple[int, list[str]]:
        """Exit code and log lines (without time stamps) of the hook's last run."""
        pod = f"{self.namespace}/glance-password-rollout"
        ran = [r for r in runs(self.cluster) if r[0].startswith(pod)]
        assert ran, "the password rollout hook did not run"
        _, code, output = ran[-1]
        return code, [line.split(" ", 1)[1] for line in output.splitlines()]


def install(cluster: Cluster, tmp_path: Path) -> Release:
    """The release of VALUES, installed with Helm 4."""
    helm = HELMS["helm4"]
    namespace = NAMESPACE
    args = values_args(tmp_path, [], VALUES)
    prepare(cluster, namespace, render(cluster, helm, namespace, args))
    helm_wait(cluster, helm, "install", namespace, str(CHART), *args)
    return Release(cluster, helm, namespace, args)


def install_records_the_passwords_and_restarts_nothing(release: Release) -> None:
    """The install's hook only records the passwords' fingerprint."""
    assert release.fingerprint().startswith("pbkdf2-sha256$200000$")
    assert PASSWORDS["GlancePassword"] not in release.fingerprint()
    assert release.fingerprint("glance-pod-scripts") == ""
    assert release.restart_marks() == dict.fromkeys(STATEFULSETS)
    assert release.last_run() == (
        0,
        [
            "hook=password_rollout level=info recorded the fingerprint of the passwords the "
            "pods start with",
            "hook=password_rollout level=info done: restarted nothing",
        ],
    )


def an_upgrade_with_the_same_passwords_restarts_nothing(release: Release) -> None:
    """An upgrade with the same passwords restarts nothing."""
    pods, recorded = release.pods(), release.fingerprint()
    release.upgrade()
    assert release.pods() == pods
    assert release.fingerprint() == recorded
    assert release.last_run()[1][0] == (
        "hook=password_rollout level=info unchanged: the pods started with the passwords of the "
        "Secret"
    )


def a_rotated_password_restarts_every_pod_before_the_upgrade_returns(
    release: Release, key: str
) -> None:
    """A rotated key of the Secret, then an upgrade: every pod is new and ready when it ends."""
    pods, recorded, marks = release.pods(), release.fingerprint(), release.restart_marks()
    assert len(pods) == 4 and all(ready for _, ready in pods.values())
    release.rotate(key, f"rotated-{key}-{release.namespace}")
    release.upgrade()
    now = release.pods()
    assert sorted(now) == sorted(pods)
    assert all(ready for _, ready in now.values())
    assert not {uid for uid, _ in now.values()} & {uid for uid, _ in pods.values()}
    assert release.fingerprint() != recorded
    new_marks = release.restart_marks()
    assert all(new_marks.values()) and set(new_marks.values()).isdisjoint(marks.values())
    code, lines = release.last_run()
    assert code == 0
    restarted = ", ".join(STATEFULSETS)
    assert lines[-1] == f"hook=password_rollout level=info done: restarted {restarted}"
    status = run_helm(
        release.cluster, release.helm, "status", "glance", "-n", release.namespace, "-o", "json"
    )
    assert json.loads(status.stdout)["info"]["status"] == "deployed"


def the_next_upgrade_keeps_the_restarted_pods(release: Release) -> None:
    """Helm's own apply leaves the hook's annotation alone, so nothing restarts twice."""
    pods, marks = release.pods(), release.restart_marks()
    release.upgrade()
    assert release.pods() == pods
    assert release.restart_marks() == marks
    assert release.last_run()[1][-1] == "hook=password_rollout level=info done: restarted nothing"


def test_a_rotated_password_reaches_the_pods_by_one_upgrade(
    cluster: Cluster, tmp_path: Path
) -> None:
    release = install(cluster, tmp_path)
    install_records_the_passwords_and_restarts_nothing(release)
    an_upgrade_with_the_same_passwords_restarts_nothing(release)
    for key in ("GlancePassword", "GlanceDatabasePassword"):
        a_rotated_password_restarts_every_pod_before_the_upgrade_returns(release, key)
    the_next_upgrade_keeps_the_restarted_pods(release)
