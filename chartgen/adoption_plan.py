"""The plan of moving a glance-operator deployment to a release: the values to install, what
happens to each object the operator made, what each pod keeps, and why the move is refused
when the release would drop something the deployment uses.

Everything here is computed from an Inventory and the chart's own render: nothing is read from
or written to a cluster (adoption_steps does that).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chartgen import convert, dbaccount, helmvalues, manifests
from chartgen.errors import Diagnostic
from chartgen.inventory import Inventory, claims_of, name_of, ordinal, uid_of
from chartgen.verdict import Chart, Kubernetes

# The prefix the operator gives the endpoint Services, whatever the Glance is called.
OPERATOR_SERVICE_PREFIX = "glance"
# The claim template holding the images of the file backend; the other (glance-cache) holds
# only a cache, which a pod rebuilds.
IMAGES_TEMPLATE = "glance"
CLAIM_USES = {IMAGES_TEMPLATE: "images", "glance-cache": "image cache"}
# What happens to an object, in the order the plan prints them.
VERBS = {
    "stop": "stopped",
    "unregister": "no longer called",
    "adopt": "adopted by the release (the same object)",
    "replace": "replaced by the release's object of the same name",
    "keep": "kept as it is",
    "hand over": "removed without its operator acting on it",
    "leave": "left to its operator",
    "delete": "deleted",
    "remove": "removed last, without deleting what it owned",
}


@dataclass(frozen=True)
class Action:
    """What happens to one object, and why."""

    verb: str
    kind: str
    name: str
    why: str

    def line(self) -> str:
        """The action as the plan prints it."""
        return f"  {self.verb:<9} {self.kind}/{self.name}: {self.why}"


@dataclass
class Plan:
    """The values, the render, and what happens to each object and pod; refusals stop it."""

    inventory: Inventory
    release: str
    namespace: str
    files: list[Path]
    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    refusals: list[Diagnostic] = field(default_factory=list)
    rendered: list[dict[str, Any]] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    pods: list[str] = field(default_factory=list)

    def rendered_named(self, kind: str, name: str) -> dict[str, Any] | None:
        """The object of the release's render of a kind and name."""
        for obj in self.rendered:
            if obj.get("kind") == kind and obj["metadata"]["name"] == name:
                return obj
        return None

    def acted(self, verb: str, kind: str | None = None) -> list[Action]:
        """The actions of a verb (and kind)."""
        return [a for a in self.actions if a.verb == verb and kind in (None, a.kind)]


def spec_values(inv: Inventory, namespace: str, chart: Chart) -> tuple[dict[str, Any], list[str]]:
    """The values of the Glance's spec and of what the operator resolved from other resources
    (Topologies, the MariaDBAccount, the KeystoneAPI); one warning per value set or dropped."""
    glance = inv.glance
    where = f"Glance {name_of(glance)}"
    spec, warnings = convert.adapt(glance.get("spec") or {}, chart.schema)
    topologies = [convert.topology_of(t, f"Topology {name_of(t)}") for t in inv.topologies]
    spec, notes = convert.inline_topologies(spec, topologies, namespace, where)
    warnings += notes
    account = inv.account()
    accounts = [dbaccount.account_of(account, f"MariaDBAccount {name_of(account)}")]
    spec, notes = dbaccount.with_account(spec, accounts if account else [], [], namespace, where)
    warnings += notes
    spec["fullnameOverride"] = name_of(glance)
    warnings.append(
        f"fullnameOverride: {name_of(glance)}: the release names its StatefulSets, claims and"
        " CronJobs as the operator did"
    )
    spec["endpointServicePrefix"] = OPERATOR_SERVICE_PREFIX
    warnings.append(
        f"endpointServicePrefix: {OPERATOR_SERVICE_PREFIX}: the endpoint Services keep the"
        " operator's names"
    )
    if inv.keystone_api is not None:
        keystone = keystone_values(inv.keystone_api)
        spec["keystone"] = {**(spec.get("keystone") or {}), **keystone}
        warnings += [
            f"keystone.{k}: {v}, as KeystoneAPI {name_of(inv.keystone_api)} gave it"
            for k, v in keystone.items()
        ]
    return spec, warnings


def keystone_values(keystone_api: dict[str, Any]) -> dict[str, str]:
    """The Keystone URLs and region the operator read from the KeystoneAPI resource."""
    out = {}
    endpoints = (keystone_api.get("status") or {}).get("apiEndpoints") or {}
    if endpoints.get("internal"):
        out["authURL"] = endpoints["internal"]
    if endpoints.get("public"):
        out["publicAuthURL"] = endpoints["public"]
    region = (keystone_api.get("spec") or {}).get("region")
    if region:
        out["region"] = region
    return out


def catalog_urls(rendered: list[dict[str, Any]]) -> dict[str, str]:
    """The catalog URLs the release's registration hook would register, by interface."""
    names = {"ENDPOINT_PUBLIC_URL": "public", "ENDPOINT_INTERNAL_URL": "internal"}
    for obj in rendered:
        if obj.get("kind") != "Job":
            continue
        for container in obj["spec"]["template"]["spec"].get("containers") or []:
            env = {e["name"]: e.get("value") for e in container.get("env") or []}
            if "ENDPOINT_PUBLIC_URL" in env:
                return {names[k]: v for k, v in env.items() if k in names and v}
    return {}


def catalog_values(inv: Inventory, rendered: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """The URLs of the KeystoneEndpoints that differ from those the release would register:
    {api: {interface: url}}."""
    wanted = catalog_urls(rendered)
    api_names = {uid_of(a): (a["metadata"].get("labels") or {}).get("api-name") for a in inv.apis}
    out: dict[str, dict[str, str]] = {}
    for endpoint in inv.of_kind("KeystoneEndpoint"):
        owners = [o["uid"] for o in endpoint["metadata"].get("ownerReferences") or []]
        api = next((api_names[u] for u in owners if api_names.get(u)), None)
        for interface, url in ((endpoint.get("spec") or {}).get("endpoints") or {}).items():
            if api and wanted.get(interface) != url:
                out.setdefault(api, {})[interface] = url
    return out


def with_catalog(spec: dict[str, Any], urls: dict[str, dict[str, str]]) -> list[str]:
    """Set, in place, each API's endpointURL overrides; one warning each."""
    warnings = []
    for api, by_interface in urls.items():
        settings = spec.setdefault("glanceAPIs", {}).setdefault(api, {})
        services = settings.setdefault("override", {}).setdefault("service", {})
        for interface, url in by_interface.items():
            services.setdefault(interface, {})["endpointURL"] = url
            warnings.append(
                f"glanceAPIs.{api}.override.service.{interface}.endpointURL: {url}, the URL in"
                " the catalog"
            )
    return warnings


def render(plan: Plan, chart: Chart) -> list[dict[str, Any]]:
    """The release's objects for the plan's files (empty when helm refuses them)."""
    out = chart.render(plan.files, plan.namespace, plan.release)
    if out.returncode != 0:
        return []
    return manifests.objects(out.stdout)


def make(
    inv: Inventory,
    release: str,
    namespace: str,
    chart: Chart,
    workdir: Path,
    extra: list[Path],
    kubernetes: Kubernetes | None,
    unmount: set[str],
) -> Plan:
    """The plan for moving the deployment of `inv` to `release` with the chart; the values
    file it installs is written in workdir, the user's files (`extra`) layered over it."""
    converted = workdir / "converted-values.json"
    plan = Plan(inv, release, namespace, [converted, *extra])
    spec, plan.warnings = spec_values(inv, namespace, chart)
    converted.write_text(json.dumps(spec), encoding="utf-8")
    urls = catalog_values(inv, render(plan, chart))
    if urls:
        plan.warnings += with_catalog(spec, urls)
        converted.write_text(json.dumps(spec), encoding="utf-8")
    plan.values = helmvalues.read_with_helm(
        chart.helm, chart.path, tuple(plan.files), defaults=False
    )
    verdict = chart.judge(plan.files, namespace, kubernetes, release=release)
    plan.refusals = list(verdict.problems)
    if verdict.problems:
        return plan
    plan.rendered = manifests.objects(verdict.manifest)
    plan.actions = actions(plan, unmount)
    return plan


def referenced(pod_spec: dict[str, Any]) -> set[tuple[str, str]]:
    """The Secrets, ConfigMaps and claims a pod's volumes name, as (kind, name)."""
    found = set()
    for volume in pod_spec.get("volumes") or []:
        sources = [volume] + list((volume.get("projected") or {}).get("sources") or [])
        for source in sources:
            if (source.get("secret") or {}).get("secretName"):
                found.add(("Secret", source["secret"]["secretName"]))
            if (source.get("secret") or {}).get("name"):
                found.add(("Secret", source["secret"]["name"]))
            if (source.get("configMap") or {}).get("name"):
                found.add(("ConfigMap", source["configMap"]["name"]))
            if (source.get("persistentVolumeClaim") or {}).get("claimName"):
                found.add(("PersistentVolumeClaim", source["persistentVolumeClaim"]["claimName"]))
    return found


def pod_spec(statefulset: dict[str, Any]) -> dict[str, Any]:
    """The pod template spec of a StatefulSet."""
    return statefulset["spec"]["template"]["spec"]


def workload_actions(plan: Plan, unmount: set[str]) -> list[Action]:
    """What happens to the StatefulSets, their claims and pods; refusals for what the
    release would not mount or serve. Fills plan.pods."""
    inv = plan.inventory
    out = []
    made = {(o["kind"], name_of(o)) for o in inv.owned}
    for statefulset in inv.statefulsets:
        name = name_of(statefulset)
        ours = plan.rendered_named("StatefulSet", name)
        if ours is None:
            plan.refusals.append(
                Diagnostic(
                    "error",
                    "glanceAPIs",
                    f"the release has no StatefulSet {name}, whose pods serve API"
                    f" {api_name(inv, statefulset)}: its pods would be left running on their own",
                )
            )
            continue
        out.append(
            Action(
                "replace",
                "StatefulSet",
                name,
                "deleted without its pods, which the"
                " release's StatefulSet of that name adopts, then restarts one by one",
            )
        )
        templates = {name_of(t): t for t in ours["spec"].get("volumeClaimTemplates") or []}
        replicas = int(ours["spec"].get("replicas", 1))
        live_replicas = int(statefulset["spec"].get("replicas", 1))
        for claim in claims_of(statefulset, inv.claims):
            fate = claim_fate(name_of(claim), name, set(templates), replicas, unmount)
            if isinstance(fate, Action):
                out.append(fate)
            else:
                plan.refusals.append(fate)
        live_templates = [name_of(t) for t in statefulset["spec"].get("volumeClaimTemplates") or []]
        for template in live_templates:
            if template not in templates:
                plan.refusals.append(
                    Diagnostic(
                        "error",
                        "imageCache.size" if template != IMAGES_TEMPLATE else "storage",
                        f"the pods of {name} mount claims of template {template!r}, which the"
                        " release's would not (an image cache the values turn off?)",
                    )
                )
        lost = referenced(pod_spec(statefulset)) - made - referenced(pod_spec(ours))
        for kind, ref in sorted(lost):
            plan.refusals.append(
                Diagnostic(
                    "error",
                    "extraMounts",
                    f"the pods of {name} mount {kind} {ref}, which the release's would not",
                )
            )
        plan.pods += pod_lines(name, live_replicas, replicas, list(templates.values()))
    return out


def claim_fate(
    claim: str, statefulset: str, templates: set[str], replicas: int, unmount: set[str]
) -> Action | Diagnostic:
    """What happens to a claim of the operator's StatefulSet, given the release's claim
    templates and replicas of the same StatefulSet; a refusal for images left unmounted."""
    n = ordinal(claim)
    template = claim.removesuffix(f"-{statefulset}-{n}")
    if template in templates and n < replicas:
        return Action(
            "keep", "PersistentVolumeClaim", claim, f"mounted by pod {statefulset}-{n} as before"
        )
    if template != IMAGES_TEMPLATE:
        return Action(
            "keep",
            "PersistentVolumeClaim",
            claim,
            "not mounted any more: it held only an image cache",
        )
    if claim in unmount:
        return Action(
            "keep",
            "PersistentVolumeClaim",
            claim,
            "not mounted any more (--unmount), with the images on it",
        )
    return Diagnostic(
        "error",
        "glanceAPIs",
        f"claim {claim} holds the images uploaded through pod {statefulset}-{n}, which the"
        f" release would not run ({replicas} replica(s) of {statefulset}): copy its images to"
        f" the claim of a pod that stays, then pass --unmount {claim}",
    )


def api_name(inv: Inventory, obj: dict[str, Any]) -> str:
    """The name, in glanceAPIs, of the API of the GlanceAPI owning obj."""
    for api in inv.apis:
        if owned_by(obj, [api]):
            return str((api["metadata"].get("labels") or {}).get("api-name", name_of(api)))
    return "?"


def pod_lines(name: str, live: int, replicas: int, templates: list[dict[str, Any]]) -> list[str]:
    """What each pod of a StatefulSet keeps, gets, or whether it ends."""
    lines = []
    for n in range(max(live, replicas)):
        claims = ", ".join(
            f"{name_of(t)}-{name}-{n} ({CLAIM_USES.get(name_of(t), name_of(t))},"
            f" {t['spec']['resources']['requests']['storage']})"
            for t in templates
        )
        if n >= replicas:
            lines.append(f"  {name}-{n}: ends ({replicas} replica(s) in the release)")
        elif n < live:
            lines.append(
                f"  {name}-{n}: adopted, then restarted with the release's config; keeps {claims}"
            )
        else:
            lines.append(f"  {name}-{n}: new; gets {claims}")
    return lines


def headless(service: dict[str, Any]) -> bool:
    """Whether a Service is headless."""
    return (service.get("spec") or {}).get("clusterIP") == "None"


def owned_by(obj: dict[str, Any], owners: list[dict[str, Any]]) -> bool:
    """Whether one of `owners` owns obj."""
    uids = {uid_of(o) for o in owners}
    return any(r.get("uid") in uids for r in obj["metadata"].get("ownerReferences") or [])


# What happens to the objects of a kind whatever they hold, and why.
FATES: dict[str, tuple[str, str]] = {
    "Job": ("delete", "the release's hooks run instead"),
    "KeystoneEndpoint": (
        "hand over",
        "keystone-operator lets go of its catalog entries, which the release's registration"
        " hook then keeps (the same IDs)",
    ),
    "KeystoneService": (
        "hand over",
        "keystone-operator lets go of the service and its user, which the release's"
        " registration hook then keeps (the same IDs)",
    ),
    "MariaDBDatabase": ("leave", "mariadb-operator keeps the database; the Glance's finalizer"
                        " and owner go"),
    "MariaDBAccount": ("leave", "mariadb-operator keeps the user; the Glance's finalizer and"
                       " owner go"),
    "ServiceAccount": ("delete", "the operator's pods' account, once the release's pods run"),
    "Role": ("delete", "the operator's pods' account, once the release's pods run"),
    "RoleBinding": ("delete", "the operator's pods' account, once the release's pods run"),
    "GlanceAPI": ("remove", "its finalizer cleared"),
}  # fmt: skip


def service_action(plan: Plan, service: dict[str, Any]) -> Action | Diagnostic:
    """What happens to a Service of the operator: adopted by the release's of its name."""
    name = name_of(service)
    ours = plan.rendered_named("Service", name)
    if ours is None:
        return Diagnostic(
            "error",
            "glanceAPIs",
            f"the release has no Service {name}, which the operator made and clients or the"
            " catalog may use",
        )
    if headless(service) != headless(ours):
        return Diagnostic(
            "error",
            "glanceAPIs",
            f"Service {name} is {'' if headless(service) else 'not '}headless and the release's"
            " would not be: Kubernetes cannot change that in place",
        )
    why = "the same object and cluster IP, with the release's ports, labels and selector"
    return Action("adopt", "Service", name, why)


def actions(plan: Plan, unmount: set[str]) -> list[Action]:
    """What happens to every object the operator made."""
    inv = plan.inventory
    out = workload_actions(plan, unmount)
    for service in inv.of_kind("Service"):
        fate = service_action(plan, service)
        if isinstance(fate, Action):
            out.append(fate)
        else:
            plan.refusals.append(fate)
    for cronjob in inv.of_kind("CronJob"):
        name = name_of(cronjob)
        if owned_by(cronjob, [inv.glance]) and plan.rendered_named("CronJob", name):
            out.append(Action("adopt", "CronJob", name, "the release's db purge, of that name"))
        else:
            out.append(Action("delete", "CronJob", name, "the release runs its own"))
    account = inv.account()
    secret = (account.get("spec") or {}).get("secret") if account else None
    for obj in inv.of_kind("Secret"):
        if name_of(obj) == secret:
            why = "the release reads the database password from it; the Glance's owner goes"
            out.append(Action("keep", "Secret", name_of(obj), why))
        else:
            why = "the operator's config, once the release's pods run"
            out.append(Action("delete", "Secret", name_of(obj), why))
    for kind, (verb, why) in FATES.items():
        out += [Action(verb, kind, name_of(obj), why) for obj in inv.of_kind(kind)]
    out.append(Action("remove", "Glance", name_of(inv.glance), "its finalizer cleared"))
    return out


def describe(plan: Plan) -> str:
    """The plan as printed: objects by what happens to them, pods, then the values."""
    inv = plan.inventory
    lines = [
        f"Glance {name_of(inv.glance)} of namespace {plan.namespace} -> release {plan.release}",
        "",
        "Objects:",
    ]
    for verb in VERBS:
        lines += [a.line() for a in plan.actions if a.verb == verb]
    if plan.pods:
        lines += ["", "Pods:", *plan.pods]
    lines += ["", "Values, from the Glance and the resources it names:"]
    lines += [f"  {w}" for w in plan.warnings]
    lines += ["", "---", convert.to_yaml(plan.values).rstrip(), "---"]
    return "\n".join(lines) + "\n"
