"""Prepare the API StatefulSets for a change of their volume claim templates.

Kubernetes refuses any change of a StatefulSet's volumeClaimTemplates, so an upgrade that
resizes storage would fail half-applied. Before the upgrade (and a rollback) this hook compares
each running StatefulSet with the claims the new release wants: a larger size expands the
existing claims in place (the StorageClass must allow expansion); any change of the templates
then deletes the StatefulSet object without deleting its pods (orphan), so the upgrade creates
it again with the new templates and adopts the same pods and claims. A smaller size (a
rollback of a larger one) changes the template only: claims keep their size. Another
StorageClass, or a new claim template while pods run, is refused before anything changes,
with the procedure. A StatefulSet that does not exist yet, or already matches, is left alone.

Environment:
  STATEFULSETS     JSON list of {name, api, replicas, claims: {template: {size,
                   storageClass, value}}}: the StatefulSets of the release, their replicas and
                   the claims they should have; `value` names the chart value that sets the
                   size. Claims of ordinals from `replicas` on belong to no pod and are left
  NAMESPACE        namespace of the release (required)
  KUBE_API, KUBE_TOKEN_FILE, KUBE_CA_FILE  how to reach the API server (see kubeclient.py)
  WAIT_SECONDS     how long to wait for a deleted StatefulSet to be gone (default 60)

Exit codes: 0 done or nothing to do, 1 failure, 2 bad configuration. Python 3.9, standard
library only.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Optional

import hooklib
from kubeclient import MERGE_PATCH, Access, Kubernetes

HOOK = "statefulset_resize"
# Kubernetes' quantity grammar, as the chart's schema holds sizes to it (chartgen/kubernetes.py,
# QUANTITY; a test keeps the two the same): a sign, a number, then a decimal suffix, a binary
# one or a decimal exponent.
QUANTITY = re.compile(
    r"^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]{1,18})?$"
)
DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
CAP = Fraction(2**63)


def quantity_bytes(text: str) -> Fraction:
    """The amount of a Kubernetes quantity such as 10G, 1.5Gi, 500M or 1e9, exactly while it is
    within 2^63 (as Kubernetes caps binary amounts; beyond, it counts as 2^63)."""
    match = QUANTITY.match(text)
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    sign, number, suffix = match.group(1), match.group(2), match.group(3) or ""
    amount = Fraction(number)
    if suffix in BINARY:
        amount *= 2 ** BINARY[suffix]
    else:
        exponent = DECIMAL[suffix] if suffix in DECIMAL else int(suffix[1:])
        # An exponent may have 18 digits: whether the amount passes 2^63 shows in its digits
        # alone, and far below a byte only that it is above 0 matters.
        order = len(str(amount.numerator)) - len(str(amount.denominator)) + exponent
        if order > 20:
            amount = CAP
        else:
            amount *= Fraction(10) ** max(exponent, -len(number) - 40)
    amount = min(amount, CAP)
    return -amount if sign == "-" else amount


@dataclasses.dataclass(frozen=True)
class Claim:
    """A volume claim template the release wants."""

    size: str
    storage_class: str
    value: str


@dataclasses.dataclass(frozen=True)
class Wanted:
    """A StatefulSet of the release and its claim templates."""

    name: str
    api: str
    replicas: int
    claims: Mapping[str, Claim]


@dataclasses.dataclass(frozen=True)
class Config:
    """Settings read from the environment."""

    namespace: str
    statefulsets: tuple[Wanted, ...]
    access: Access
    wait_seconds: int = 60

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read and check the settings; raise ConfigError naming the variable at fault."""
        env = hooklib.Env(environ)
        try:
            items = json.loads(env.text("STATEFULSETS", "[]"))
            wanted = tuple(
                Wanted(
                    name=item["name"],
                    api=item["api"],
                    replicas=int(item["replicas"]),
                    claims={
                        template: Claim(
                            size=str(claim["size"]),
                            storage_class=claim.get("storageClass") or "",
                            value=claim["value"],
                        )
                        for template, claim in item["claims"].items()
                    },
                )
                for item in items
            )
            for item in wanted:
                for claim in item.claims.values():
                    quantity_bytes(claim.size)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise hooklib.ConfigError(
                f"STATEFULSETS is not a list of StatefulSets: {exc}"
            ) from None
        return cls(
            namespace=env.text("NAMESPACE", required=True),
            statefulsets=wanted,
            access=Access.from_env(environ),
            wait_seconds=env.integer("WAIT_SECONDS", 60, maximum=3600),
        )


def template_claims(statefulset: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """The claim templates of a live StatefulSet: name -> (size, storage class)."""
    out = {}
    for template in statefulset.get("spec", {}).get("volumeClaimTemplates") or []:
        spec = template.get("spec", {})
        size = spec.get("resources", {}).get("requests", {}).get("storage", "0")
        out[template["metadata"]["name"]] = (size, spec.get("storageClassName") or "")
    return out


def plan(wanted: Wanted, live: Mapping[str, tuple[str, str]]) -> tuple[dict[str, str], bool]:
    """The claims to expand (template -> new size) and whether the templates differ at all.

    A smaller size changes only the template: the claims keep their size (a volume cannot
    shrink), and only claims made later get the smaller one. Raises HookError for a change the
    running pods cannot take: another StorageClass, or a new claim template (Kubernetes cannot
    add a volume to a running pod, and the StatefulSet controller would stall trying).
    """
    grow: dict[str, str] = {}
    for template, claim in wanted.claims.items():
        if template not in live:
            if wanted.replicas > 0:
                raise hooklib.HookError(
                    f"{wanted.name}: {claim.value} adds the volume {template} to pods that are "
                    "running, which Kubernetes cannot do. Upgrade with the API's replicas at 0 "
                    "first (its pods stop), then upgrade again with the replicas wanted"
                )
            continue
        size, storage_class = live[template]
        if claim.storage_class and claim.storage_class != storage_class:
            raise hooklib.HookError(
                f"{wanted.name}: the claims {template}-{wanted.name}-N use StorageClass "
                f"{storage_class or '(the default)'!r}; a volume cannot move to "
                f"{claim.storage_class!r} in place. Keep the old storageClass, or move the "
                f"images: back them up, uninstall, delete the claims, install again"
            )
        if quantity_bytes(claim.size) > quantity_bytes(size):
            grow[template] = claim.size
    differs = set(live) != set(wanted.claims) or any(
        quantity_bytes(claim.size) != quantity_bytes(live[t][0])
        for t, claim in wanted.claims.items()
        if t in live
    )
    return grow, differs


def claims_of(kube: Kubernetes, namespace: str, template: str, wanted: Wanted) -> list[str]:
    """The existing claims of one template that the StatefulSet's pods use."""
    answer = kube.call("GET", f"/api/v1/namespaces/{namespace}/persistentvolumeclaims") or {}
    names = {f"{template}-{wanted.name}-{ordinal}" for ordinal in range(wanted.replicas)}
    return sorted(
        item["metadata"]["name"]
        for item in answer.get("items", [])
        if item["metadata"]["name"] in names
    )


def run(config: Config, kube: Kubernetes, log: Optional[logging.Logger] = None) -> list[str]:
    """Expand claims and orphan StatefulSets where the templates change; return what changed."""
    log = log or logging.getLogger(HOOK)
    ns = config.namespace
    changed = []
    for wanted in config.statefulsets:
        path = f"/apis/apps/v1/namespaces/{ns}/statefulsets/{wanted.name}"
        live = kube.call("GET", path)
        if live is None:
            log.info("unchanged: %s does not exist yet", wanted.name)
            continue
        grow, differs = plan(wanted, template_claims(live))
        if not differs:
            log.info("unchanged: %s has the wanted volume claim templates", wanted.name)
            continue
        for template, size in sorted(grow.items()):
            for claim in claims_of(kube, ns, template, wanted):
                kube.call(
                    "PATCH",
                    f"/api/v1/namespaces/{ns}/persistentvolumeclaims/{claim}",
                    {"spec": {"resources": {"requests": {"storage": size}}}},
                    MERGE_PATCH,
                )
                log.info("expanded claim %s to %s", claim, size)
                changed.append(f"claim {claim}")
        kube.call("DELETE", path, {"propagationPolicy": "Orphan"})
        log.info(
            "deleted %s, keeping its pods and claims, for the upgrade to recreate", wanted.name
        )
        wait_gone(kube, path, wanted.name, config.wait_seconds)
        changed.append(f"statefulset {wanted.name}")
    return changed


def wait_gone(kube: Kubernetes, path: str, name: str, seconds: int) -> None:
    """Wait until an orphaned StatefulSet is gone (its finalizers done)."""
    hooklib.poll(
        lambda: True if kube.call("GET", path) is None else None,
        lambda: f"{name} was still there {seconds} s after its deletion",
        seconds,
        itertools.repeat(0.5),
    )


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Mapping[str, str]] = None) -> int:
    """Run the hook as a Job does; return the exit code."""
    del argv  # no arguments: everything comes from the environment
    environ = os.environ if environ is None else environ

    def body(log: logging.Logger) -> int:
        """Read the settings, compare, change what must change."""
        config = Config.from_env(environ)
        changed = run(config, Kubernetes(config.access), log)
        log.info("done: changed %s", ", ".join(changed) or "nothing")
        return hooklib.EXIT_OK

    return hooklib.run_main(HOOK, body)


if __name__ == "__main__":
    sys.exit(main())
