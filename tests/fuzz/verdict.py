"""The verdict on one values document: what helm and the API server make of it.

Every document ends in exactly one class. Two are the chart's promise: it renders objects that
Kubernetes accepts and that run under the restricted Pod Security Standard, or helm refuses it
naming a values path. The other three are failures of the chart.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests import kcheck
from tests.conftest import CHART, HELM_RUNS, helm_env
from tests.kcheck import NAMESPACE
from tests.manifest import objects as manifest_objects

PASSES = "renders and passes"
REFUSED_BY_KUBERNETES = "renders objects Kubernetes refuses or PSS forbids"
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

# helm's schema errors, `- at '/glanceAPIs/x/replicas': got string, want integer`.
SCHEMA_LINE = re.compile(r"^- at '[^']*': \S")
# The chart's own rules: a line `values are not valid:`, then `  - <path>: <message>` lines.
RULE_LINE = re.compile(r"^  - [A-Za-z_][\w.\[\]/-]*(\.\S+)?: \S")
# Characters YAML does not take raw in a file (DEL, C1 controls, line and paragraph separators,
# non-characters); JSON escapes stand for them.
UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
# A number written in exponent form, as Go's %v prints a float64 like 1000000.
EXPONENT = re.compile(r"(?<![\w.+-])-?\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])")


@dataclass(frozen=True)
class Verdict:
    """One document's class, the evidence for it, and how long helm and kcheck took."""

    cls: str
    detail: str
    seconds: float


def refusal(stderr: str) -> bool:
    """Whether helm's error names values paths: schema lines or the chart's rule lines."""
    lines = stderr.splitlines()
    if any(SCHEMA_LINE.match(ln) for ln in lines):
        return True
    if "values are not valid:" in lines:
        rules = lines[lines.index("values are not valid:") + 1 :]
        return bool(rules) and RULE_LINE.match(rules[0]) is not None
    return False


def _texts(objects: list[dict]) -> list[str]:
    """The text the objects carry in Secret and ConfigMap data, decoded."""
    out = []
    for obj in objects:
        if obj.get("kind") not in ("Secret", "ConfigMap"):
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
    """Class and evidence of a manifest helm rendered."""
    try:
        objects = manifest_objects(manifest)
    except yaml.YAMLError as err:
        return REFUSED_BY_KUBERNETES, f"the manifest is not YAML: {err}"
    # backendHostAccess relaxes the restricted profile for the API pods, as documented.
    problems = kcheck.problems(manifest, relaxed_api_pods=values.get("backendHostAccess") is True)
    if problems:
        return REFUSED_BY_KUBERNETES, "\n".join(problems)
    dropped = _dropped(values, objects)
    if dropped:
        return DROPS_OR_FLOATS, dropped
    if not EXPONENT.search(values_text):
        for text in [manifest, *_texts(objects)]:
            found = EXPONENT.search(text)
            if found:
                start = text.rfind("\n", 0, found.start()) + 1
                end = text.find("\n", found.end())
                return DROPS_OR_FLOATS, f"exponent number: {text[start:end].strip()[:200]}"
    return PASSES, ""


def values_file(values: dict) -> str:
    """`values` as a YAML file: JSON, with what YAML may not hold raw written as escapes."""
    text = json.dumps(values, ensure_ascii=False, indent=1)
    # A file holds no lone surrogates: pairs join, the rest become U+FFFD as an editor writes.
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def judge(helm: Path, values: dict) -> Verdict:
    """Render `values` with `helm template glance chart --namespace openstack -f <file>`."""
    text = values_file(values)
    HELM_RUNS["count"] += 1
    start = time.monotonic()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        result = subprocess.run(
            [str(helm), "template", "glance", str(CHART), "--namespace", NAMESPACE, "-f", f.name],
            capture_output=True,
            text=True,
            env=helm_env(),
            check=False,
        )
    if result.returncode != 0:
        cls = REFUSED if refusal(result.stderr) else TEMPLATE_ERROR
        return Verdict(cls, result.stderr.strip(), time.monotonic() - start)
    cls, detail = judge_rendered(values, text, result.stdout)
    return Verdict(cls, detail, time.monotonic() - start)
