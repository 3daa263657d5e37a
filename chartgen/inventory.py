"""What a glance-operator deployment is made of, read from the cluster: the Glance resource and
everything the operator made for it, found by ownership and by the operator's naming.

The operator's objects, as a real operator creates them (tests/data/operator/real):
GlanceAPIs owned by the Glance; StatefulSets, their headless and endpoint Services, image-cache
CronJobs, config Secrets and KeystoneEndpoints owned by the GlanceAPIs; the KeystoneService,
MariaDBDatabase, MariaDBAccount, the account's Secret, the db-sync Job, the db-purge CronJob,
config Secrets and the pods' ServiceAccount, Role and RoleBinding owned by the Glance. Claims
and pods belong to the StatefulSets by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from chartgen.kubeapi import Api

# The kinds the operator creates for a Glance, as the API lists them, in the order listed.
OWNED_KINDS = (
    "GlanceAPI",
    "KeystoneService",
    "KeystoneEndpoint",
    "MariaDBDatabase",
    "MariaDBAccount",
    "Secret",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "Service",
    "StatefulSet",
    "Job",
    "CronJob",
)
# What a record keeps of an object: enough to plan again and act by name.
KEPT_METADATA = ("name", "namespace", "uid", "labels", "annotations", "ownerReferences")
KEPT_METADATA += ("finalizers",)


def name_of(obj: dict[str, Any]) -> str:
    """An object's name."""
    return str(obj["metadata"]["name"])


def uid_of(obj: dict[str, Any]) -> str:
    """An object's UID."""
    return str(obj["metadata"].get("uid", ""))


def owner_uids(obj: dict[str, Any]) -> set[str]:
    """The UIDs of an object's owners."""
    return {o.get("uid", "") for o in obj["metadata"].get("ownerReferences") or []}


def slim(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as a record keeps it: its spec and identity; no Secret data, no status but a
    KeystoneAPI's endpoints and a KeystoneService's ID."""
    metadata = {k: v for k, v in obj["metadata"].items() if k in KEPT_METADATA}
    out: dict[str, Any] = {"apiVersion": obj.get("apiVersion"), "kind": obj["kind"]}
    out["metadata"] = metadata
    if obj["kind"] == "Secret":
        out["keys"] = sorted(set(obj.get("data") or {}) | set(obj.get("stringData") or {}))
    elif "spec" in obj:
        out["spec"] = obj["spec"]
    if obj["kind"] == "KeystoneAPI":
        out["status"] = {"apiEndpoints": (obj.get("status") or {}).get("apiEndpoints") or {}}
    return out


@dataclass
class Inventory:
    """A Glance and what the operator made for it, as read at one moment."""

    glance: dict[str, Any]
    owned: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    keystone_api: dict[str, Any] | None = None
    topologies: list[dict[str, Any]] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """The owned objects of a kind, sorted by name."""
        return sorted((o for o in self.owned if o["kind"] == kind), key=name_of)

    @property
    def apis(self) -> list[dict[str, Any]]:
        """The GlanceAPI resources."""
        return self.of_kind("GlanceAPI")

    @property
    def statefulsets(self) -> list[dict[str, Any]]:
        """The operator's StatefulSets."""
        return self.of_kind("StatefulSet")

    def account(self) -> dict[str, Any] | None:
        """The MariaDBAccount the Glance names."""
        name = self.glance.get("spec", {}).get("databaseAccount") or "glance"
        found = [a for a in self.of_kind("MariaDBAccount") if name_of(a) == name]
        return found[0] if found else None

    def to_record(self) -> dict[str, Any]:
        """The inventory as a record keeps it (see slim)."""
        return {
            "glance": slim(self.glance),
            "owned": [slim(o) for o in self.owned],
            "claims": [slim(c) for c in self.claims],
            "keystoneAPI": slim(self.keystone_api) if self.keystone_api else None,
            "topologies": [slim(t) for t in self.topologies],
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Inventory:
        """The inventory a record kept."""
        return cls(
            record["glance"],
            record["owned"],
            record["claims"],
            record.get("keystoneAPI"),
            record.get("topologies") or [],
        )


def claims_of(statefulset: dict[str, Any], claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The claims of a StatefulSet's claim templates, `<template>-<statefulset>-<ordinal>`."""
    templates = [name_of(t) for t in statefulset["spec"].get("volumeClaimTemplates") or []]
    own = re.compile(
        rf"^({'|'.join(map(re.escape, templates))})-{re.escape(name_of(statefulset))}-\d+$"
    )
    return sorted((c for c in claims if templates and own.match(name_of(c))), key=name_of)


def ordinal(name: str) -> int:
    """The ordinal ending a pod's or a claim's name."""
    return int(name.rsplit("-", 1)[1])


def read(api: Api, namespace: str, name: str) -> Inventory | None:
    """What the operator made for the Glance `name`; None when there is no such Glance."""
    glance = api.get("Glance", name, namespace)
    if glance is None:
        return None
    glance.setdefault("kind", "Glance")
    kinds = OWNED_KINDS + ("PersistentVolumeClaim", "KeystoneAPI", "Topology")
    return from_objects([glance] + [o for k in kinds for o in api.list(k, namespace)], name)


def from_objects(objects: list[dict[str, Any]], name: str) -> Inventory:
    """The inventory of the Glance `name` among the objects of its namespace."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    glances = [g for g in by_kind.get("Glance", []) if name_of(g) == name]
    if not glances:
        raise LookupError(f"no Glance {name!r} among the objects")
    glance = glances[0]
    owners = {uid_of(glance)}
    apis = [a for a in by_kind.get("GlanceAPI", []) if owner_uids(a) & owners]
    owners |= {uid_of(a) for a in apis}
    owned = [o for kind in OWNED_KINDS for o in by_kind.get(kind, []) if owner_uids(o) & owners]
    claims = by_kind.get("PersistentVolumeClaim", [])
    statefulsets = [o for o in owned if o["kind"] == "StatefulSet"]
    refs = [glance.get("spec", {}).get("topologyRef")]
    refs += [(a.get("spec") or {}).get("topologyRef") for a in apis]
    wanted = {r["name"] for r in refs if isinstance(r, dict) and r.get("name")}
    keystone_apis = by_kind.get("KeystoneAPI", [])
    return Inventory(
        glance,
        owned,
        [c for s in statefulsets for c in claims_of(s, claims)],
        keystone_apis[0] if len(keystone_apis) == 1 else None,
        [t for t in by_kind.get("Topology", []) if name_of(t) in wanted],
    )
