"""Turn a Glance resource (whole, or its bare spec) into chart values."""

from __future__ import annotations

from typing import Any

import yaml

from chartgen.errors import InputError

GROUP = "glance.openstack.org"
KIND = "Glance"


def spec_of(document: Any, source: str) -> dict[str, Any]:
    """The spec of a Glance resource, or the document itself when it is a bare spec."""
    if not isinstance(document, dict):
        raise InputError(f"{source}: expected a Glance resource or its spec, a mapping")
    if not is_resource(document):
        return document
    api_version = str(document.get("apiVersion", ""))
    if document.get("kind") != KIND or api_version.split("/")[0] != GROUP:
        raise InputError(
            f"{source}: is a {document.get('kind')!r} of {api_version!r}; "
            f"expected kind {KIND} of {GROUP}/v1beta1"
        )
    spec = document.get("spec")
    if not isinstance(spec, dict):
        raise InputError(f"{source}: the Glance resource has no spec")
    return spec


class _BlockDumper(yaml.SafeDumper):
    """A YAML dumper writing multi-line strings (INI snippets, policies) as literal blocks."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _string)


def to_yaml(values: dict[str, Any]) -> str:
    """Values as YAML a person would write: key order kept, INI text as literal blocks."""
    return yaml.dump(values, Dumper=_BlockDumper, sort_keys=False, default_flow_style=False)


def is_resource(document: Any) -> bool:
    """Whether a document is a whole Kubernetes object rather than values."""
    return isinstance(document, dict) and "kind" in document and "apiVersion" in document
