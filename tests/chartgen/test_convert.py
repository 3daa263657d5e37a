"""chartgen.convert: the spec of a Glance resource, or a bare spec, as values a person reads."""

from __future__ import annotations

import pytest

from chartgen.convert import adapt, is_resource, spec_of, to_yaml
from chartgen.errors import InputError

GLANCE = {"apiVersion": "glance.openstack.org/v1beta1", "kind": "Glance", "spec": {"a": 1}}


def test_a_resource_gives_its_spec_and_a_bare_spec_itself() -> None:
    assert spec_of(GLANCE, "g.yaml") == {"a": 1}
    assert spec_of({"a": 1}, "g.yaml") == {"a": 1}
    assert is_resource(GLANCE) and not is_resource({"a": 1})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([1], "g.yaml: expected a Glance resource or its spec, a mapping"),
        (
            {"apiVersion": "v1", "kind": "ConfigMap"},
            "g.yaml: is a 'ConfigMap' of 'v1'; "
            "expected kind Glance of glance.openstack.org/v1beta1",
        ),
        ({**GLANCE, "spec": None}, "g.yaml: the Glance resource has no spec"),
    ],
)
def test_what_is_not_a_glance_spec_is_refused(document: object, message: str) -> None:
    with pytest.raises(InputError) as caught:
        spec_of(document, "g.yaml")
    assert str(caught.value) == message


def test_ini_text_is_written_as_a_literal_block_in_key_order() -> None:
    text = to_yaml({"z": 1, "customServiceConfig": "[DEFAULT]\ndebug = true\n"})
    assert text == "z: 1\ncustomServiceConfig: |\n  [DEFAULT]\n  debug = true\n"


def test_what_the_operator_ignores_is_dropped_with_one_warning_per_path() -> None:
    spec = {
        "glanceAPIs": {
            "a": {"preserveJobs": False, "auth": {}, "override": {"probes": {}}},
            "b": {"replicas": 2},
        }
    }
    adapted, warnings = adapt(spec)
    assert adapted == {"glanceAPIs": {"a": {"override": {"probes": {}}}, "b": {"replicas": 2}}}
    assert warnings == [
        "dropped glanceAPIs.a.preserveJobs: the operator's Glance CRD has no such field, so its"
        " API server drops it too",
        "dropped glanceAPIs.a.auth: empty, as the operator's defaulting webhook writes it; it"
        " sets nothing",
    ]
    assert spec["glanceAPIs"]["a"]["preserveJobs"] is False  # the input is left alone


def test_an_auth_that_sets_something_is_kept_for_the_schema_to_judge() -> None:
    spec = {"glanceAPIs": {"a": {"auth": {"applicationCredentialSecret": "ac"}}}}
    assert adapt(spec) == (spec, [])


def test_the_deprecated_bus_instance_becomes_the_cluster_in_its_place() -> None:
    adapted, warnings = adapt({"a": 1, "notificationBusInstance": "rabbitmq", "z": 2})
    assert list(adapted.items()) == [
        ("a", 1),
        ("notificationsBus", {"cluster": "rabbitmq"}),
        ("z", 2),
    ]
    assert warnings == ["notificationBusInstance is deprecated: moved to notificationsBus.cluster"]
    adapted, _ = adapt({"notificationBusInstance": "r", "notificationsBus": {"vhost": "v"}})
    assert adapted == {"notificationsBus": {"vhost": "v", "cluster": "r"}}


def test_a_set_bus_cluster_wins_over_the_deprecated_instance() -> None:
    adapted, warnings = adapt(
        {"notificationBusInstance": "old", "notificationsBus": {"cluster": "new"}}
    )
    assert adapted == {"notificationsBus": {"cluster": "new"}}
    assert warnings == [
        "dropped notificationBusInstance (deprecated): notificationsBus.cluster is set and takes"
        " its place"
    ]
