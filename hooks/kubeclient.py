"""The Kubernetes API as the hooks that act on the cluster see it: a few JSON calls made with
the pod's service account, so the chart's Role is all they may do, and the wait for a
StatefulSet's rollout.

Environment (read by Access.from_env):
  KUBE_API         API server URL (default: the in-cluster one)
  KUBE_TOKEN_FILE  bearer token (default: the pod's service account token)
  KUBE_CA_FILE     CA of the API server (default: the pod's service account CA)

Python 3.9, standard library only.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import hooklib

ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
MERGE_PATCH = "application/merge-patch+json"


@dataclasses.dataclass(frozen=True)
class Access:
    """Where the API server is and how the hook proves who it is."""

    api: str
    token_file: str
    ca_file: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Access:
        """Read the settings; raise ConfigError naming the variable at fault."""
        env = hooklib.Env(environ)
        host, port = environ.get("KUBERNETES_SERVICE_HOST"), environ.get("KUBERNETES_SERVICE_PORT")
        default_api = f"https://{host}:{port}" if host and port else None
        api = env.url("KUBE_API", default=default_api, required=default_api is None)
        return cls(
            api=api.rstrip("/"),
            token_file=env.text("KUBE_TOKEN_FILE", f"{ACCOUNT}/token"),
            ca_file=env.text("KUBE_CA_FILE", f"{ACCOUNT}/ca.crt"),
        )


class Kubernetes:
    """JSON requests to the API server with the service account's token."""

    def __init__(self, access: Access) -> None:
        """Read the token and trust the CA."""
        try:
            with open(access.token_file) as token:
                self._token = token.read().strip()
        except OSError as exc:
            raise hooklib.ConfigError(
                f"KUBE_TOKEN_FILE: cannot read {access.token_file}: {exc}"
            ) from None
        self._base = access.api
        self._context = ssl.create_default_context(cafile=access.ca_file)

    def call(
        self, method: str, path: str, body: Optional[Any] = None, content_type: str = ""
    ) -> Optional[dict[str, Any]]:
        """One request; None for 404, the JSON answer otherwise; HookError for other errors."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self._base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", content_type or "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30, context=self._context) as answer:
                return json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            try:
                message = json.loads(exc.read()).get("message", "")
            except ValueError:
                message = exc.reason
            raise hooklib.HookError(f"{method} {path}: {exc.code} {message}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise hooklib.HookError(f"cannot reach the API server {self._base}: {reason}") from None


def names(text: str, variable: str) -> list[str]:
    """A JSON list of names from a variable; ConfigError naming it otherwise."""
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise hooklib.ConfigError(f"{variable} is not JSON: {exc}") from None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise hooklib.ConfigError(f"{variable} is not a JSON list of names: {text}")
    return items


def rolled(statefulset: Mapping[str, Any]) -> bool:
    """Whether every pod of a StatefulSet runs its latest template and is ready."""
    spec, status = statefulset["spec"], statefulset.get("status") or {}
    replicas = spec.get("replicas", 1)
    return (
        status.get("observedGeneration", 0) >= statefulset["metadata"]["generation"]
        and status.get("updateRevision") == status.get("currentRevision")
        and status.get("updatedReplicas", 0) == replicas
        and status.get("readyReplicas", 0) == replicas
    )


def wait_rolled(
    kube: Kubernetes, namespace: str, names: Sequence[str], seconds: int, log: logging.Logger
) -> None:
    """Wait until every pod of the StatefulSets runs their latest template and is ready;
    HookError naming those that do not within the bound."""
    started = time.monotonic()
    waiting = list(names)

    def attempt() -> Optional[bool]:
        still = []
        for name in waiting:
            live = kube.call("GET", f"/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}")
            if live is None:
                raise hooklib.HookError(f"{name} was deleted while its pods were rolled out")
            if not rolled(live):
                still.append(name)
        waiting[:] = still
        return True if not still else None

    def expired() -> str:
        return (
            f"{', '.join(waiting)}: the pods were not all updated and ready after "
            f"{seconds} s; see `kubectl -n {namespace} rollout status statefulset "
            f"{waiting[0]}` and the new pods' logs"
        )

    hooklib.poll(attempt, expired, seconds)
    if names:
        log.info("rolled out and ready in %.0f s: %s", time.monotonic() - started, ", ".join(names))
