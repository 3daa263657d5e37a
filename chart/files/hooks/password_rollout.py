"""Restart the API pods when a password they read at start has changed in the user's Secret.

The API pods read GlancePassword, GlanceDatabasePassword (and the transport URL) when they
start, and the chart cannot see a Secret's content (it renders without a cluster), so a rotated
password would reach no running pod. After install and upgrade, once the registration hook has
set the new password in Keystone, this hook compares a salted PBKDF2 fingerprint of the values
with the one recorded on the release's password fingerprint ConfigMap (a ConfigMap of its own,
which holds no program of the pods). The first run records it and changes nothing. When it
differs, the hook sets a new value of an annotation of each API StatefulSet's pod template (as
`kubectl rollout restart` does), which makes a rolling restart of one pod at a time, records
the new fingerprint, and waits until every pod is a new one and ready. Unchanged values cost
one GET.

The fingerprint's salt comes from the ConfigMap's UID and the previous fingerprint, so a rerun
after a failure sets the same annotation value again and restarts nothing twice.

Environment:
  NAMESPACE        namespace of the release (required)
  WATCHED          JSON list of the variables holding the values (each one from a Secret key)
  STATEFULSETS     JSON list of the names of the release's API StatefulSets
  STATE_CONFIGMAP  the ConfigMap that keeps the fingerprint in an annotation (required)
  WAIT_SECONDS     how long to wait for the restarted pods to be ready (default 600)
  KUBE_API, KUBE_TOKEN_FILE, KUBE_CA_FILE  how to reach the API server (see kubeclient.py)

Exit codes: 0 done or nothing to do, 1 failure, 2 bad configuration. Python 3.9, standard
library only.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Optional

import hooklib
from kubeclient import MERGE_PATCH, Access, Kubernetes, names, wait_rolled

HOOK = "password_rollout"
# The ConfigMap annotation with the fingerprint, and the pod template one that restarts pods.
FINGERPRINT = "glance.openstack.org/passwords-fingerprint"
RESTART = "glance.openstack.org/passwords-changed"
SCHEME = "pbkdf2-sha256"
ITERATIONS = 200_000


def fingerprint(values: Sequence[tuple[str, str]], salt: str, iterations: int = ITERATIONS) -> str:
    """`pbkdf2-sha256$<iterations>$<salt>$<digest>` of the (name, value) pairs."""
    material = json.dumps([list(pair) for pair in values]).encode()
    digest = hashlib.pbkdf2_hmac("sha256", material, salt.encode(), iterations)
    encoded = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return f"{SCHEME}${iterations}${salt}${encoded}"


def matches(recorded: str, values: Sequence[tuple[str, str]]) -> bool:
    """Whether a recorded fingerprint is that of the values (False for one not understood)."""
    parts = recorded.split("$")
    if len(parts) != 4 or parts[0] != SCHEME or not parts[1].isdigit():
        return False
    return hmac.compare_digest(recorded, fingerprint(values, parts[2], int(parts[1])))


def next_salt(uid: str, recorded: str) -> str:
    """The salt of the next fingerprint: the same for the same ConfigMap and previous state."""
    return hashlib.sha256(f"{uid}\n{recorded}".encode()).hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class Config:
    """Settings read from the environment."""

    namespace: str
    values: tuple[tuple[str, str], ...]
    statefulsets: tuple[str, ...]
    configmap: str
    access: Access
    wait_seconds: int = 600

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read and check the settings; raise ConfigError naming the variable at fault."""
        env = hooklib.Env(environ)
        watched = names(env.text("WATCHED", "[]"), "WATCHED")
        missing = [name for name in watched if name not in environ]
        if missing:
            raise hooklib.ConfigError(f"WATCHED names variables that are not set: {missing}")
        return cls(
            namespace=env.text("NAMESPACE", required=True),
            values=tuple((name, environ[name]) for name in watched),
            statefulsets=tuple(names(env.text("STATEFULSETS", "[]"), "STATEFULSETS")),
            configmap=env.text("STATE_CONFIGMAP", required=True),
            access=Access.from_env(environ),
            wait_seconds=env.integer("WAIT_SECONDS", 600, maximum=86400),
        )


def run(config: Config, kube: Kubernetes, log: Optional[logging.Logger] = None) -> list[str]:
    """Compare, restart what must restart, wait; return the StatefulSets restarted."""
    log = log or logging.getLogger(HOOK)
    ns = config.namespace
    path = f"/api/v1/namespaces/{ns}/configmaps/{config.configmap}"
    state = kube.call("GET", path)
    if state is None:
        raise hooklib.HookError(f"the ConfigMap {config.configmap} is missing")
    meta = state["metadata"]
    recorded = (meta.get("annotations") or {}).get(FINGERPRINT, "")
    if recorded and matches(recorded, config.values):
        log.info("unchanged: the pods started with the passwords of the Secret")
        return []
    salt = next_salt(meta["uid"], recorded)
    record = {"metadata": {"annotations": {FINGERPRINT: fingerprint(config.values, salt)}}}
    if not recorded:
        kube.call("PATCH", path, record, MERGE_PATCH)
        log.info("recorded the fingerprint of the passwords the pods start with")
        return []
    restarted = []
    for name in config.statefulsets:
        sts_path = f"/apis/apps/v1/namespaces/{ns}/statefulsets/{name}"
        live = kube.call("GET", sts_path)
        if live is None:
            log.info("%s does not exist: nothing to restart", name)
            continue
        annotations = live["spec"]["template"]["metadata"].get("annotations") or {}
        if annotations.get(RESTART) != salt:
            patch = {"spec": {"template": {"metadata": {"annotations": {RESTART: salt}}}}}
            kube.call("PATCH", sts_path, patch, MERGE_PATCH)
        log.info("restarting the pods of %s: a password changed", name)
        restarted.append(name)
    kube.call("PATCH", path, record, MERGE_PATCH)
    wait_rolled(kube, ns, restarted, config.wait_seconds, log)
    return restarted


def main(argv: Optional[Sequence[str]] = None, environ: Optional[Mapping[str, str]] = None) -> int:
    """Run the hook as a Job does; return the exit code."""
    del argv  # no arguments: everything comes from the environment
    environ = os.environ if environ is None else environ

    def body(log: logging.Logger) -> int:
        """Read the settings, compare, restart what must restart."""
        config = Config.from_env(environ)
        restarted = run(config, Kubernetes(config.access), log)
        log.info("done: restarted %s", ", ".join(restarted) or "nothing")
        return hooklib.EXIT_OK

    return hooklib.run_main(HOOK, body)


if __name__ == "__main__":
    sys.exit(main())
