"""Sizes follow Kubernetes' quantity grammar everywhere: the schema takes what the API server
takes, the resize hook reads the same sizes, and the configuration holds their exact bytes."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chartgen import kubecheck
from chartgen.kubernetes import QUANTITY
from tests import kcheck
from tests.chart.rendering import config_secrets, helm_template, render, render_text
from tests.conftest import CHART, ROOT, run_helm

ACCEPTED = ["10k", "1e3", "0.5Gi", "1.5G"]
REFUSED = ["10K", "+-1", "1 Gi"]
MAX_BYTES = 2**63 - 1
# Strings over the characters a quantity is made of: most are not quantities.
TEXT = st.text(alphabet="0123456789.+-eEinumkKMGTP ", min_size=1, max_size=8)
SAMPLES = st.lists(TEXT | st.sampled_from(ACCEPTED + REFUSED), min_size=50, max_size=50)


def resize_hook() -> ModuleType:
    """hooks/statefulset_resize.py, imported with the modules mounted beside it."""
    hooks = str(ROOT / "hooks")
    if hooks not in sys.path:
        sys.path.insert(0, hooks)
    spec = importlib.util.spec_from_file_location(
        "statefulset_resize", f"{hooks}/statefulset_resize.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


HOOK = resize_hook()


def schema_takes(text: str) -> bool:
    """Whether the chart's schema takes a size."""
    return re.fullmatch(QUANTITY, text) is not None


def bytes_of(text: str) -> int:
    """What the configuration must hold for a size: its bytes rounded up, within 0..2^63-1."""
    return min(MAX_BYTES, max(0, math.ceil(HOOK.quantity_bytes(text))))


def kubernetes_takes(texts: list[str]) -> list[bool]:
    """Whether the API server takes each text as a quantity (a Pod's memory request)."""
    kcheck.require()
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"p{i}"},
            "spec": {
                "containers": [
                    {"name": "c", "image": "x", "resources": {"requests": {"memory": text}}}
                ]
            },
        }
        for i, text in enumerate(texts)
    ]
    manifest = "---\n".join(yaml.safe_dump(p) for p in pods)
    judged = kubecheck.judge(str(kcheck.KCHECK), manifest, kcheck.NAMESPACE, "privileged")
    # A text that is not a quantity fails the decoding of the whole Pod.
    unparsed = {f.name for f in judged.findings if f.message.startswith("decode: ")}
    return [f"p{i}" not in unparsed for i in range(len(texts))]


@settings(
    max_examples=4,
    derandomize=True,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(SAMPLES)
def test_the_schema_and_the_hook_take_what_kubernetes_takes(texts: list[str]) -> None:
    """Kubernetes also reads a number without digits (`k`, `.`) as 0, which no size is."""
    with_digits = [t for t in texts if re.search(r"[0-9]", t.split("e")[0].split("E")[0])]
    for text, takes in zip(with_digits, kubernetes_takes(with_digits), strict=True):
        assert schema_takes(text) is takes, text
        assert (HOOK.QUANTITY.match(text) is not None) is takes, text


@pytest.mark.parametrize("size", ACCEPTED)
def test_a_size_kubernetes_takes_is_taken_everywhere(helm: Path, size: str) -> None:
    values = {"storage": {"storageRequest": size}, "imageCache": {"size": size}}
    result = helm_template(helm, values)
    assert result.returncode == 0, result.stderr
    assert kcheck.problems(render_text(helm, values)) == []
    [conf] = [s["00-config.conf"] for s in config_secrets(render(helm, values)).values()]
    assert f"image_cache_max_size = {bytes_of(size)}\n" in conf


@pytest.mark.parametrize("size", REFUSED)
def test_a_size_kubernetes_refuses_is_refused_by_name(helm: Path, size: str) -> None:
    result = helm_template(helm, {"storage": {"storageRequest": size}})
    assert result.returncode != 0
    assert "at '/storage/storageRequest'" in result.stderr


def test_the_cache_size_is_written_in_exact_bytes() -> None:
    values = {"imageCache": {"size": "1.5G"}}
    [conf] = [
        s["00-config.conf"]
        for s in config_secrets(render(CHART.parent / "bin" / "helm", values)).values()
    ]
    assert "image_cache_max_size = 1500000000\n" in conf


@pytest.mark.parametrize(
    "values",
    [
        {"storage": {"storageRequest": 1000000}, "imageCache": {"size": 2000000}},
        {
            "storageRequest": 1000000,
            "imageCache": {"size": 2000000},
            "glanceAPIInternal": {"replicas": 1},
            "glanceAPIExternal": {"replicas": 1},
        },
    ],
    ids=["storage", "older-layout"],
)
def test_a_size_given_as_a_number_is_written_in_digits(helm: Path, values: dict) -> None:
    """Helm reads 1000000 as a float, which Go writes 1e+06: the claims ask for the digits the
    user wrote, and the configuration holds the same bytes."""
    objects = render(helm, values)
    requests = {
        t["spec"]["resources"]["requests"]["storage"]
        for o in objects
        if o["kind"] == "StatefulSet"
        for t in o["spec"].get("volumeClaimTemplates") or []
    }
    assert requests == {"1000000", "2000000"}
    for conf in config_secrets(objects).values():
        assert "image_cache_max_size = 2000000\n" in conf["00-config.conf"]


@settings(
    max_examples=2,
    derandomize=True,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(st.lists(st.from_regex(f"\\A{QUANTITY}\\Z"), min_size=100, max_size=100))
def test_the_configuration_holds_the_bytes_the_hook_reads(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[str]
) -> None:
    """Every size the schema takes, through the chart's own byte count (a scratch chart with
    its helper), against the exact count of the hook: rounded up, capped at 2^63-1."""
    chart = tmp_path_factory.mktemp("bytes")
    (chart / "templates").mkdir()
    shutil.copy(CHART / "templates" / "_config.tpl", chart / "templates")
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: bytes\nversion: 0.0.0\n")
    (chart / "templates" / "bytes.yaml").write_text(
        'bytes: {{ range .Values.sizes }}{{ include "glance.config.bytes" . }} {{ end }}\n'
    )
    values = chart / "values.json"
    values.write_text(json.dumps({"sizes": sizes}))
    result = run_helm(CHART.parent / "bin" / "helm", "template", "b", str(chart), "-f", str(values))
    assert result.returncode == 0, result.stderr
    written = yaml.safe_load(result.stdout.split("---", 1)[1])["bytes"].split()
    assert [int(w) for w in written] == [bytes_of(s) for s in sizes]
