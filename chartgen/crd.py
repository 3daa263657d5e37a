"""Load the OpenAPI schema of a CustomResourceDefinition or of a bare schema file."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from chartgen.errors import InputError


def load_yaml(path: Path) -> Any:
    """Parse one YAML document, naming the file in any error."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        # Anchors share one object between places; copy so no later change leaks across.
        return copy.deepcopy(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from exc
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be values") from None


def pick_version(crd: dict[str, Any], version: str | None, source: str) -> dict[str, Any]:
    """Return the requested version of a CRD, or its storage version."""
    versions = crd.get("spec", {}).get("versions") or []
    names = [v.get("name") for v in versions]
    if version is not None:
        for v in versions:
            if v.get("name") == version:
                return v
        raise InputError(f"{source}: no version {version!r}; it has {', '.join(names)}")
    for v in versions:
        if v.get("storage"):
            return v
    if len(versions) == 1:
        return versions[0]
    raise InputError(f"{source}: no storage version; choose one of {', '.join(names)}")


def spec_schema(crd: dict[str, Any], version: str | None = None, source: str = "CRD") -> dict:
    """Return the OpenAPI schema of `spec` of a CRD version."""
    if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
        raise InputError(f"{source}: not a CustomResourceDefinition")
    chosen = pick_version(crd, version, source)
    root = (chosen.get("schema") or {}).get("openAPIV3Schema")
    if not isinstance(root, dict):
        raise InputError(f"{source}: version {chosen.get('name')} has no openAPIV3Schema")
    spec = (root.get("properties") or {}).get("spec")
    if not isinstance(spec, dict):
        raise InputError(f"{source}: version {chosen.get('name')} has no spec property")
    return spec


def load_crd_spec(path: Path, version: str | None = None) -> dict[str, Any]:
    """Read a CRD file and return the OpenAPI schema of its spec."""
    return spec_schema(load_yaml(path), version, str(path))


def load_openapi(path: Path) -> dict[str, Any]:
    """Read a file holding a bare `openAPIV3Schema` and return that schema."""
    doc = load_yaml(path)
    root = doc.get("openAPIV3Schema") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise InputError(f"{path}: expected a top-level openAPIV3Schema")
    return root
