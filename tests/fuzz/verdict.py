"""The verdict on one values document: what installing the chart with it would meet, as
`chartgen validate` gives it (chartgen/verdict.py: the schema, the chart's rules, and
Kubernetes' validation and Pod Security checks of the render).

Every document ends in exactly one class. Two are the chart's promise: it renders objects that
Kubernetes accepts and that run under the restricted Pod Security Standard, or it is refused
with every problem under a values path the document holds. The other three are failures of
the chart.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from chartgen import verdict
from chartgen.errors import Diagnostic, InputError
from chartgen.manifests import objects as manifest_objects
from chartgen.trace import parse_field, resolve
from tests import kcheck
from tests.conftest import CHART, HELM_RUNS
from tests.kcheck import NAMESPACE

PASSES = "renders and passes"
REFUSED_BY_KUBERNETES = "refused by Kubernetes under no values path"
DROPS_OR_FLOATS = "renders but drops workloads or writes 1e+06"
TEMPLATE_ERROR = "helm fails naming a template, not a field"
REFUSED = "refused naming a field"
CLASSES = (PASSES, REFUSED_BY_KUBERNETES, DROPS_OR_FLOATS, TEMPLATE_ERROR, REFUSED)
# The classes the chart promises; a document in any other class is a bug of the chart.
PROMISED = {PASSES, REFUSED}
# Short names of the classes, for test ids.
IDS = {
    PASSES: "passes",
    REFUSED_BY_KUBERNETES: "kubernetes-refuses",
    DROPS_OR_FLOATS: "drops-or-floats",
    TEMPLATE_ERROR: "template-error",
    REFUSED: "refused",
}

# Characters YAML does not take raw in a file (DEL, C1 controls, line and paragraph separators,
# non-characters); JSON escapes stand for them.
UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
# A number written in exponent form, as Go's %v prints a float64 like 1000000.
EXPONENT = re.compile(r"(?<![\w.+-])-?\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])")


@dataclass(frozen=True)
class Verdict:
    """One document's class, the evidence for it, and how long judging it took."""

    cls: str
    detail: str
    seconds: float


@cache
def chart(helm: Path) -> verdict.Chart:
    """The chart as one helm renders it, its schema compiled once."""
    return verdict.Chart(CHART, str(helm))


def _texts(objects: list[dict]) -> list[str]:
    """The text the objects carry in Secret and ConfigMap data, decoded; the chart's own
    programs (the scripts ConfigMaps) aside, whose text is not made from values."""
    out = []
    for obj in objects:
        if obj.get("kind") not in ("Secret", "ConfigMap"):
            continue
        if obj["metadata"]["name"].endswith("-scripts"):
            continue
        for key in ("data", "stringData"):
            for value in (obj.get(key) or {}).values():
                if key == "data" and obj["kind"] == "Secret":
                    try:
                        value = base64.b64decode(str(value)).decode("utf-8", "replace")
                    except binascii.Error:
                        continue
                out.append(str(value))
    return out


def _dropped(values: dict, objects: list[dict]) -> str:
    """What workload the render lacks: a StatefulSet per API named in glanceAPIs, one at least."""
    names = [o["metadata"]["name"] for o in objects if o.get("kind") == "StatefulSet"]
    if not names:
        return "no StatefulSet rendered"
    apis = values.get("glanceAPIs")
    for api in apis if isinstance(apis, dict) else {}:
        if not any(f"-{api}-" in name for name in names):
            return f"no StatefulSet for glanceAPIs.{api} (rendered: {', '.join(names)})"
    return ""


def judge_rendered(values: dict, values_text: str, manifest: str) -> tuple[str, str]:
    """Class and evidence of a manifest Kubernetes accepts."""
    try:
        objects = manifest_objects(manifest)
    except yaml.YAMLError as err:
        return REFUSED_BY_KUBERNETES, f"the manifest is not YAML: {err}"
    dropped = _dropped(values, objects)
    if dropped:
        return DROPS_OR_FLOATS, dropped
    if not EXPONENT.search(values_text):
        written = [o for o in objects if not o["metadata"]["name"].endswith("-scripts")]
        for text in [yaml.safe_dump_all(written), *_texts(objects)]:
            found = EXPONENT.search(text)
            if found:
                start = text.rfind("\n", 0, found.start()) + 1
                end = text.find("\n", found.end())
                return DROPS_OR_FLOATS, f"exponent number: {text[start:end].strip()[:200]}"
    return PASSES, ""


def named_in(values: dict, problem: Diagnostic) -> bool:
    """Whether a problem is named by a path the document holds (or encloses a key of)."""
    if not problem.path:
        return False
    parts = parse_field(problem.path.replace('["', "[").replace('"]', "]"))
    return any(resolve(values, parts[:depth])[0] for depth in range(len(parts), 0, -1))


def judge_refused(values: dict, result: verdict.Verdict) -> tuple[str, str]:
    """Class and evidence of a document refused: by name, or not."""
    detail = "\n".join(str(p) for p in result.problems)
    kubernetes = [p for p in result.problems if p.message.startswith("Kubernetes ")]
    if kubernetes:
        unnamed = [p for p in kubernetes if not named_in(values, p)]
        return (
            (REFUSED_BY_KUBERNETES, "\n".join(map(str, unnamed))) if unnamed else (REFUSED, detail)
        )
    if len(result.judged_by) == 2 and all(not p.path for p in result.problems):
        return TEMPLATE_ERROR, detail  # helm failed without the chart's rules naming a value
    return REFUSED, detail


def values_file(values: dict) -> str:
    """`values` as a YAML file: JSON, with what YAML may not hold raw written as escapes."""
    text = json.dumps(values, ensure_ascii=False, indent=1)
    # A file holds no lone surrogates: pairs join, the rest become U+FFFD as an editor writes.
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def judge(helm: Path, values: dict) -> Verdict:
    """The verdict of `chartgen validate -f <file>`, the document written to the file as a user
    would, for a release glance in namespace openstack."""
    text = values_file(values)
    HELM_RUNS["count"] += 1
    start = time.monotonic()
    # backendHostAccess asks for a namespace that lets the API pods run privileged.
    level = "privileged" if values.get("backendHostAccess") is True else "restricted"
    kubernetes = verdict.Kubernetes(str(kcheck.KCHECK), level)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        try:
            result = chart(helm).judge([Path(f.name)], NAMESPACE, kubernetes)
        except InputError as exc:  # helm cannot read the file
            return Verdict(TEMPLATE_ERROR, str(exc), time.monotonic() - start)
    if result.problems:
        cls, detail = judge_refused(values, result)
    else:
        cls, detail = judge_rendered(values, text, result.manifest)
    return Verdict(cls, detail, time.monotonic() - start)
