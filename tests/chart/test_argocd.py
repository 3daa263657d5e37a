"""How Argo CD syncs the chart, decided by Argo CD's own code.

bin/argocheck (tools/argocheck) runs gitops-engine's hook classification on the output of
`helm template`, which is all Argo CD sees of a chart: pre-install/pre-upgrade hooks become
PreSync, post-install/post-upgrade PostSync, hook weights sync waves, and a hook it cannot map
is left out of the sync altogether.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartgen.manifests import objects as manifest_objects
from tests.chart.cases import EXAMPLES
from tests.chart.rendering import render_text
from tests.conftest import CHART, ROOT, run_helm

ARGOCHECK = ROOT / "bin" / "argocheck"
# Defaults and every example, each rendered by both Helms (Argo CD 3.5 and later run Helm 4).
CASES: list[tuple[str, dict[str, Any] | None, Path | None]] = [("defaults", None, None)] + [
    (f.stem, None, f) for f in EXAMPLES
]
IDS = [c[0] for c in CASES]

SCRIPTS = ("ConfigMap", "glance-hook-scripts")
DB_SYNC = ("Job", "glance-db-sync")
KEYSTONE = ("Job", "glance-keystone")
HELM_TEST = ("Pod", "glance-test-healthcheck")
# The resize hook and its identity: before the sync, the identity first.
RESIZE = ("Job", "glance-resize")
RESIZE_ACCESS = [
    ("ServiceAccount", "glance-resize"),
    ("Role", "glance-resize"),
    ("RoleBinding", "glance-resize"),
]
# The db contract hook and its identity: after the sync, last.
CONTRACT = ("Job", "glance-db-contract")
CONTRACT_ACCESS = [
    ("ServiceAccount", "glance-db-contract"),
    ("Role", "glance-db-contract"),
    ("RoleBinding", "glance-db-contract"),
]
# The password rollout hook and its identity: after the sync and after the registration.
ROLLOUT = ("Job", "glance-password-rollout")
ROLLOUT_ACCESS = [
    ("ServiceAccount", "glance-password-rollout"),
    ("Role", "glance-password-rollout"),
    ("RoleBinding", "glance-password-rollout"),
]


def argocheck(manifest: str) -> list[dict[str, Any]]:
    """Argo CD's classification of every object of a manifest, in order."""
    if not ARGOCHECK.is_file():
        pytest.fail(f"{ARGOCHECK} is missing: run tools/argocheck/build.sh", pytrace=False)
    result = subprocess.run(
        [str(ARGOCHECK)], input=manifest, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def render(
    helm: Path, values: dict[str, Any] | None, file: Path | None
) -> tuple[list[dict], dict[tuple[str, str], dict[str, Any]]]:
    """The objects of one case and their classification by (kind, name)."""
    manifest = render_text(helm, values, *([file] if file else []))
    objects = manifest_objects(manifest)
    results = argocheck(manifest)
    # Nothing is lost between helm and Argo CD: one result per object, in the same order.
    assert [(r["kind"], r["name"]) for r in results] == [
        (o["kind"], o["metadata"]["name"]) for o in objects
    ]
    by_key = {(r["kind"], r["name"]): r for r in results}
    assert len(by_key) == len(results), "two objects of one kind share a name"
    return objects, by_key


@pytest.mark.parametrize(("name", "values", "file"), CASES, ids=IDS)
def test_sync_phases(helm: Path, name: str, values: dict | None, file: Path | None) -> None:
    """Hook scripts and db sync before the sync, Keystone after it, everything else in it."""
    _, results = render(helm, values, file)
    keystone_on = (
        yaml.safe_load(file.read_text()).get("keystone", {}).get("register", True) if file else True
    )

    scripts, db_sync = results[SCRIPTS], results[DB_SYNC]
    for hook in (scripts, db_sync):
        assert hook["hook"] and not hook["ignored"]
        assert hook["phases"] == ["PreSync"]
    # The ConfigMap the db sync Job mounts exists before the Job starts.
    assert scripts["wave"] < db_sync["wave"]

    resize = results[RESIZE]
    assert resize["phases"] == ["PreSync"] and not resize["ignored"]
    for access in RESIZE_ACCESS:
        assert results[access]["phases"] == ["PreSync"]
        assert results[access]["wave"] < resize["wave"] < db_sync["wave"]
    # The Job mounts the hook programs.
    assert scripts["wave"] < resize["wave"]

    rollout = results[ROLLOUT]
    assert rollout["phases"] == ["PostSync"] and not rollout["ignored"]
    for access in ROLLOUT_ACCESS:
        assert results[access]["phases"] == ["PostSync"]
        assert results[access]["wave"] < rollout["wave"]

    contract = results[CONTRACT]
    assert contract["phases"] == ["PostSync"] and not contract["ignored"]
    for access in CONTRACT_ACCESS:
        assert results[access]["phases"] == ["PostSync"]
        assert results[access]["wave"] < contract["wave"]
    # The schema is contracted once the pods restarted for a rotated password are ready.
    assert rollout["wave"] < contract["wave"]

    hooks = {SCRIPTS, DB_SYNC, HELM_TEST, RESIZE, *RESIZE_ACCESS, ROLLOUT, *ROLLOUT_ACCESS}
    hooks |= {CONTRACT, *CONTRACT_ACCESS}
    if keystone_on:
        keystone = results[KEYSTONE]
        assert keystone["hook"] and not keystone["ignored"]
        assert keystone["phases"] == ["PostSync"]
        # Keystone has the new password before the pods restart with it.
        assert keystone["wave"] < rollout["wave"]
        hooks.add(KEYSTONE)

    # `helm test` pods have no Argo CD phase: Argo CD leaves them out of the sync.
    test_pod = results[HELM_TEST]
    assert test_pod["hook"] and test_pod["ignored"] and test_pod["phases"] == []

    assert {k for k, r in results.items() if r["hook"]} == hooks
    for key, result in results.items():
        if key not in hooks:
            assert result["phases"] == ["Sync"], key
            assert not result["ignored"], key
    # Nothing but the test pod is skipped.
    assert [k for k, r in results.items() if r["ignored"]] == [HELM_TEST]


@pytest.mark.parametrize(
    ("preserve", "job_policies"),
    [(False, ["BeforeHookCreation", "HookSucceeded"]), (True, ["BeforeHookCreation"])],
    ids=["default", "preserveJobs"],
)
def test_delete_policies(helm: Path, preserve: bool, job_policies: list[str]) -> None:
    """preserveJobs keeps finished Jobs; the hook scripts are always kept for the PostSync Job."""
    _, results = render(helm, {"preserveJobs": preserve}, None)
    assert results[DB_SYNC]["deletePolicies"] == job_policies
    assert results[KEYSTONE]["deletePolicies"] == job_policies
    # Deleted only when the next sync recreates it: the Keystone Job (PostSync) mounts it.
    assert results[SCRIPTS]["deletePolicies"] == ["BeforeHookCreation"]


def test_example_application_renders(helm: Path, tmp_path: Path) -> None:
    """docs/argocd-application.yaml names files that exist and values the chart accepts."""
    app = yaml.safe_load((ROOT / "docs" / "argocd-application.yaml").read_text())
    source = app["spec"]["source"]
    chart = ROOT / source["path"]
    assert chart.resolve() == CHART.resolve()
    helm_spec = source["helm"]
    # As Argo CD does: valueFiles relative to the chart path, valuesObject last.
    inline = tmp_path / "values-object.yaml"
    inline.write_text(yaml.safe_dump(helm_spec.get("valuesObject", {})))
    args = ["template", helm_spec["releaseName"], str(chart)]
    args += ["--namespace", app["spec"]["destination"]["namespace"]]
    for name in helm_spec.get("valueFiles", []):
        file = (chart / name).resolve()
        assert file.is_file(), name
        assert ROOT.resolve() in file.parents, f"{name} is outside the repository"
        args += ["-f", str(file)]
    args += ["-f", str(inline)]
    if helm_spec.get("skipTests"):
        args.append("--skip-tests")
    result = run_helm(helm, *args)
    assert result.returncode == 0, result.stderr
    results = argocheck(result.stdout)
    assert not any(r["ignored"] for r in results)
    assert {r["namespace"] for r in results} == {"openstack"}
