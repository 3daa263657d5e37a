"""chartgen.trace: a field of a rendered object, named by Kubernetes' validation, is reported
under the values path that produced it."""

from __future__ import annotations

from typing import Any

from chartgen.trace import Tracer, parse_field

POD = {"securityContext": {"runAsUser": 42415, "runAsNonRoot": True}}
STATEFULSET: dict[str, Any] = {
    "kind": "StatefulSet",
    "spec": {
        "template": {
            "metadata": {"labels": {"app": "glance", "team": "my team"}},
            "spec": {
                "securityContext": {"runAsUser": 0, "runAsNonRoot": True},
                "containers": [
                    {
                        "name": "glance-api",
                        "resources": {"requests": {"cpu": 2}, "limits": {"cpu": 1}},
                    }
                ],
                "volumes": [
                    {"name": "config", "secret": {"secretName": "glance-config"}},
                    {"name": "Ceph", "secret": {}},
                ],
                "topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "zone"}],
            },
        },
        "volumeClaimTemplates": [{"spec": {"resources": {"requests": {"storage": "0"}}}}],
    },
}
MERGED: dict[str, Any] = {
    "podSecurityContext": {"runAsUser": 0, "runAsNonRoot": True},
    "podLabels": {"team": "my team"},
    "glanceAPIs": {
        "default": {
            "resources": {"requests": {"cpu": 2}, "limits": {"cpu": 1}},
            "topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "rack"}],
        }
    },
    "topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "zone"}],
    "extraMounts": [{"extraVol": [{"volumes": [{"name": "Ceph", "secret": {}}]}]}],
    "storage": {"storageRequest": "0"},
    "quotas": {"imageCountTotal": 0},
}
GIVEN = {k: v for k, v in MERGED.items() if k != "quotas"}


def locate(*fields: str) -> str | None:
    """The values path of the fields of STATEFULSET."""
    return Tracer(MERGED, GIVEN).locate(STATEFULSET, list(fields))


def test_field_paths_are_read_as_kubernetes_writes_them() -> None:
    assert parse_field("spec.a[0].b[example.com/x].c") == (
        "spec",
        "a",
        0,
        "b",
        "example.com/x",
        "c",
    )


def test_a_value_copied_whole_is_found_by_its_value() -> None:
    field = "spec.template.spec.containers[0].resources.requests"
    assert locate(field) == "glanceAPIs.default.resources.requests"


def test_a_scalar_is_found_under_a_key_named_alike() -> None:
    assert locate("spec.template.spec.securityContext.runAsUser") == "podSecurityContext.runAsUser"


def test_a_field_the_render_lacks_is_found_through_what_encloses_it() -> None:
    field = "spec.template.spec.volumes[1].secret.secretName"
    assert locate(field) == "extraMounts[0].extraVol[0].volumes[0].secret"


def test_a_mapping_the_chart_merged_into_its_own_is_found() -> None:
    # Kubernetes names a pod template's labels without their `metadata`.
    assert locate("spec.template.labels") == "podLabels"


def test_the_value_of_the_same_surroundings_wins_among_equal_ones() -> None:
    field = "spec.template.spec.topologySpreadConstraints[0].maxSkew"
    assert locate(field) == "topologySpreadConstraints[0].maxSkew"


def test_a_claims_request_is_found_by_its_size() -> None:
    field = "spec.volumeClaimTemplates[0].spec.resources[storage]"
    assert locate(field) == "storage.storageRequest"


def test_a_list_the_chart_adds_to_is_found_by_the_users_item() -> None:
    assert locate("spec.template.spec.volumes") == "extraMounts[0].extraVol[0].volumes[0]"


def test_a_value_the_user_did_not_write_is_not_guessed() -> None:
    assert locate("metadata.name") is None


def test_equal_values_are_told_apart_by_the_object_they_made() -> None:
    merged = {"imageCache": {"cleanerScheduler": "0", "prunerScheduler": "0", "size": "0"}}
    cronjob = {
        "metadata": {"name": "glance-default-single-cache-pruner-0"},
        "spec": {"schedule": "0"},
    }
    tracer = Tracer(merged, merged)
    assert tracer.locate(cronjob, ["spec.schedule"]) == "imageCache.prunerScheduler"
    claim = {"spec": {"resources": {"requests": {"storage": "0"}}}}
    assert tracer.locate(claim, ["spec.resources[storage]"]) == "imageCache.size"
