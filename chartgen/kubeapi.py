"""The Kubernetes API as the user's kubectl reaches it.

`kubectl proxy` serves the API on a loopback port with the user's credentials (their kubeconfig,
context and credential plugins); requests then go to it as plain HTTP, which lets a delete carry
preconditions and a patch reach the status subresource.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chartgen.errors import ChartgenError

# kind: (path of its API group version, plural, namespaced)
RESOURCES: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("api/v1", "namespaces", False),
    "Pod": ("api/v1", "pods", True),
    "Service": ("api/v1", "services", True),
    "Secret": ("api/v1", "secrets", True),
    "ConfigMap": ("api/v1", "configmaps", True),
    "ServiceAccount": ("api/v1", "serviceaccounts", True),
    "PersistentVolumeClaim": ("api/v1", "persistentvolumeclaims", True),
    "Deployment": ("apis/apps/v1", "deployments", True),
    "StatefulSet": ("apis/apps/v1", "statefulsets", True),
    "Job": ("apis/batch/v1", "jobs", True),
    "CronJob": ("apis/batch/v1", "cronjobs", True),
    "Role": ("apis/rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "MutatingWebhookConfiguration": (
        "apis/admissionregistration.k8s.io/v1",
        "mutatingwebhookconfigurations",
        False,
    ),
    "ValidatingWebhookConfiguration": (
        "apis/admissionregistration.k8s.io/v1",
        "validatingwebhookconfigurations",
        False,
    ),
    "Glance": ("apis/glance.openstack.org/v1beta1", "glances", True),
    "GlanceAPI": ("apis/glance.openstack.org/v1beta1", "glanceapis", True),
    "KeystoneAPI": ("apis/keystone.openstack.org/v1beta1", "keystoneapis", True),
    "KeystoneService": ("apis/keystone.openstack.org/v1beta1", "keystoneservices", True),
    "KeystoneEndpoint": ("apis/keystone.openstack.org/v1beta1", "keystoneendpoints", True),
    "MariaDBDatabase": ("apis/mariadb.openstack.org/v1beta1", "mariadbdatabases", True),
    "MariaDBAccount": ("apis/mariadb.openstack.org/v1beta1", "mariadbaccounts", True),
    "Topology": ("apis/topology.openstack.org/v1beta1", "topologies", True),
}
PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
}


class ApiError(ChartgenError):
    """A request the API server refused: its status code and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Api:
    """Requests to the API server behind `base` (a kubectl proxy)."""

    base: str

    def path(
        self, kind: str, namespace: str | None = None, name: str | None = None, sub: str = ""
    ) -> str:
        """The URL of a kind's collection, or of one object (and its subresource)."""
        group, plural, namespaced = RESOURCES[kind]
        parts = [self.base, group]
        if namespaced and namespace:
            parts += ["namespaces", namespace]
        parts.append(plural)
        if name:
            parts.append(urllib.parse.quote(name))
        if sub:
            parts.append(sub)
        return "/".join(parts)

    def request(
        self, method: str, url: str, body: Any = None, content_type: str = "application/json"
    ) -> Any:
        """One request; its JSON answer. Refusals raise ApiError."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=60) as answer:
                return json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            text = error.read().decode(errors="replace")
            try:
                message = json.loads(text).get("message", text)
            except (ValueError, AttributeError):
                message = text
            raise ApiError(error.code, f"{method} {url}: {message}") from None

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """One object, or None when there is none (or no such kind is served)."""
        try:
            return self.request("GET", self.path(kind, namespace, name))
        except ApiError as error:
            if error.status == 404:
                return None
            raise

    def list(
        self, kind: str, namespace: str | None = None, selector: str = ""
    ) -> list[dict[str, Any]]:
        """The objects of a kind (in a namespace, matching a label selector); none when the
        kind is not served."""
        url = self.path(kind, namespace)
        if selector:
            url += "?" + urllib.parse.urlencode({"labelSelector": selector})
        try:
            answer = self.request("GET", url)
        except ApiError as error:
            if error.status == 404:
                return []
            raise
        items = answer.get("items") or []
        for item in items:  # a list leaves kind and apiVersion out of its items
            item.setdefault("kind", kind)
        return items

    def patch(
        self,
        kind: str,
        name: str,
        namespace: str | None,
        body: Any,
        patch: str = "merge",
        sub: str = "",
    ) -> dict[str, Any]:
        """Patch one object (or its subresource); the object as stored."""
        url = self.path(kind, namespace, name, sub)
        return self.request("PATCH", url, body, PATCH_TYPES[patch])

    def delete(
        self,
        kind: str,
        name: str,
        namespace: str | None,
        propagation: str = "Background",
        resource_version: str | None = None,
    ) -> bool:
        """Delete one object, only the version given when one is; False when it is gone."""
        options: dict[str, Any] = {"propagationPolicy": propagation}
        if resource_version:
            options["preconditions"] = {"resourceVersion": resource_version}
        try:
            self.request("DELETE", self.path(kind, namespace, name), options)
        except ApiError as error:
            if error.status == 404:
                return False
            raise
        return True


@contextmanager
def connect(kubectl: str, kubeconfig: str | None, context: str | None) -> Iterator[Api]:
    """The API through `kubectl proxy` on a free loopback port, for the duration."""
    command = [kubectl, "proxy", "--port=0", "--address=127.0.0.1"]
    if kubeconfig:
        command.append(f"--kubeconfig={kubeconfig}")
    if context:
        command.append(f"--context={context}")
    try:
        proxy = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as error:
        raise ChartgenError(f"cannot run {kubectl}: {error}") from None
    try:
        assert proxy.stdout is not None
        line = proxy.stdout.readline()
        found = re.search(r"127\.0\.0\.1:(\d+)", line)
        if not found:
            proxy.kill()
            error = proxy.stderr.read().strip() if proxy.stderr else ""
            raise ChartgenError(f"`kubectl proxy` did not start: {error or line.strip()}")
        yield Api(f"http://127.0.0.1:{found.group(1)}")
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
