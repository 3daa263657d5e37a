"""Figures of the chart: helm template time by number of APIs, and the stored release size.

Prints; asserts nothing. Run with `make bench`.
"""

from __future__ import annotations

import base64
import gzip
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
HELM = ROOT / "bin" / "helm"
CHART = ROOT / "chart"
RUNS = 5
SECRET_LIMIT = 1024 * 1024


def edge_values(count: int) -> dict:
    """One split API in the catalog and `count` edge APIs."""
    apis = {"central": {"type": "split"}}
    apis.update({f"edge{i:03d}": {"type": "edge"} for i in range(count)})
    return {"glanceAPIs": apis, "keystoneEndpoint": "central"}


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the pinned Helm 4, failing loudly."""
    return subprocess.run([str(HELM), *args], capture_output=True, text=True, check=True)


def template_seconds(values: Path) -> float:
    """Median wall time of `helm template` over RUNS runs."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        helm("template", "glance", str(CHART), "-f", str(values))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def stored_release_bytes(values: Path) -> int:
    """Size of the release as Helm's Secret driver stores it: base64 of gzipped JSON."""
    release = helm(
        "install", "glance", str(CHART), "-f", str(values), "--dry-run=client", "-o", "json"
    ).stdout
    return len(base64.b64encode(gzip.compress(release.encode())))


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        version = helm("version", "--short").stdout.strip()
        print(f"helm template, median of {RUNS} runs (helm {version})")
        for count in (1, 10, 100):
            path = Path(tmp) / f"edge-{count}.yaml"
            path.write_text(yaml.safe_dump(edge_values(count)))
            print(f"  {count:>3} edge APIs: {template_seconds(path):.3f} s")
        path = Path(tmp) / "edge-200.yaml"
        path.write_text(yaml.safe_dump(edge_values(200)))
        size = stored_release_bytes(path)
        verdict = "under" if size < SECRET_LIMIT else "OVER"
        share = f"{size / SECRET_LIMIT:.1%} of 1 MiB"
        print(f"release with 200 edge APIs, as stored: {size} bytes ({share}, {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
