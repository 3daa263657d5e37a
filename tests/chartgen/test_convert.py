"""chartgen.convert: the spec of a Glance resource, or a bare spec, as values a person reads."""

from __future__ import annotations

import pytest

from chartgen.convert import is_resource, spec_of, to_yaml
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
