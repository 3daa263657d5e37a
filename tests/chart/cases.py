"""Values the rendered-output tests cover: every example and a matrix of features."""

from __future__ import annotations

from itertools import product
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
# A store every pod reads, which split APIs and several replicas need (the chart refuses them on
# its per-pod file backend).
SHARED_STORE_CONFIG = (
    "[DEFAULT]\nenabled_backends = default_backend:rbd\n[glance_store]\n"
    "default_backend = default_backend\n[default_backend]\nrbd_store_pool = images\n"
)
# Where Glance reads ceph.conf and the keyring: a Secret mounted at /etc/ceph of the API pods.
CEPH_MOUNTS = [
    {
        "extraVol": [
            {
                "propagation": ["GlanceAPI"],
                "volumes": [{"name": "ceph", "secret": {"secretName": "ceph-conf"}}],
                "mounts": [{"name": "ceph", "mountPath": "/etc/ceph", "readOnly": True}],
            }
        ]
    }
]
SHARED_STORE: dict[str, Any] = {"customServiceConfig": SHARED_STORE_CONFIG, "extraMounts": CEPH_MOUNTS}


def apis(kind: str, count: int) -> dict[str, Any]:
    """`count` APIs of one type; edge APIs beside a split one that goes in the catalog."""
    out: dict[str, Any] = {}
    if kind == "edge":
        out["central"] = {"type": "split"}
    for i in range(count):
        out[f"{kind}{i}"] = {"type": kind, "replicas": 1 + i}
    return out


def matrix() -> dict[str, dict[str, Any]]:
    """Named values: each type x one and three APIs x cache x quotas x TLS, and the old layout."""
    out: dict[str, dict[str, Any]] = {"defaults": {}}
    for kind, count, cache, quotas in product(
        ("split", "single", "edge"), (1, 3), (False, True), (False, True)
    ):
        values: dict[str, Any] = {"glanceAPIs": apis(kind, count)}
        if kind != "single" or count > 1:
            values.update(SHARED_STORE)
        if cache:
            values["imageCache"] = {"size": "5G"}
        if quotas:
            values["quotas"] = {"imageCountTotal": 10, "imageSizeTotal": 1000}
        name = f"{kind}-{count}{'-cache' if cache else ''}{'-quotas' if quotas else ''}"
        out[name] = values
    first = next(iter(apis("single", 1)))
    out["single-tls"] = {
        "glanceAPIs": {
            first: {
                "type": "single",
                "tls": {
                    "api": {
                        "public": {"secretName": "glance-public-tls"},
                        "internal": {"secretName": "glance-internal-tls"},
                    },
                    "caBundleSecretName": "combined-ca-bundle",
                },
            }
        }
    }
    out["probe-overrides"] = {
        "glanceAPIs": {
            first: {
                "type": "single",
                "override": {
                    "probes": {
                        "livenessProbes": {"type": "Exec", "command": ["/bin/true"]},
                        "readinessProbes": {"path": "/healthcheck", "timeoutSeconds": 2000000},
                        "startupProbes": {"failureThreshold": 30, "periodSeconds": 10},
                    }
                },
            }
        }
    }
    # Keystone logins with an application credential, quotas' [oslo_limit] and a swift store
    # included.
    out["application-credential"] = {
        "auth": {"applicationCredentialSecret": "glance-ac"},
        "quotas": {"imageCountTotal": 10},
        "customServiceConfig": (
            "[DEFAULT]\nenabled_backends = default_backend:swift\n[glance_store]\n"
            "default_backend = default_backend\n[default_backend]\n"
            "swift_store_auth_address = {{ .KeystoneInternalURL }}\n"
            "swift_store_application_credential_id = {{ .ApplicationCredentialID }}\n"
            "swift_store_application_credential_secret = {{ .ApplicationCredentialSecret }}\n"
        ),
        "glanceAPIs": {"central": {"type": "split"}, "edge0": {"type": "edge"}},
    }
    # Volumes for the instances propagation names: the API, one instance, every instance of a
    # kind; and replicas on the file backend, over a volume every pod mounts.
    out["propagation-to-instances"] = {
        "customServiceConfig": SHARED_STORE_CONFIG,
        "glanceAPIs": {"default": {"type": "split"}},
        "extraMounts": [
            {
                "extraVol": [
                    {
                        "propagation": ["GlanceAPI", "default", "default-internal", "external"],
                        "volumes": [{"name": "ceph", "secret": {"secretName": "ceph-conf"}}],
                        "mounts": [{"name": "ceph", "mountPath": "/etc/ceph", "readOnly": True}],
                    }
                ]
            }
        ],
    }
    out["replicas-on-a-shared-volume"] = {
        "glanceAPIs": {"default": {"type": "single", "replicas": 3, "storage": {"external": True}}},
        "extraMounts": [
            {
                "extraVol": [
                    {
                        "propagation": ["GlanceAPI"],
                        "volumes": [
                            {"name": "images", "persistentVolumeClaim": {"claimName": "images"}}
                        ],
                        "mounts": [{"name": "images", "mountPath": "/var/lib/glance/images"}],
                    }
                ]
            }
        ],
    }
    out["older-layout"] = {
        "glanceAPIInternal": {"replicas": 2, "networkAttachments": ["storage"]},
        "glanceAPIExternal": {"replicas": 1},
        "storageRequest": "1G",
    }
    return out


MATRIX = matrix()


def all_cases() -> list[tuple[str, dict[str, Any] | None, Path | None]]:
    """(id, values, file) of every matrix case and every example."""
    cases: list[tuple[str, dict[str, Any] | None, Path | None]] = [
        (name, values, None) for name, values in MATRIX.items()
    ]
    cases += [(f"example-{p.stem}", None, p) for p in EXAMPLES]
    return cases
