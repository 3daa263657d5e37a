"""httpRoute on the real API server: `helm install` refuses it by name while the cluster does not
serve the Gateway API, under Helm 4 and Helm 3, and creates the HTTPRoute once it does (a CRD
that serves gateway.networking.k8s.io/v1 HTTPRoutes stands for the Gateway API's own)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import CHART, HELMS
from tests.kubernetes.cluster import Cluster
from tests.kubernetes.release import (
    RELEASE,
    helm_wait,
    prepare,
    render,
    run_helm,
    values_args,
)
from tests.services import wait_for

NAMESPACE = "gateway-api"
VALUES = {"httpRoute": {"enabled": True, "parentRefs": [{"name": "public", "namespace": "gw"}]}}
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {
        "name": "httproutes.gateway.networking.k8s.io",
        # A *.k8s.io group: the API server wants its approval, which a stand-in does not have.
        "annotations": {"api-approved.kubernetes.io": "unapproved, a test stand-in"},
    },
    "spec": {
        "group": "gateway.networking.k8s.io",
        "names": {"kind": "HTTPRoute", "listKind": "HTTPRouteList", "plural": "httproutes"},
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            }
        ],
    },
}
REFUSAL = "httpRoute.enabled: the cluster serves no Gateway API (gateway.networking.k8s.io/v1)"


def test_httproute_needs_the_gateway_api(cluster: Cluster, tmp_path: Path) -> None:
    args = values_args(tmp_path, [], VALUES)
    objects = render(
        cluster, HELMS["helm4"], NAMESPACE, [*args, "--api-versions=gateway.networking.k8s.io/v1"]
    )
    prepare(cluster, NAMESPACE, objects)
    for helm in HELMS.values():
        refused = run_helm(
            cluster, helm, "install", RELEASE, str(CHART), "-n", NAMESPACE, *args, check=False
        )
        assert refused.returncode != 0
        assert REFUSAL in refused.stderr, refused.stderr
        assert run_helm(cluster, helm, "list", "-n", NAMESPACE, "-q").stdout.strip() == ""

    cluster.apply([CRD])
    try:
        wait_for(
            lambda: cluster.get("/apis/gateway.networking.k8s.io/v1") is not None,
            30,
            "the HTTPRoute CRD",
        )
        helm_wait(cluster, HELMS["helm4"], "install", NAMESPACE, str(CHART), *args)
        route = cluster.get(
            f"/apis/gateway.networking.k8s.io/v1/namespaces/{NAMESPACE}/httproutes/glance-default-public"
        )
        assert route["spec"]["rules"][0]["backendRefs"] == [
            {"name": "glance-default-public", "port": 9292}
        ]
        helm_wait(cluster, HELMS["helm4"], "uninstall", NAMESPACE)
    finally:
        cluster.kubectl("delete", "crd", CRD["metadata"]["name"], "--wait=true")
