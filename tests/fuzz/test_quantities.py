"""Requests above limits: the chart refuses one exactly when the API server does.

Helm has no quantity type, so the chart compares amounts as digit strings
(chart/templates/_quantity.tpl); here hypothesis draws pairs of amounts in every form the chart's
quantity pattern takes (decimal and binary suffixes, exponents, fractions finer than the API
server keeps, numbers) and each example is one helm render of many APIs against one kcheck run
of as many Pods with the same requests and limits.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.chart.rendering import helm_template
from tests.fuzz.verdict import values_file
from tests.kcheck import KCHECK, NAMESPACE

PAIRS_PER_RENDER = 40
TEXT = st.from_regex(
    r"\A[+]?([0-9]{1,20}(\.[0-9]{0,12})?|\.[0-9]{1,12})"
    r"(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]{1,2})?\Z"
)
# Numbers as a values file holds them exactly: floats, and integers a float64 holds.
NUMBER = st.floats(min_value=0, allow_nan=False, allow_infinity=False) | st.integers(0, 2**53)
AMOUNT = TEXT | NUMBER
PAIR = st.tuples(st.sampled_from(["cpu", "memory"]), AMOUNT, AMOUNT)
# Amounts close to each other in different forms, where the API server's rounding up to a
# thousandth and its cap of binary amounts at 2^63-1 decide.
NEAR = [
    ("cpu", "1.0009", "1.0001"),
    ("cpu", "0.0005", "0.0001"),
    ("cpu", "0.5e-3", "1e-3"),
    ("cpu", "1001m", "1"),
    ("cpu", "1.0000000001", "1"),
    ("cpu", "1", "1000m"),
    ("memory", "1Ki", "1024"),
    ("memory", "1025", "1Ki"),
    ("memory", "1.5Gi", "1610612736"),
    ("memory", "1610612736.0001", "1.5Gi"),
    ("memory", "9223372036854775807", "8Ei"),
    ("memory", "9223372036854775808", "8Ei"),
    ("memory", "8.5Ei", "8Ei"),
    ("memory", "1e19", "8Ei"),
    ("memory", "1E", "1e18"),
    ("memory", "1.000000000000000001E", "1e18"),
]


def refused_by_kubernetes(pairs: list[tuple[str, Any, Any]]) -> set[int]:
    """The pairs whose request the API server refuses as above the limit, by index."""
    pods = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": f"p{i}"},
            "spec": {
                "containers": [
                    {
                        "name": "c",
                        "image": "x",
                        "resources": {"requests": {name: request}, "limits": {name: limit}},
                    }
                ]
            },
        }
        for i, (name, request, limit) in enumerate(pairs)
    ]
    checked = subprocess.run(
        [str(KCHECK), NAMESPACE],
        input="\n---\n".join(json.dumps(p) for p in pods),
        capture_output=True,
        text=True,
        check=True,
    )
    out = set()
    for line in checked.stdout.splitlines():
        result = json.loads(line)
        assert all("must be less than or equal to" in e for e in result["errors"]), result
        if result["errors"]:
            out.add(int(result["name"][1:]))
    return out


def refused_by_the_chart(helm: Path, tmp: Path, pairs: list[tuple[str, Any, Any]]) -> set[int]:
    """The pairs whose request the chart refuses as above the limit, by index."""
    apis = {
        f"p{i}": {"type": "single", "resources": {"requests": {n: r}, "limits": {n: lim}}}
        for i, (n, r, lim) in enumerate(pairs)
    }
    values = tmp / "values.yaml"
    values.write_text(values_file({"glanceAPIs": apis}))
    result = helm_template(helm, files=[values])
    found = re.findall(r"^  - glanceAPIs\.p(\d+)\.resources\.(.*)$", result.stderr, re.M)
    assert all(": the request " in line for _, line in found), result.stderr
    return {int(i) for i, _ in found}


@settings(
    max_examples=5,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(pairs=st.lists(PAIR, min_size=PAIRS_PER_RENDER, max_size=PAIRS_PER_RENDER))
def check_pairs(helm: Path, tmp: Path, pairs: list[tuple[str, Any, Any]]) -> None:
    """The chart and the API server refuse the same requests."""
    assert refused_by_the_chart(helm, tmp, pairs) == refused_by_kubernetes(pairs), pairs


def test_close_amounts_compare_as_the_api_server_compares_them(helm: Path, tmp_path: Path) -> None:
    refused = refused_by_kubernetes(NEAR)
    assert refused and len(refused) < len(NEAR)
    assert refused_by_the_chart(helm, tmp_path, NEAR) == refused


def test_requests_above_limits_are_refused_as_the_api_server_does(
    helm: Path, tmp_path: Path
) -> None:
    check_pairs(helm, tmp_path)
