"""Kubernetes' own OpenAPI definitions, for values that are Kubernetes objects."""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from chartgen.errors import Diagnostic, InputError
from chartgen.model import Document

REF = re.compile(r'"#/\$defs/([^"]+)"')


def load_definitions(version: str) -> dict[str, Any]:
    """All definitions of a Kubernetes version, from the kubernetes-validate package."""
    folder = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    path = folder / f"v{version}-local-strict" / "_definitions.json"
    if not path.is_file():
        raise InputError(f"kubernetes-validate has no schemas for Kubernetes {version}")
    return json.loads(path.read_text(encoding="utf-8"))["$defs"]


def strip_descriptions(node: Any) -> Any:
    """A copy of a schema without descriptions, which only cost bytes in a chart."""
    if isinstance(node, dict):
        return {k: strip_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [strip_descriptions(v) for v in node]
    return node


def closure(definitions: dict[str, Any], roots: list[str]) -> dict[str, Any]:
    """The named definitions and every definition they reference, descriptions removed."""
    out: dict[str, Any] = {}
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in out:
            continue
        if name not in definitions:
            raise InputError(f"unknown Kubernetes definition {name!r}")
        out[name] = strip_descriptions(definitions[name])
        pending.extend(REF.findall(json.dumps(definitions[name])))
    return dict(sorted(out.items()))


def apply_types(doc: Document, types: dict[str, str], definitions: dict[str, Any]) -> None:
    """Mark the properties named by `types` as Kubernetes objects; unknown paths are errors."""
    by_path = {p.path: p for p in doc.walk()}
    problems = []
    for path, name in types.items():
        if path not in by_path:
            problems.append(Diagnostic("error", path, "no such value in the schema"))
        elif name not in definitions:
            problems.append(Diagnostic("error", path, f"unknown Kubernetes definition {name}"))
        else:
            by_path[path].kubernetes_type = name
    if problems:
        raise InputError("kubernetes-types names values or types that do not exist", problems)
