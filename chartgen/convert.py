"""Turn a Glance resource (whole, or its bare spec) into chart values."""

from __future__ import annotations

from typing import Any

from chartgen.errors import InputError

GROUP = "glance.openstack.org"
KIND = "Glance"


def spec_of(document: Any, source: str) -> dict[str, Any]:
    """The spec of a Glance resource, or the document itself when it is a bare spec."""
    if not isinstance(document, dict):
        raise InputError(f"{source}: expected a Glance resource or its spec, a mapping")
    if "kind" not in document and "apiVersion" not in document:
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
