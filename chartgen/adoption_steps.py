"""Carrying out an adoption plan on the cluster, one step after the other.

Every step reads the live objects first and does only what is left, so a run stopped anywhere
runs again from the start and finishes the work. The inventory the plan was made from is kept
in a ConfigMap (the record) from the first change on, since the steps remove what it was read
from; the last step deletes it.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chartgen.adoption_plan import Action, Plan
from chartgen.errors import ChartgenError
from chartgen.inventory import Inventory, name_of, uid_of
from chartgen.kubeapi import Api, ApiError

RECORD_KEY = "inventory.json"
GLANCE_GROUP = "glance.openstack.org"
OPERATOR_DEPLOYMENT = "glance-operator-controller-manager"
# The finalizer the glance-operator puts on the Glance, GlanceAPIs and what they own.
GLANCE_FINALIZERS = ("openstack.org/glance", "openstack.org/glanceapi")
# keystone-operator's finalizers: its own on each resource, and on the KeystoneAPI one per
# resource, `<finalizer>-<resource name>`.
KEYSTONE_FINALIZERS = {
    "KeystoneService": "openstack.org/keystoneservice",
    "KeystoneEndpoint": "openstack.org/keystoneendpoint",
}
# How often a write that lost a race with another controller is tried again.
ATTEMPTS = 20


class StepFailed(ChartgenError):
    """A step could not finish: what stopped it."""


def record_name(release: str) -> str:
    """The ConfigMap keeping an adoption's inventory."""
    return f"{release}-adoption"


def read_record(api: Api, namespace: str, release: str) -> Inventory | None:
    """The inventory an adoption under way kept, or None."""
    configmap = api.get("ConfigMap", record_name(release), namespace)
    if configmap is None:
        return None
    return Inventory.from_record(json.loads(configmap["data"][RECORD_KEY]))


def find_operator(api: Api, given: str | None) -> dict[str, Any] | None:
    """The operator's Deployment: `namespace/name` when given, else the one Deployment named
    like the operator's in any namespace (None when there is none)."""
    if given:
        namespace, _, name = given.rpartition("/")
        found = api.get("Deployment", name, namespace or "default")
        if found is None:
            raise StepFailed(f"--operator {given}: no such Deployment")
        return found
    try:
        found_all = [d for d in api.list("Deployment") if name_of(d) == OPERATOR_DEPLOYMENT]
    except ApiError as error:
        raise StepFailed(
            f"cannot list the Deployments of the cluster to find the glance-operator ({error}):"
            " name it with --operator NAMESPACE/NAME"
        ) from None
    if len(found_all) > 1:
        names = ", ".join(f"{d['metadata']['namespace']}/{name_of(d)}" for d in found_all)
        raise StepFailed(f"several glance-operator Deployments ({names}): pick one with --operator")
    return found_all[0] if found_all else None


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels, matchExpressions) matches the labels."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for rule in selector.get("matchExpressions") or []:
        key, operator, values = rule["key"], rule["operator"], rule.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def glance_webhooks(api: Api, namespace: str) -> list[tuple[str, str, str]]:
    """The admission webhooks on Glance resources that apply to the namespace, as
    (kind, configuration, webhook)."""
    ns = api.get("Namespace", namespace) or {"metadata": {}}
    labels = ns["metadata"].get("labels") or {}
    found = []
    for kind in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"):
        for config in api.list(kind):
            for hook in config.get("webhooks") or []:
                groups = {g for r in hook.get("rules") or [] for g in r.get("apiGroups") or []}
                if GLANCE_GROUP in groups and selects(hook.get("namespaceSelector"), labels):
                    found.append((kind, name_of(config), hook["name"]))
    return found


def without(items: list[str] | None, drop: Callable[[str], bool]) -> list[str]:
    """The items that `drop` does not pick."""
    return [i for i in items or [] if not drop(i)]


@dataclass
class Steps:
    """The steps of an adoption, against the API, with helm for the install."""

    api: Api
    plan: Plan
    helm: list[str]
    install_command: list[str]
    operator: dict[str, Any] | None
    webhooks: list[tuple[str, str, str]]
    timeout: int
    echo: Callable[[str], None]

    @property
    def namespace(self) -> str:
        """The namespace of the Glance and the release."""
        return self.plan.namespace

    @property
    def owners(self) -> set[str]:
        """The UIDs of the Glance and its GlanceAPIs."""
        inv = self.plan.inventory
        return {uid_of(inv.glance)} | {uid_of(a) for a in inv.apis}

    def run(self) -> None:
        """Every step, in order."""
        for step in (
            self.keep_record,
            self.stop_operator,
            self.unregister_webhooks,
            self.hand_over_catalog,
            self.release_database,
            self.detach,
            self.delete_operator_jobs,
            self.move_pods,
            self.install,
            self.wait_rollout,
            self.delete_operator_config,
            self.remove_glance,
            self.drop_record,
        ):
            step()

    def wait(self, what: str, done: Callable[[], bool]) -> None:
        """Wait until `done`, at most the timeout."""
        deadline = time.monotonic() + self.timeout
        while not done():
            if time.monotonic() > deadline:
                raise StepFailed(f"gave up after {self.timeout} s waiting for {what}")
            time.sleep(1)

    def retry(self, what: str, attempt: Callable[[], bool]) -> None:
        """Run `attempt` until it succeeds (True), trying again when it lost a race (409)."""
        for _ in range(ATTEMPTS):
            try:
                if attempt():
                    return
            except ApiError as error:
                if error.status != 409:
                    raise
        raise StepFailed(f"{what}: another controller kept changing it ({ATTEMPTS} tries)")

    def keep_record(self) -> None:
        """Keep the inventory in the record ConfigMap before the first change."""
        name = record_name(self.plan.release)
        if self.api.get("ConfigMap", name, self.namespace) is not None:
            return
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": name,
                "labels": {"app.kubernetes.io/managed-by": "chartgen-adopt"},
            },
            "data": {RECORD_KEY: json.dumps(self.plan.inventory.to_record(), sort_keys=True)},
        }
        self.api.request("POST", self.api.path("ConfigMap", self.namespace), body)
        self.echo(f"kept the inventory in ConfigMap {name} until the adoption ends")

    def stop_operator(self) -> None:
        """Scale the operator to 0 and wait for its pods to go; stop if something scales it
        back up."""
        deployment = self.operator
        if deployment is None:
            return
        ns, name = deployment["metadata"]["namespace"], name_of(deployment)
        live = self.api.get("Deployment", name, ns)
        if live is None:
            return
        if live["spec"].get("replicas", 1) != 0:
            self.api.patch("Deployment", name, ns, {"spec": {"replicas": 0}})
            self.echo(f"scaled Deployment {ns}/{name} to 0: the operator stops")

        def stopped() -> bool:
            now = self.api.get("Deployment", name, ns) or {"spec": {}, "status": {}}
            if now["spec"].get("replicas", 0) != 0:
                owners = ", ".join(
                    f"{o['kind']} {o['name']}" for o in now["metadata"].get("ownerReferences") or []
                )
                by = owners or "another controller"
                raise StepFailed(
                    f"Deployment {ns}/{name} was scaled back up by {by}:"
                    " stop that first (with openstack-operator, set operatorOverrides"
                    " [{name: glance, replicas: 0}] on its OpenStack resource)"
                )
            return not (now.get("status") or {}).get("replicas")

        self.wait(f"the pods of Deployment {ns}/{name} to end", stopped)

    def unregister_webhooks(self) -> None:
        """Remove the operator's webhooks on Glance resources, which refuse every change while
        the operator does not answer them."""
        for kind, config_name, hook in self.webhooks:
            config = self.api.get(kind, config_name)
            if config is None:
                continue
            names = [h["name"] for h in config.get("webhooks") or []]
            if hook not in names:
                continue
            if len(names) == 1:
                self.api.delete(kind, config_name, None)
            else:
                index = names.index(hook)
                patch = [
                    {"op": "test", "path": f"/webhooks/{index}/name", "value": hook},
                    {"op": "remove", "path": f"/webhooks/{index}"},
                ]
                self.api.patch(kind, config_name, None, patch, patch="json")
            self.echo(f"removed webhook {hook} of {kind} {config_name}")

    def hand_over_catalog(self) -> None:
        """Remove the KeystoneEndpoints, then the KeystoneService, so that keystone-operator
        never acts on their deletion: each is deleted only in the version with no finalizer,
        which the API server removes at once. keystone-operator then finds nothing to clean
        up, and the catalog entries stay for the release's registration hook."""
        inv = self.plan.inventory
        gone: list[str] = []
        for kind in ("KeystoneEndpoint", "KeystoneService"):
            for obj in inv.of_kind(kind):
                name = name_of(obj)

                def attempt(kind: str = kind, name: str = name) -> bool:
                    live = self.api.get(kind, name, self.namespace)
                    if live is None:
                        return True
                    cleared = self.api.patch(
                        kind,
                        name,
                        self.namespace,
                        {"metadata": {"finalizers": None, "ownerReferences": None}},
                    )
                    version = cleared["metadata"]["resourceVersion"]
                    self.api.delete(kind, name, self.namespace, "Background", version)
                    self.echo(f"handed over {kind} {name}: removed, its catalog entries kept")
                    return True

                self.retry(f"{kind} {name}", attempt)
                gone.append(f"{KEYSTONE_FINALIZERS[kind]}-{name}")
        keystone_api = inv.keystone_api
        if keystone_api is not None:
            self.drop_finalizers("KeystoneAPI", name_of(keystone_api), gone.__contains__)

    def drop_finalizers(
        self, kind: str, name: str, drop: Callable[[str], bool], owners: bool = False
    ) -> None:
        """Remove the finalizers `drop` picks (and, with owners, the references to the Glance
        and its GlanceAPIs) from a live object, only in the version read."""

        def attempt() -> bool:
            live = self.api.get(kind, name, self.namespace)
            if live is None:
                return True
            meta = live["metadata"]
            finalizers = without(meta.get("finalizers"), drop)
            refs = meta.get("ownerReferences") or []
            kept_refs = [r for r in refs if not (owners and r.get("uid") in self.owners)]
            if finalizers == (meta.get("finalizers") or []) and kept_refs == refs:
                return True
            change = {
                "resourceVersion": meta["resourceVersion"],
                "finalizers": finalizers,
                "ownerReferences": kept_refs,
            }
            self.api.patch(kind, name, self.namespace, {"metadata": change})
            self.echo(f"let go of {kind} {name}: the operator's finalizer and owner removed")
            return True

        self.retry(f"{kind} {name}", attempt)

    def release_database(self) -> None:
        """Leave the database and account to mariadb-operator, and the account's Secret to
        the release: without the Glance's finalizer and owner."""
        for action in self.plan.acted("leave") + self.plan.acted("keep", "Secret"):
            self.drop_finalizers(
                action.kind, action.name, GLANCE_FINALIZERS.__contains__, owners=True
            )

    def detach(self) -> None:
        """Free what the release adopts of its owners, which would take it with them."""
        for action in self.plan.acted("adopt"):
            self.drop_finalizers(action.kind, action.name, lambda _: False, owners=True)

    def delete_operator_jobs(self) -> None:
        """Delete the operator's CronJobs and Jobs that the release replaces."""
        for action in self.plan.acted("delete", "CronJob") + self.plan.acted("delete", "Job"):
            if self.api.delete(action.kind, action.name, self.namespace):
                self.echo(f"deleted {action.kind} {action.name}: {action.why}")

    def move_pods(self) -> None:
        """Label the operator's pods for the release's StatefulSets, then delete the operator's
        StatefulSets without their pods."""
        for action in self.plan.acted("replace", "StatefulSet"):
            name = action.name
            ours = self.plan.rendered_named("StatefulSet", name) or {}
            labels = ours["spec"]["selector"]["matchLabels"]
            live = self.api.get("StatefulSet", name, self.namespace)
            if (
                live is not None
                and (live["metadata"].get("labels") or {}).get("app.kubernetes.io/managed-by")
                == "Helm"
            ):
                continue  # already the release's
            for pod in self.api.list("Pod", self.namespace):
                pod_name = name_of(pod)
                if not pod_name.startswith(f"{name}-") or not pod_name[len(name) + 1 :].isdigit():
                    continue
                if labels.items() <= (pod["metadata"].get("labels") or {}).items():
                    continue
                self.api.patch("Pod", pod_name, self.namespace, {"metadata": {"labels": labels}})
                self.echo(f"labelled pod {pod_name} for the release's StatefulSet {name}")
            if live is not None:
                self.api.delete("StatefulSet", name, self.namespace, "Orphan")
                self.wait(
                    f"StatefulSet {name} to go",
                    lambda name=name: self.api.get("StatefulSet", name, self.namespace) is None,
                )
                self.echo(f"deleted StatefulSet {name}, its pods left running")

    def release_status(self) -> str | None:
        """The status helm gives the release, None when there is none."""
        out = subprocess.run(
            [*self.helm, "status", self.plan.release, "-n", self.namespace, "-o", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            return None
        return str((json.loads(out.stdout).get("info") or {}).get("status"))

    def install(self) -> None:
        """Install the release over the objects it adopts; once it is deployed, leave it."""
        status = self.release_status()
        if status == "deployed":
            return
        if status == "pending-install":
            # An install cut off: helm refuses to go on while its record says it is under
            # way; the record goes, what it made stays for the new install to take over.
            selector = f"owner=helm,name={self.plan.release},status=pending-install"
            for secret in self.api.list("Secret", self.namespace, selector):
                self.api.delete("Secret", name_of(secret), self.namespace)
            self.echo(f"dropped the record of the install of {self.plan.release} cut off")
        self.echo("installing: " + " ".join(self.install_command))
        result = subprocess.run(self.install_command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise StepFailed(f"helm failed: {result.stderr.strip()}")
        self.echo(f"release {self.plan.release} deployed")

    def wait_rollout(self) -> None:
        """Wait until every StatefulSet of the release runs its own pods, all ready."""
        for action in self.plan.acted("replace", "StatefulSet"):

            def rolled(name: str = action.name) -> bool:
                live = self.api.get("StatefulSet", name, self.namespace)
                if live is None:
                    return False
                status, want = live.get("status") or {}, live["spec"].get("replicas", 1)
                return (
                    status.get("observedGeneration") == live["metadata"]["generation"]
                    and status.get("updateRevision") == status.get("currentRevision")
                    and status.get("updatedReplicas", 0) == want
                    and status.get("readyReplicas", 0) == want
                )

            self.wait(f"the release's StatefulSet {action.name} to run its own pods", rolled)

    def delete_operator_config(self) -> None:
        """Delete the operator's config Secrets and its pods' account, now unused."""
        for kind in ("Secret", "ServiceAccount", "Role", "RoleBinding"):
            for action in self.plan.acted("delete", kind):
                if self.api.delete(kind, action.name, self.namespace):
                    self.echo(f"deleted {kind} {action.name}: {action.why}")

    def remove_glance(self) -> None:
        """Remove the GlanceAPIs, then the Glance: the operator's finalizers cleared (not the
        API server's own, which orphans what they still own), dependents orphaned."""
        for action in self.plan.acted("remove", "GlanceAPI") + self.plan.acted("remove", "Glance"):
            self.drop_finalizers(action.kind, action.name, GLANCE_FINALIZERS.__contains__)
            if self.api.delete(action.kind, action.name, self.namespace, "Orphan"):
                self.echo(f"removed {action.kind} {action.name}")
            self.wait(
                f"{action.kind} {action.name} to go",
                lambda a=action: self.api.get(a.kind, a.name, self.namespace) is None,
            )

    def drop_record(self) -> None:
        """Delete the record: the adoption is over."""
        if self.api.delete("ConfigMap", record_name(self.plan.release), self.namespace):
            self.echo(f"adoption of Glance {name_of(self.plan.inventory.glance)} done")


def operator_action(deployment: dict[str, Any]) -> Action:
    """The plan's line for the operator's Deployment."""
    ns, name = deployment["metadata"]["namespace"], name_of(deployment)
    replicas = deployment["spec"].get("replicas", 1)
    return Action(
        "stop",
        "Deployment",
        f"{ns}/{name}",
        f"scaled from {replicas} to 0: it stops reconciling every Glance it serves",
    )
