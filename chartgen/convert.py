"""Turn a Glance resource (whole, or its bare spec) into chart values."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from chartgen.errors import InputError

GROUP = "glance.openstack.org"
KIND = "Glance"
# What the operator's own samples set on an API that its CRD does not have: its API server
# drops it on the way in, and so does convert.
IGNORED_PER_API = ("preserveJobs",)
# Objects the operator's defaulting webhook writes, empty, on every API, that the chart does
# not take: empty, they set nothing.
EMPTY_DEFAULTS_PER_API = ("auth",)


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


def renamed(mapping: dict[str, Any], old: str, new: str, value: Any) -> dict[str, Any]:
    """`mapping` with key `old` replaced, in its place, by `new` holding `value`."""
    return {
        (new if k == old else k): (value if k == old else v) for k, v in mapping.items() if k != new
    }


def adapt(spec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The spec as the chart takes it, and one warning per path changed or dropped.

    Drops what the operator ignores too (IGNORED_PER_API, EMPTY_DEFAULTS_PER_API) and moves
    the deprecated notificationBusInstance to notificationsBus.cluster, as the operator reads it.
    """
    out = copy.deepcopy(spec)
    warnings = []
    bus = out.get("notificationsBus")
    if "notificationBusInstance" in out and isinstance(bus or {}, dict):
        if (bus or {}).get("cluster"):
            del out["notificationBusInstance"]
            warnings.append(
                "dropped notificationBusInstance (deprecated): notificationsBus.cluster is set"
                " and takes its place"
            )
        else:
            moved = {**(bus or {}), "cluster": out["notificationBusInstance"]}
            out = renamed(out, "notificationBusInstance", "notificationsBus", moved)
            warnings.append(
                "notificationBusInstance is deprecated: moved to notificationsBus.cluster"
            )
    apis = out.get("glanceAPIs")
    for name, api in apis.items() if isinstance(apis, dict) else ():
        if not isinstance(api, dict):
            continue
        for key in IGNORED_PER_API:
            if key in api:
                del api[key]
                warnings.append(
                    f"dropped glanceAPIs.{name}.{key}: the operator's Glance CRD has no such"
                    " field, so its API server drops it too"
                )
        for key in EMPTY_DEFAULTS_PER_API:
            if api.get(key) == {}:
                del api[key]
                warnings.append(
                    f"dropped glanceAPIs.{name}.{key}: empty, as the operator's defaulting"
                    " webhook writes it; it sets nothing"
                )
    return out, warnings
