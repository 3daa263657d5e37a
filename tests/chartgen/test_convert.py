"""chartgen.convert: the spec of a Glance resource, or a bare spec, as values a person reads."""

from __future__ import annotations

import json
import re

import pytest

from chartgen import dbaccount
from chartgen.convert import (
    DEFAULT_SPREAD_SELECTOR,
    Related,
    Topology,
    adapt,
    inline_topologies,
    is_resource,
    spec_of,
    to_yaml,
)
from chartgen.errors import InputError
from tests.conftest import CHART, ROOT

SCHEMA = json.loads((CHART / "values.schema.json").read_text())

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
    adapted, warnings = adapt(spec, SCHEMA)
    assert adapted == {"glanceAPIs": {"a": {}, "b": {"replicas": 2}}}
    assert warnings == [
        "dropped glanceAPIs.a.preserveJobs: the operator's Glance CRD has no such field, so its"
        " API server drops it too",
        "dropped glanceAPIs.a.auth: empty, as the operator's defaulting webhook writes it; it"
        " sets nothing, in the operator as in the chart",
        "dropped glanceAPIs.a.override: empty, as the operator's defaulting webhook writes it;"
        " it sets nothing, in the operator as in the chart",
    ]
    assert spec["glanceAPIs"]["a"]["preserveJobs"] is False  # the input is left alone


def test_an_auth_that_sets_something_is_kept_for_the_schema_to_judge() -> None:
    spec = {"glanceAPIs": {"a": {"auth": {"applicationCredentialSecret": "ac"}}}}
    assert adapt(spec, SCHEMA) == (spec, [])


def test_the_deprecated_bus_instance_becomes_the_cluster_in_its_place() -> None:
    adapted, warnings = adapt({"a": 1, "notificationBusInstance": "rabbitmq", "z": 2}, SCHEMA)
    assert list(adapted.items()) == [
        ("a", 1),
        ("notificationsBus", {"cluster": "rabbitmq"}),
        ("z", 2),
    ]
    assert warnings == [
        "notificationBusInstance is deprecated since chart 0.1.0: moved to notificationsBus.cluster"
    ]
    adapted, _ = adapt({"notificationBusInstance": "r", "notificationsBus": {"vhost": "v"}}, SCHEMA)
    assert adapted == {"notificationsBus": {"vhost": "v", "cluster": "r"}}


def test_a_set_bus_cluster_wins_over_the_deprecated_instance() -> None:
    adapted, warnings = adapt(
        {"notificationBusInstance": "old", "notificationsBus": {"cluster": "new"}}, SCHEMA
    )
    assert adapted == {"notificationsBus": {"cluster": "new"}}
    assert warnings == [
        "dropped notificationBusInstance (deprecated since chart 0.1.0): notificationsBus.cluster"
        " is set and takes its place"
    ]


SPREAD = {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway"}
SELECTED = {**SPREAD, "labelSelector": {"matchLabels": {"app": "glance"}}}
ANTI = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}}
NODES = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {}}}


def topology(name: str, namespace: str | None = "openstack", **spec: object) -> Topology:
    """A Topology read from t.yaml."""
    return Topology("t.yaml", name, namespace, dict(spec))


def test_the_fixture_file_holds_two_topologies_of_their_namespace() -> None:
    text = (ROOT / "tests" / "data" / "operator" / "topologies.yaml").read_text()
    found = Related.read([(text, "t.yaml")]).topologies
    assert [(t.name, t.namespace, sorted(t.spec)) for t in found] == [
        ("glance-zones", "openstack", ["affinity", "topologySpreadConstraints"]),
        ("glance-edge", "openstack", ["affinity"]),
    ]


def test_a_list_of_topologies_is_read_as_kubectl_prints_it() -> None:
    text = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: topology.openstack.org/v1beta1, kind: Topology, metadata: {name: a}}\n"
    )
    [found] = Related.read([(text, "t.yaml")]).topologies
    assert (found.name, found.namespace, found.spec) == ("a", None, {})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "t.yaml: holds no resource"),
        (
            "apiVersion: glance.openstack.org/v1beta1\nkind: Glance\n",
            "t.yaml: holds a 'Glance'; beside the Glance, convert takes the resources it names:"
            " Topology, MariaDBAccount and the account's Secret",
        ),
        (
            "apiVersion: example.com/v1\nkind: Topology\nmetadata: {name: a}\n",
            "t.yaml: holds a 'Topology' of 'example.com/v1'; expected kind Topology of"
            " topology.openstack.org/v1beta1, as `kubectl get topology <name> -o yaml` prints it",
        ),
        (
            "apiVersion: topology.openstack.org/v1beta1\nkind: Topology\nmetadata: {name: a}\n"
            "spec: {nodeSelector: {}, tolerations: [], affinity: {}}\n",
            "t.yaml: Topology 'a': the chart does not take spec.nodeSelector, spec.tolerations:"
            " it takes spec.affinity and spec.topologySpreadConstraints of a Topology; remove the"
            " rest",
        ),
        (
            "apiVersion: topology.openstack.org/v1beta1\nkind: Topology\nmetadata: {name: a}\n"
            "spec: {affinity: {podAfinity: {}}}\n",
            "t.yaml: Topology 'a': the chart does not take spec.affinity.podAfinity: an affinity"
            " holds nodeAffinity, podAffinity, podAntiAffinity",
        ),
        (
            "apiVersion: topology.openstack.org/v1beta1\nkind: Topology\nmetadata: {name: a}\n"
            "spec: {topologySpreadConstraints: {}}\n",
            "t.yaml: Topology 'a': spec.topologySpreadConstraints must be a list",
        ),
    ],
)
def test_what_is_not_a_topology_the_chart_takes_is_refused_naming_it(
    text: str, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        Related.read([(text, "t.yaml")])
    assert str(caught.value) == message


def test_a_top_level_topology_ref_becomes_the_affinity_and_spread_in_its_place() -> None:
    spec = {"a": 1, "topologyRef": {"name": "zones"}, "z": 2}
    given = [topology("zones", topologySpreadConstraints=[SELECTED], affinity=ANTI)]
    out, warnings = inline_topologies(spec, given, "openstack", "g.yaml")
    assert list(out.items()) == [
        ("a", 1),
        ("topologySpreadConstraints", [SELECTED]),
        ("affinity", ANTI),
        ("z", 2),
    ]
    assert warnings == [
        "topologyRef: replaced by topologySpreadConstraints and affinity of Topology 'zones'"
        " (t.yaml)"
    ]
    assert spec["topologyRef"] == {"name": "zones"}  # the input is left alone


def test_an_api_topology_replaces_the_top_level_one_whole() -> None:
    """What the API's Topology lacks, the API sets empty; an API without one keeps the top's."""
    spec = {
        "topologyRef": {"name": "zones"},
        "glanceAPIs": {
            "edge": {"type": "edge", "topologyRef": {"name": "edge", "namespace": "openstack"}},
            "main": {"type": "split"},
        },
    }
    given = [
        topology("zones", topologySpreadConstraints=[SELECTED], affinity=ANTI),
        topology("edge", affinity=NODES),
    ]
    out, warnings = inline_topologies(spec, given, "openstack", "g.yaml")
    assert out["glanceAPIs"] == {
        "edge": {"type": "edge", "affinity": NODES, "topologySpreadConstraints": []},
        "main": {"type": "split"},
    }
    assert (out["affinity"], out["topologySpreadConstraints"]) == (ANTI, [SELECTED])
    assert warnings[1:] == [
        "glanceAPIs.edge.topologyRef: replaced by affinity of Topology 'edge' (t.yaml)",
        "glanceAPIs.edge.topologySpreadConstraints: set empty: Topology 'edge' (t.yaml) has none,"
        " and an API's topologyRef replaces the top-level one whole",
    ]


def test_a_spread_without_a_selector_gets_the_api_pods_as_the_operator_gave_it() -> None:
    spec = {"glanceAPIs": {"a": {"topologyRef": {"name": "zones"}}}}
    keyed = {**SPREAD, "matchLabelKeys": ["pod-template-hash"]}
    given = [topology("zones", topologySpreadConstraints=[SELECTED, SPREAD, keyed])]
    out, warnings = inline_topologies(spec, given, "openstack", "g.yaml")
    selector = DEFAULT_SPREAD_SELECTOR["labelSelector"]
    assert out["glanceAPIs"]["a"] == {
        "topologySpreadConstraints": [
            SELECTED,
            {**SPREAD, **DEFAULT_SPREAD_SELECTOR},
            {**keyed, "labelSelector": selector},  # its own matchLabelKeys are kept
        ]
    }
    assert warnings[1] == (
        "glanceAPIs.a.topologySpreadConstraints[1]: no labelSelector, for which the operator took"
        " its pods' labels: set to the API pods (app.kubernetes.io/component: api), with"
        " matchLabelKeys counting each instance apart; the chart takes a constraint as written"
    )


def test_a_topology_of_another_namespace_must_be_the_one_the_ref_names() -> None:
    spec = {"topologyRef": {"name": "zones", "namespace": "shared"}}
    here, there = topology("zones", affinity=ANTI), topology("zones", "shared", affinity=NODES)
    out, _ = inline_topologies(spec, [here, there], "openstack", "g.yaml")
    assert out == {"affinity": NODES}
    with pytest.raises(InputError) as caught:
        inline_topologies(spec, [here], "openstack", "g.yaml")
    assert caught.value.diagnostics[0].path == "spec.topologyRef"
    # Without a namespace of its own, a ref names the Topology of the Glance resource's.
    out, warnings = inline_topologies(
        {"topologyRef": {"name": "zones"}}, [here, there], "openstack", "g.yaml"
    )
    assert out == {"affinity": ANTI}
    assert warnings[-1] == "Topology 'zones' (t.yaml) is named by no topologyRef: not used"


def test_a_ref_whose_topology_is_not_given_is_refused_with_the_command_that_fetches_it() -> None:
    spec = {"glanceAPIs": {"default": {"topologyRef": {"name": "edge"}}}}
    with pytest.raises(InputError) as caught:
        inline_topologies(spec, [topology("zones")], "openstack", "glance.yaml")
    assert str(caught.value) == "glance.yaml: 1 topologyRef(s) name no given Topology"
    assert [str(d) for d in caught.value.diagnostics] == [
        "spec.glanceAPIs.default.topologyRef: no Topology 'edge' of namespace openstack was"
        " given: `kubectl get topology edge -n openstack -o yaml > topology.yaml`, then pass the"
        " file: `chartgen convert glance.yaml topology.yaml`"
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"topologyRef": {"name": "zones", "nmespace": "x"}},
            "g.yaml: spec.topologyRef: unknown key(s) nmespace",
        ),
        (
            {"glanceAPIs": {"a": {"topologyRef": "zones"}}},
            "g.yaml: spec.glanceAPIs.a.topologyRef: expected {name: <Topology>, namespace: ...}",
        ),
        (
            {"topologyRef": {"name": "zones"}, "affinity": {}},
            "g.yaml: spec.topologyRef: set beside affinity, which it fills in: keep one",
        ),
    ],
)
def test_a_topology_ref_the_chart_cannot_place_is_refused(spec: dict, message: str) -> None:
    with pytest.raises(InputError) as caught:
        inline_topologies(spec, [topology("zones")], "openstack", "g.yaml")
    assert str(caught.value) == message


def test_a_topology_given_twice_is_refused() -> None:
    with pytest.raises(InputError, match="Topology 'zones' of namespace openstack is given twice"):
        inline_topologies({}, [topology("zones"), topology("zones")], "openstack", "g.yaml")


ACCOUNT = {
    "apiVersion": "mariadb.openstack.org/v1beta1",
    "kind": "MariaDBAccount",
    "metadata": {"name": "glance", "namespace": "openstack"},
    "spec": {"userName": "glance_cb33", "secret": "glance-db-secret"},
}


def account_secret(name: str = "glance-db-secret", key: str = "DatabasePassword") -> dict:
    """A Secret as mariadb-operator writes an account's."""
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "data": {key: "eA=="}}


def test_the_account_sets_the_user_and_the_password_secret() -> None:
    account = dbaccount.account_of(ACCOUNT, "a.yaml")
    spec = {"databaseAccount": "glance", "passwordSelectors": {"service": "GlancePassword"}}
    out, warnings = dbaccount.with_account(
        spec, [account], [(account_secret(), "a.yaml")], "openstack", "g.yaml"
    )
    assert out == {
        "databaseAccount": "glance_cb33",
        "passwordSelectors": {"service": "GlancePassword", "database": "DatabasePassword"},
        "database": {"secret": "glance-db-secret", "create": False},
    }
    assert len(warnings) == 3 and "checked in a.yaml" in warnings[1]


@pytest.mark.parametrize(
    ("spec", "secrets", "message"),
    [
        ({"databaseAccount": "other"}, [], "the Glance logs in with MariaDBAccount 'other'"),
        ({}, [account_secret("x")], "Secret 'x' is not the Secret of MariaDBAccount 'glance'"),
        ({}, [account_secret(key="password")], "has no key DatabasePassword"),
    ],
)
def test_an_account_that_does_not_fit_is_refused(spec: dict, secrets: list, message: str) -> None:
    account = dbaccount.account_of(ACCOUNT, "a.yaml")
    given = [(s, "a.yaml") for s in secrets]
    with pytest.raises(InputError, match=re.escape(message)):
        dbaccount.with_account(spec, [account], given, "openstack", "g.yaml")


def test_without_the_account_an_admitted_glance_gets_a_warning_and_a_draft_none() -> None:
    _, warnings = dbaccount.with_account({}, [], [], "openstack", "g.yaml")
    assert warnings and "kubectl get mariadbaccount glance" in warnings[0]
    assert dbaccount.with_account({}, [], [], None, "g.yaml", admitted=False) == ({}, [])
