"""kubeclient.py: where the hooks that act on the cluster find the API server."""

from __future__ import annotations

import hooklib
import kubeclient
import pytest


def test_the_api_server_is_where_the_kubelet_says() -> None:
    """In a pod, the kubelet's KUBERNETES_SERVICE_HOST and _PORT name the API server; KUBE_API
    replaces them; with neither the hook refuses to start, naming KUBE_API."""
    kubelet = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    access = kubeclient.Access.from_env(kubelet)
    assert access.api == "https://10.96.0.1:443"
    assert access.token_file == "/var/run/secrets/kubernetes.io/serviceaccount/token"
    given = kubeclient.Access.from_env({**kubelet, "KUBE_API": "https://api.test:6443/"})
    assert given.api == "https://api.test:6443"
    with pytest.raises(hooklib.ConfigError, match="KUBE_API is required but not set"):
        kubeclient.Access.from_env({})
