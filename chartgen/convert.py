"""Turn a Glance resource (whole, or its bare spec) into chart values."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import yaml

from chartgen import dbaccount
from chartgen.aliases import SCHEMA_KEY, Alias
from chartgen.errors import Diagnostic, InputError

GROUP = "glance.openstack.org"
KIND = "Glance"
# What the operator's own samples set on an API that its CRD does not have: its API server
# drops it on the way in, and so does convert.
IGNORED_PER_API = ("preserveJobs",)
# Where the operator's defaulting webhook writes empty values on every Glance it admits: at the
# top level (its imageCache, when none is given) and on every API. Empty strings and mappings
# there mean "not set" to the operator and to the chart alike, so convert drops them; what the
# webhook writes that is not empty (apiTimeout, dbPurge, quotas at 0, the cache schedules of an
# API) means the same in the chart and is kept.
WEBHOOK_EMPTIES_TOP = ("imageCache",)
WEBHOOK_EMPTIES_PER_API = ("auth", "imageCache", "override", "resources", "storage", "tls")


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


def aliases_of(schema: dict[str, Any]) -> list[Alias]:
    """The keys the chart reads under an older name, as its schema states them."""
    return [
        Alias.from_schema(key, prop[SCHEMA_KEY])
        for key, prop in (schema.get("properties") or {}).items()
        if isinstance(prop, dict) and SCHEMA_KEY in prop
    ]


def given(value: Any) -> bool:
    """Whether a value says something: not null, not empty."""
    return value is not None and value != "" and value != {}


def move(spec: dict[str, Any], alias: Alias) -> tuple[dict[str, Any], str]:
    """`spec` with the older key of a rename at its new place (kept where it stood, when the
    new key is at the top level), and the warning that says so."""
    value = spec[alias.old]
    head, _, rest = alias.new.partition(".")
    where = f"deprecated since chart {alias.since}"
    current = spec.get(head)
    if rest and current is not None and not isinstance(current, dict):
        return spec, f"{alias.old} is {where}: kept, since {head} is not a mapping to move it into"
    if given((current or {}).get(rest) if rest else current):
        out = {k: v for k, v in spec.items() if k != alias.old}
        return out, f"dropped {alias.old} ({where}): {alias.new} is set and takes its place"
    moved = {**(current or {}), rest: value} if rest else value
    return renamed(spec, alias.old, head, moved), f"{alias.old} is {where}: moved to {alias.new}"


def emptied(value: Any, path: str) -> tuple[Any, list[str]]:
    """`value` without its empty strings and mappings (mappings left empty by that included),
    and the paths dropped, the outermost of each; None when nothing is left."""
    if value == "" or value == {}:
        return None, [path]
    if not isinstance(value, dict):
        return value, []
    out, dropped = {}, []
    for key, item in value.items():
        kept, gone = emptied(item, f"{path}.{key}")
        dropped += gone
        if kept is not None:
            out[key] = kept
    return (out, dropped) if out else (None, [path])


def drop_empties(holder: dict[str, Any], keys: tuple[str, ...], prefix: str) -> list[str]:
    """Drop, in place, the empty values under `keys` of `holder`; one warning per path."""
    warnings = []
    for key in keys:
        if key not in holder:
            continue
        kept, dropped = emptied(holder[key], prefix + key)
        if kept is None:
            del holder[key]
        else:
            holder[key] = kept
        warnings += [
            f"dropped {path}: empty, as the operator's defaulting webhook writes it; it sets"
            " nothing, in the operator as in the chart"
            for path in dropped
        ]
    return warnings


def adapt(spec: dict[str, Any], schema: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The spec as the chart takes it, and one warning per path changed or dropped.

    Drops what the operator ignores too (IGNORED_PER_API, and the empty values its webhook
    writes), moves each renamed key the chart's schema names (its aliases) to its new place,
    and says so of the older layout, which it keeps: moving it would rename its objects.
    """
    out = copy.deepcopy(spec)
    warnings = drop_empties(out, WEBHOOK_EMPTIES_TOP, "")
    for alias in aliases_of(schema):
        if not given(out.get(alias.old)):
            continue
        if alias.moves:
            out, warning = move(out, alias)
        else:
            warning = (
                f"{alias.old} is deprecated since chart {alias.since}: kept (the {alias.instance}"
                f" instance of a split API); `{alias.new}` with type split is the current form"
            )
        warnings.append(warning)
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
        warnings += drop_empties(api, WEBHOOK_EMPTIES_PER_API, f"glanceAPIs.{name}.")
    return out, warnings


TOPOLOGY_GROUP = "topology.openstack.org"
TOPOLOGY_KIND = "Topology"
# What the operator applies to the API pods from a Topology's spec, each with the type of its
# value (whose empty value, set on an API, keeps the top-level one from applying there).
TOPOLOGY_FIELDS: dict[str, type] = {"topologySpreadConstraints": list, "affinity": dict}
AFFINITY_FIELDS = ("nodeAffinity", "podAffinity", "podAntiAffinity")
# What a spread constraint without a labelSelector gets, as the operator gives it the labels of
# its pods: the API pods, those of each instance of each release and API counted apart.
DEFAULT_SPREAD_SELECTOR: dict[str, Any] = {
    "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "api"}},
    "matchLabelKeys": [
        "app.kubernetes.io/name",
        "app.kubernetes.io/instance",
        "glance.openstack.org/api",
        "glance.openstack.org/api-instance",
    ],
}


@dataclass(frozen=True, eq=False)
class Topology:
    """A Topology resource: the file it came from, its name and namespace, and its spec."""

    source: str
    name: str
    namespace: str | None
    spec: dict[str, Any]

    def label(self) -> str:
        """How messages name it."""
        return f"Topology {self.name!r} ({self.source})"


def topology_of(document: Any, source: str) -> Topology:
    """One Topology resource; another kind, or a spec the chart cannot take whole, is refused."""
    kind = document.get("kind") if isinstance(document, dict) else None
    api_version = str(document.get("apiVersion", "")) if isinstance(document, dict) else ""
    if kind != TOPOLOGY_KIND or api_version.split("/")[0] != TOPOLOGY_GROUP:
        raise InputError(
            f"{source}: holds a {kind!r} of {api_version!r}; expected kind {TOPOLOGY_KIND} of"
            f" {TOPOLOGY_GROUP}/v1beta1, as `kubectl get topology <name> -o yaml` prints it"
        )
    metadata = document.get("metadata") or {}
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        raise InputError(f"{source}: a Topology without metadata.name")
    where = f"{source}: Topology {name!r}"
    spec = document.get("spec") or {}
    if not isinstance(spec, dict):
        raise InputError(f"{where}: spec must be a mapping")
    spec = {k: v for k, v in spec.items() if v is not None}
    unknown = [f"spec.{k}" for k in spec if k not in TOPOLOGY_FIELDS]
    if unknown:
        raise InputError(
            f"{where}: the chart does not take {', '.join(unknown)}: it takes spec.affinity and"
            " spec.topologySpreadConstraints of a Topology; remove the rest"
        )
    for key, shape in TOPOLOGY_FIELDS.items():
        if key in spec and not isinstance(spec[key], shape):
            raise InputError(f"{where}: spec.{key} must be a {shape.__name__}")
    unknown = [f"spec.affinity.{k}" for k in spec.get("affinity", {}) if k not in AFFINITY_FIELDS]
    if unknown:
        raise InputError(
            f"{where}: the chart does not take {', '.join(unknown)}: an affinity holds"
            f" {', '.join(AFFINITY_FIELDS)}"
        )
    namespace = metadata.get("namespace")
    return Topology(source, name, str(namespace) if namespace else None, spec)


def documents_in(text: str, source: str) -> list[Any]:
    """The objects of a file: one or more documents, each an object or a List of them (what
    `kubectl get <kind> -o yaml` prints without a name)."""
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML: {exc}") from exc
    found: list[Any] = []
    for document in documents:
        listed = isinstance(document, dict) and str(document.get("kind", "")).endswith("List")
        found += (document.get("items") or []) if listed else [document]
    return found


@dataclass
class Related:
    """The resources a Glance names, given beside it: Topologies, its MariaDBAccount and
    that account's Secret (each Secret with the file it came from)."""

    topologies: list[Topology]
    accounts: list[dbaccount.Account]
    secrets: list[tuple[dict[str, Any], str]]

    @classmethod
    def read(cls, files: list[tuple[str, str]]) -> Related:
        """The resources of files given as (text, source); another kind is refused."""
        out = cls([], [], [])
        for text, source in files:
            documents = documents_in(text, source)
            if not documents:
                raise InputError(f"{source}: holds no resource")
            for document in documents:
                kind = document.get("kind") if isinstance(document, dict) else None
                if dbaccount.is_account(document):
                    out.accounts.append(dbaccount.account_of(document, source))
                elif kind == "Secret" and document.get("apiVersion") == "v1":
                    out.secrets.append((document, source))
                elif kind == TOPOLOGY_KIND:
                    out.topologies.append(topology_of(document, source))
                else:
                    raise InputError(
                        f"{source}: holds a {kind!r}; beside the Glance, convert takes the"
                        f" resources it names: {TOPOLOGY_KIND}, {dbaccount.KIND} and the"
                        " account's Secret"
                    )
        return out


def spliced(mapping: dict[str, Any], key: str, items: dict[str, Any]) -> dict[str, Any]:
    """`mapping` with `key` replaced, in its place, by `items`."""
    out: dict[str, Any] = {}
    for k, v in mapping.items():
        out.update(items if k == key else {k: v})
    return out


def named_by(
    topologies: list[Topology], ref: dict[str, Any], namespace: str | None
) -> list[Topology]:
    """The Topologies a topologyRef may name: in its own namespace when it sets one other than
    the Glance resource's (`namespace`), else in that one or in none."""
    own = ref.get("namespace") or None
    if own and own != namespace:
        return [t for t in topologies if t.name == ref["name"] and t.namespace == own]
    return [
        t
        for t in topologies
        if t.name == ref["name"] and (namespace is None or t.namespace in (None, namespace))
    ]


def with_selectors(at: str, constraints: list[Any]) -> tuple[list[Any], list[str]]:
    """Spread constraints with DEFAULT_SPREAD_SELECTOR on those without a labelSelector (their
    own matchLabelKeys kept), and a warning for each."""
    out, warnings = [], []
    for i, constraint in enumerate(constraints):
        if isinstance(constraint, dict) and "labelSelector" not in constraint:
            added = {k: v for k, v in DEFAULT_SPREAD_SELECTOR.items() if k not in constraint}
            constraint = {**constraint, **copy.deepcopy(added)}
            warnings.append(
                f"{at}[{i}]: no labelSelector, for which the operator took its pods' labels: set"
                " to the API pods (app.kubernetes.io/component: api), with matchLabelKeys"
                " counting each instance apart; the chart takes a constraint as written"
            )
        out.append(constraint)
    return out, warnings


def resolve_refs(
    places: list[tuple[str, dict[str, Any]]],
    topologies: list[Topology],
    namespace: str | None,
    source: str,
    field_prefix: str,
) -> dict[str, Topology]:
    """The Topology of each place (a path prefix and the mapping there) that has a topologyRef.

    Refused naming the field: a malformed topologyRef, one beside the keys it fills in, and
    (all at once) those whose Topology is not given, with the command that fetches it.
    """
    found: dict[str, Topology] = {}
    missing = []
    for at, holder in places:
        if "topologyRef" not in holder:
            continue
        path = f"{field_prefix}{at}topologyRef"
        ref = holder["topologyRef"]
        if not isinstance(ref, dict) or not isinstance(ref.get("name"), str) or not ref["name"]:
            raise InputError(f"{source}: {path}: expected {{name: <Topology>, namespace: ...}}")
        unknown = sorted(set(ref) - {"name", "namespace"})
        if unknown:
            raise InputError(f"{source}: {path}: unknown key(s) {', '.join(unknown)}")
        clash = [at + k for k in TOPOLOGY_FIELDS if k in holder]
        if clash:
            raise InputError(
                f"{source}: {path}: set beside {', '.join(clash)}, which it fills in: keep one"
            )
        matches = named_by(topologies, ref, namespace)
        ns = ref.get("namespace") or namespace or "<namespace>"
        if len(matches) > 1:
            raise InputError(
                f"{source}: {path}: Topology {ref['name']!r} is given in several namespaces: set"
                " its namespace in the topologyRef"
            )
        if matches:
            found[at] = matches[0]
            continue
        missing.append(
            Diagnostic(
                "error",
                path,
                f"no Topology {ref['name']!r} of namespace {ns} was given: `kubectl get topology"
                f" {ref['name']} -n {ns} -o yaml > topology.yaml`, then pass the file:"
                f" `chartgen convert {source} topology.yaml`",
            )
        )
    if missing:
        raise InputError(f"{source}: {len(missing)} topologyRef(s) name no given Topology", missing)
    return found


def inline_topologies(
    spec: dict[str, Any],
    topologies: list[Topology],
    namespace: str | None,
    source: str,
    field_prefix: str = "spec.",
) -> tuple[dict[str, Any], list[str]]:
    """The spec with each topologyRef (top level, per API) replaced by the affinity and
    topologySpreadConstraints of the Topology it names, and one warning per path changed.

    An API's topologyRef replaces the top-level one whole, as in the operator: what its Topology
    lacks and the top level sets, the API sets empty. `namespace` is the Glance resource's;
    errors name the resource's fields as `field_prefix` + their path in the spec.
    """
    names = [(t.name, t.namespace) for t in topologies]
    twice = sorted({n for n in names if names.count(n) > 1}, key=str)
    if twice:
        twice_name, twice_ns = twice[0]
        raise InputError(
            f"Topology {twice_name!r} of namespace {twice_ns or '(none)'} is given twice"
        )
    out = copy.deepcopy(spec)
    apis = out.get("glanceAPIs") if isinstance(out.get("glanceAPIs"), dict) else {}
    places: list[tuple[str, str | None, dict[str, Any]]] = [("", None, out)] + [
        (f"glanceAPIs.{name}.", name, api) for name, api in apis.items() if isinstance(api, dict)
    ]
    found = resolve_refs(
        [(at, h) for at, _, h in places], topologies, namespace, source, field_prefix
    )
    warnings = []
    for at, api, holder in places:
        topology = found.get(at)
        if topology is None:
            continue
        notes = []
        fields = copy.deepcopy(topology.spec)
        what = " and ".join(fields) or "nothing: it sets nothing"
        for key, shape in TOPOLOGY_FIELDS.items():
            if key not in fields and at and out.get(key):
                fields[key] = shape()
                notes.append(
                    f"{at}{key}: set empty: {topology.label()} has none, and an API's"
                    " topologyRef replaces the top-level one whole"
                )
        if "topologySpreadConstraints" in fields:
            fields["topologySpreadConstraints"], selected = with_selectors(
                f"{at}topologySpreadConstraints", fields["topologySpreadConstraints"]
            )
            notes += selected
        warnings += [f"{at}topologyRef: replaced by {what} of {topology.label()}", *notes]
        if api is not None:
            apis[api] = spliced(holder, "topologyRef", fields)
        else:
            out = spliced(out, "topologyRef", fields)
    unused = [t for t in topologies if t not in found.values()]
    warnings += [f"{t.label()} is named by no topologyRef: not used" for t in unused]
    return out, warnings
