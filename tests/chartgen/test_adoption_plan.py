"""The plan of `chartgen adopt` for what a real glance-operator made (tests/data/operator/real):
the values it installs, what happens to each object, and its refusals. No cluster: the
inventory is read from the recordings, the release rendered by the chart."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartgen import adoption_plan, adoption_steps, inventory, kubecheck, manifests
from chartgen.verdict import Chart, Kubernetes
from tests.conftest import CHART, HELMS, ROOT

REAL = ROOT / "tests" / "data" / "operator" / "real"
GLANCES = {"single": "glance", "split": "images", "edge": "glance", "two": "glance"}
# What the recordings hold beside what the operator made.
DEPENDENCIES = {("Secret", "osp-secret"), ("Service", "openstack")}
NAMESPACES = {"single": "glance-single", "split": "glance-split", "edge": "glance-edge",
              "two": "glance-two"}  # fmt: skip


def recorded(layout: str) -> list[dict[str, Any]]:
    """Every object recorded for a layout: its inventory and dependencies."""
    docs = []
    for name in ("inventory.yaml", "dependencies.yaml"):
        docs += manifests.objects((REAL / layout / name).read_text())
    return docs


def plan_of(
    layout: str,
    tmp_path: Path,
    objects: list[dict[str, Any]] | None = None,
    values: dict[str, Any] | None = None,
    unmount: set[str] | None = None,
) -> adoption_plan.Plan:
    """The plan for a recorded layout (or changed objects of it), with values layered over."""
    inv = inventory.from_objects(objects or recorded(layout), GLANCES[layout])
    extra = []
    if values is not None:
        extra.append(tmp_path / "extra.yaml")
        extra[0].write_text(yaml.safe_dump(values))
    kcheck = kubecheck.find_kcheck(CHART)
    assert kcheck, "bin/kcheck is missing: make kcheck"
    chart = Chart(CHART, str(HELMS["helm4"]))
    return adoption_plan.make(
        inv, GLANCES[layout], NAMESPACES[layout], chart, tmp_path, extra,
        Kubernetes(kcheck, "privileged"), unmount or set(),
    )  # fmt: skip


@pytest.mark.parametrize("layout", ["split", "edge", "two"])
def test_the_values_keep_what_the_operator_used(layout: str, tmp_path: Path) -> None:
    objects = recorded(layout)
    plan = plan_of(layout, tmp_path)
    assert plan.refusals == []
    account = next(o for o in objects if o["kind"] == "MariaDBAccount")
    keystone = next(o for o in objects if o["kind"] == "KeystoneAPI")
    values = plan.values
    assert values["databaseAccount"] == account["spec"]["userName"]
    assert values["database"] == {"secret": "glance-db-secret", "create": False}
    assert values["passwordSelectors"]["database"] == "DatabasePassword"
    assert values["fullnameOverride"] == GLANCES[layout]
    assert values["endpointServicePrefix"] == "glance"
    assert values["keystone"] == {
        "authURL": keystone["status"]["apiEndpoints"]["internal"],
        "publicAuthURL": keystone["status"]["apiEndpoints"]["public"],
        "region": keystone["spec"]["region"],
    }
    # The catalog URLs the release registers are the operator's: nothing to override.
    assert "endpointURL" not in str(values)
    assert "imageCache: {cleanerScheduler: ''" not in str(values)


@pytest.mark.parametrize("layout", ["split", "edge", "two"])
def test_every_object_the_operator_made_has_one_fate(layout: str, tmp_path: Path) -> None:
    objects = recorded(layout)
    plan = plan_of(layout, tmp_path)
    made = {
        (o["kind"], o["metadata"]["name"])
        for o in objects
        if o["kind"] not in ("PersistentVolume", "Memcached", "KeystoneAPI", "Galera")
        and (o["kind"], o["metadata"]["name"]) not in DEPENDENCIES
    }
    fates = [(a.kind, a.name) for a in plan.actions]
    assert sorted(fates) == sorted(made)
    verbs = {(a.kind, a.name): a.verb for a in plan.actions}
    for (kind, name), verb in verbs.items():
        expected = {
            "Service": "adopt",
            "StatefulSet": "replace",
            "PersistentVolumeClaim": "keep",
            "KeystoneService": "hand over",
            "KeystoneEndpoint": "hand over",
            "MariaDBDatabase": "leave",
            "MariaDBAccount": "leave",
            "Job": "delete",
            "ServiceAccount": "delete",
            "Role": "delete",
            "RoleBinding": "delete",
            "GlanceAPI": "remove",
            "Glance": "remove",
        }.get(kind)
        if kind == "Secret":
            expected = "keep" if name == "glance-db-secret" else "delete"
        if kind == "CronJob":
            expected = "adopt" if name == f"{GLANCES[layout]}-db-purge" else "delete"
        assert verb == expected, (kind, name)


def test_each_pod_keeps_its_claims(tmp_path: Path) -> None:
    plan = plan_of("split", tmp_path)
    assert plan.pods == [
        "  images-default-external-api-0: adopted, then restarted with the release's config;"
        " keeps glance-images-default-external-api-0 (images, 10G),"
        " glance-cache-images-default-external-api-0 (image cache, 1G)",
        "  images-default-internal-api-0: adopted, then restarted with the release's config;"
        " keeps glance-images-default-internal-api-0 (images, 10G),"
        " glance-cache-images-default-internal-api-0 (image cache, 1G)",
    ]


def test_a_catalog_url_the_release_would_change_is_kept(tmp_path: Path) -> None:
    objects = copy.deepcopy(recorded("two"))
    endpoint = next(o for o in objects if o["kind"] == "KeystoneEndpoint")
    endpoint["spec"]["endpoints"]["public"] = "https://images.example.com"
    plan = plan_of("two", tmp_path, objects)
    assert plan.refusals == []
    public = plan.values["glanceAPIs"]["api1"]["override"]["service"]["public"]
    assert public == {"endpointURL": "https://images.example.com"}
    assert "internal" not in plan.values["glanceAPIs"]["api1"]["override"]["service"]


def test_two_replicas_on_the_file_backend_are_refused_then_a_dropped_claim(
    tmp_path: Path,
) -> None:
    plan = plan_of("single", tmp_path)
    assert [d.path for d in plan.refusals] == ["glanceAPIs.default.replicas"]
    one = {"glanceAPIs": {"default": {"replicas": 1}}}
    plan = plan_of("single", tmp_path, values=one)
    assert [str(d) for d in plan.refusals] == [
        "glanceAPIs: claim glance-glance-default-single-1 holds the images uploaded through pod"
        " glance-default-single-1, which the release would not run (1 replica(s) of"
        " glance-default-single): copy its images to the claim of a pod that stays, then pass"
        " --unmount glance-glance-default-single-1"
    ]
    plan = plan_of("single", tmp_path, values=one, unmount={"glance-glance-default-single-1"})
    assert plan.refusals == []
    fates = {a.name: a.why for a in plan.actions if a.kind == "PersistentVolumeClaim"}
    assert fates["glance-glance-default-single-1"].startswith("not mounted any more (--unmount)")
    assert fates["glance-cache-glance-default-single-1"].endswith("only an image cache")
    assert plan.pods[-1] == "  glance-default-single-1: ends (1 replica(s) in the release)"


def test_an_image_cache_the_values_turn_off_is_refused(tmp_path: Path) -> None:
    off = {"glanceAPIs": {"default": {"replicas": 1}}, "imageCache": {"size": ""}}
    plan = plan_of("single", tmp_path, values=off, unmount={"glance-glance-default-single-1"})
    assert [str(d) for d in plan.refusals] == [
        "imageCache.size: the pods of glance-default-single mount claims of template"
        " 'glance-cache', which the release's would not (an image cache the values turn off?)"
    ]


def test_a_volume_the_release_would_not_mount_is_refused(tmp_path: Path) -> None:
    objects = copy.deepcopy(recorded("two"))
    statefulset = next(o for o in objects if o["kind"] == "StatefulSet")
    statefulset["spec"]["template"]["spec"]["volumes"].append(
        {"name": "ceph", "projected": {"sources": [{"secret": {"name": "ceph-conf"}}]}}
    )
    plan = plan_of("two", tmp_path, objects)
    assert [str(d) for d in plan.refusals] == [
        "extraMounts: the pods of glance-api1-single mount Secret ceph-conf, which the"
        " release's would not"
    ]


def test_an_api_the_values_rename_is_refused(tmp_path: Path) -> None:
    plan = plan_of("edge", tmp_path, values={"glanceAPIs": {"central": {"type": "single"}}})
    messages = [str(d) for d in plan.refusals]
    assert (
        "glanceAPIs: the release has no StatefulSet glance-central-external-api, whose pods"
        " serve API central: its pods would be left running on their own"
    ) in messages
    assert (
        "glanceAPIs: the release has no Service glance-central-external-api, which the operator"
        " made and clients or the catalog may use"
    ) in messages


NAME = "kubernetes.io/metadata.name"


@pytest.mark.parametrize(
    ("selector", "labels", "selected"),
    [
        (None, {"a": "1"}, True),
        ({"matchLabels": {NAME: "x"}}, {NAME: "x"}, True),
        ({"matchLabels": {NAME: "x"}}, {NAME: "y"}, False),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1"]}]}, {"a": "1"}, True),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {}, False),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {}, True),
    ],
)
def test_a_webhook_counts_where_its_namespace_selector_matches(
    selector: dict[str, Any] | None, labels: dict[str, str], selected: bool
) -> None:
    assert adoption_steps.selects(selector, labels) is selected


def test_the_plan_prints_each_fate_under_its_verb_then_pods_and_values(tmp_path: Path) -> None:
    plan = plan_of("two", tmp_path)
    text = adoption_plan.describe(plan)
    lines = text.splitlines()
    assert lines[0] == "Glance glance of namespace glance-two -> release glance"
    objects = lines[lines.index("Objects:") + 1 : lines.index("Pods:") - 1]
    assert len(objects) == len(plan.actions)
    verbs = [line.split()[0] for line in objects]
    order = [v.split()[0] for v in adoption_plan.VERBS]
    assert verbs == sorted(verbs, key=order.index), "fates not grouped in the plan's order"
    assert "  hand over KeystoneService/glance: keystone-operator lets go" in text
    values = yaml.safe_load(text.split("\n---\n")[1])
    assert values == plan.values
