"""Kubernetes' own OpenAPI definitions, for values that are Kubernetes objects."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any

from chartgen.errors import Diagnostic, InputError
from chartgen.model import Document, Property

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


# What Helm's toYaml can write: given a string with DEL, a C1 control or the non-character
# U+FFFE or U+FFFF, it writes nothing for the whole value, and the object loses the field.
WRITABLE = "^[^\\x7f-\\x9f\ufffe\uffff]*$"
# The keyword that says, in `chartgen validate`'s messages, what a string of a grammar must be.
GRAMMAR_KEY = "x-grammar"
TEXT = "text Helm can write (no DEL, C1 control character, U+FFFE or U+FFFF)"
# The integers a field of each format holds; for int64, within what a float64 holds below 2^63
# (helm reads numbers as float64, and a larger one overflows the field).
INTEGERS = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 9223372036854774784),
}


def deliverable(node: Any) -> Any:
    """A copy of a schema that refuses what cannot reach the API server as written.

    Strings and map keys refuse what toYaml cannot write, integers what their field cannot hold.
    Map keys are held by patternProperties: Helm's validator reports a propertyNames failure at
    a wrong path. A null matches one branch of a oneOf (a Quantity is a string or a number,
    each of which allowed null, so a null matched both and was refused).
    """
    if isinstance(node, list):
        return [deliverable(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: deliverable(v) for k, v in node.items()}
    branches = out.get("oneOf")
    nullable = [b for b in branches or [] if "null" in as_list(b.get("type"))]
    if len(nullable) > 1:
        for branch in nullable:
            branch["type"] = [t for t in as_list(branch["type"]) if t != "null"]
        out["oneOf"] = [*branches, {"type": "null"}]
    kinds = node.get("type")
    if "string" in (kinds if isinstance(kinds, list) else [kinds]) and "enum" not in node:
        if "pattern" in out:
            out.setdefault("allOf", []).append({"pattern": WRITABLE, GRAMMAR_KEY: TEXT})
        else:
            out.update({"pattern": WRITABLE, GRAMMAR_KEY: TEXT})
    if isinstance(out.get("additionalProperties"), dict):
        out["patternProperties"] = {WRITABLE: out.pop("additionalProperties")}
        out["additionalProperties"] = False
    if node.get("format") in INTEGERS:
        low, high = INTEGERS[node["format"]]
        out["minimum"] = max(out.get("minimum", low), low)
        out["maximum"] = min(out.get("maximum", high), high)
    return out


def as_list(kinds: Any) -> list[Any]:
    """A schema's `type`, one or several, as a list."""
    if kinds is None:
        return []
    return kinds if isinstance(kinds, list) else [kinds]


def restrict(definitions: dict[str, Any], fields: dict[str, Any]) -> None:
    """Hold fields of definitions (`<definition>.<field>`) to rules Kubernetes' validation has.

    A rule is `required` (a string of one character at least, or a list of one item), a rule of
    GRAMMARS, or the list of the values Kubernetes supports. Unknown fields and rules are
    errors.
    """
    problems = []
    for path, rule in fields.items():
        name, _, key = path.rpartition(".")
        definition = definitions.get(name, {})
        properties = definition.get("properties", {})
        if key not in properties:
            problems.append(Diagnostic("error", path, "no such field of the values' definitions"))
        elif rule == "required":
            kinds = properties[key].get("type")
            if "array" in (kinds if isinstance(kinds, list) else [kinds]):
                properties[key] = {**properties[key], "type": "array", "minItems": 1}
            else:
                properties[key] = {"type": "string", "minLength": 1}
            required = definition.setdefault("required", [])
            required += [] if key in required else [key]
        elif isinstance(rule, list):
            properties[key] = {"type": ["string", "null"], "enum": [*rule, None]}
        elif rule in GRAMMARS:
            properties[key] = {**properties[key], **GRAMMARS[rule]}
        else:
            problems.append(Diagnostic("error", path, f"unknown rule {rule}"))
    if problems:
        raise InputError("kubernetes-types holds fields that do not exist to rules", problems)


def give_grammars(definitions: dict[str, Any], grammars: dict[str, str]) -> None:
    """Hold the strings of whole definitions (a Quantity, wherever it is used) to a grammar of
    GRAMMARS; unknown definitions and grammars are errors."""
    problems = []
    for name, rule in grammars.items():
        if name not in definitions or rule not in GRAMMARS:
            problems.append(Diagnostic("error", name, f"unknown definition or grammar {rule}"))
            continue
        definition = definitions[name]
        branches = definition.get("oneOf") or [definition]
        for branch in branches:
            kinds = branch.get("type")
            if "string" in (kinds if isinstance(kinds, list) else [kinds]):
                branch.update({k: v for k, v in GRAMMARS[rule].items() if k != "type"})
    if problems:
        raise InputError("kubernetes-types gives grammars to what does not exist", problems)


def properties_at(
    doc: Document, paths: Iterable[str]
) -> tuple[dict[str, Property], list[Diagnostic]]:
    """The properties at the paths an overlay names, and a diagnostic per path the schema lacks."""
    by_path = {p.path: p for p in doc.walk()}
    found = {path: by_path[path] for path in paths if path in by_path}
    missing = [
        Diagnostic("error", p, "no such value in the schema") for p in paths if p not in found
    ]
    return found, missing


def apply_types(doc: Document, types: dict[str, str], definitions: dict[str, Any]) -> None:
    """Mark the properties named by `types` as Kubernetes objects; unknown paths are errors."""
    found, problems = properties_at(doc, types)
    for path, prop in found.items():
        name = types[path]
        if name not in definitions:
            problems.append(Diagnostic("error", path, f"unknown Kubernetes definition {name}"))
        else:
            prop.kubernetes_type = name
    if problems:
        raise InputError("kubernetes-types names values or types that do not exist", problems)


# Kubernetes' own grammars for the values that become names, label values, sizes and numbers of
# Kubernetes objects, as JSON Schema keywords: each written once, here, and given by
# kubernetes-types.yaml to every value it applies to. helm refuses a bad value by its path; the
# API server would take exactly the same set, but name only the object.
DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN = f"{DNS_LABEL}(\\.{DNS_LABEL})*"
LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
# resource.ParseQuantity (k8s.io/apimachinery): a sign, a number, then a decimal SI suffix
# (n u m k M G T P E), a binary one (Ki to Ei) or a decimal exponent (e3, E-2). Two forms it also
# takes are left out: a number without digits (`k`, `.`, `e3`, which it reads as 0) and an
# exponent of more than 18 digits (which it takes only while it fits in 64 bits).
QUANTITY = "[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]{1,18})?"
NAME = "a Kubernetes name (lowercase letters, digits and '-'"
GRAMMARS: dict[str, dict[str, Any]] = {
    # Object names: Secrets, ServiceAccounts, Services.
    "dns-subdomain": {
        "pattern": f"^{DNS_SUBDOMAIN}$",
        "maxLength": 253,
        GRAMMAR_KEY: f"{NAME}, dots between them, at most 253 characters)",
    },
    "dns-label": {
        "pattern": f"^{DNS_LABEL}$",
        "maxLength": 63,
        GRAMMAR_KEY: f"{NAME}, at most 63 characters)",
    },
    # A name that may be left empty to mean "none" or "derived".
    "dns-label-or-empty": {
        "pattern": f"^({DNS_LABEL})?$",
        "maxLength": 63,
        GRAMMAR_KEY: f"empty or {NAME}, at most 63 characters)",
    },
    # The first part of derived object names (`<prefix>-<api>-internal`): 40 characters at most,
    # so that every name made from it stays within Kubernetes' 63.
    "name-prefix-or-empty": {
        "pattern": f"^({DNS_LABEL})?$",
        "maxLength": 40,
        GRAMMAR_KEY: f"empty or {NAME}, at most 40 characters, so that the names made from it fit)",
    },
    "dns-subdomain-or-empty": {
        "pattern": f"^({DNS_SUBDOMAIN})?$",
        "maxLength": 253,
        GRAMMAR_KEY: f"empty or {NAME}, dots between them, at most 253 characters)",
    },
    # A key of a Secret or ConfigMap.
    "secret-key": {
        "pattern": "^[-._a-zA-Z0-9]+$",
        "maxLength": 253,
        GRAMMAR_KEY: "a key of a Secret (letters, digits, '-', '_' and '.')",
    },
    "label-value": {
        "pattern": f"^{LABEL_VALUE}$",
        "maxLength": 63,
        GRAMMAR_KEY: "a label value (at most 63 letters, digits, '-', '_' and '.', starting and "
        "ending with a letter or digit)",
    },
    # A NetworkAttachmentDefinition: `name` or `namespace/name`.
    "network-attachment": {
        "pattern": f"^({DNS_LABEL}/)?[a-z0-9]([-.a-z0-9]*[a-z0-9])?$",
        "maxLength": 317,
        GRAMMAR_KEY: "a NetworkAttachmentDefinition, `name` or `namespace/name`",
    },
    # A size: a volume claim's request, a cache's size. A number too, as Kubernetes takes it
    # (`1e3` unquoted in YAML is one).
    "quantity": {
        "type": ["string", "number"],
        "pattern": f"^{QUANTITY}$",
        GRAMMAR_KEY: "a Kubernetes quantity (such as 10G, 1.5Gi, 500M or 1e9; k is lowercase)",
    },
    "quantity-or-empty": {
        "type": ["string", "number"],
        "pattern": f"^({QUANTITY})?$",
        GRAMMAR_KEY: "empty or a Kubernetes quantity (such as 10G, 1.5Gi, 500M or 1e9; k is "
        "lowercase)",
    },
    # A count Kubernetes keeps in 32 bits.
    "int32": {"maximum": 2147483647},
    # A list of user or group IDs, each as Kubernetes takes one: 0 to 2^31-1.
    "ids": {"items": {"type": "integer", "minimum": 0, "maximum": 2147483647}},
    # A count or a duration that may not be negative, or must be 1 at least.
    "non-negative": {"minimum": 0},
    "positive": {"minimum": 1},
    # A port number, or a port by number or IANA service name (as a container names its ports).
    "port": {"minimum": 1, "maximum": 65535},
    "port-or-name": {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": 65535},
            {
                "type": "string",
                "pattern": "^([0-9]+-)*[0-9]*[a-z][a-z0-9]*(-[a-z0-9]+)*$",
                "maxLength": 15,
            },
        ]
    },
    # A count kept in 64 bits, at most the largest float64 below 2^63: helm reads numbers as
    # float64, and a larger one turns negative in the chart's int64.
    "int64": {"maximum": 9223372036854774784},
    # An IP address, v4 or v6.
    "ip": {
        "pattern": "^([0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$",
        GRAMMAR_KEY: "an IP address",
    },
}


def apply_grammars(doc: Document, grammars: dict[str, str]) -> None:
    """Give the properties named by `grammars` Kubernetes' grammar for what they become."""
    found, problems = properties_at(doc, grammars)
    for path, prop in found.items():
        rule = grammars[path]
        if rule not in GRAMMARS:
            problems.append(
                Diagnostic("error", path, f"unknown rule {rule}: use one of {sorted(GRAMMARS)}")
            )
        else:
            prop.constraints.update(GRAMMARS[rule])
    if problems:
        raise InputError("kubernetes-types names values or rules that do not exist", problems)
