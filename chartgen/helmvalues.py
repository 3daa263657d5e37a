"""Read values files the way Helm reads them: through helm itself.

Go's YAML reader and PyYAML disagree on plain scalars (`y`, `1e3`, `0o74`, dates) and on some
syntax (a tab after a colon), so `chartgen validate` lets the pinned helm read and merge the
files, as `helm install` will, and checks what it got. Without helm it falls back to PyYAML.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from chartgen.errors import InputError

# The one template of the scratch chart: the merged values, as helm sees them, in base64 so
# that no character they hold (DEL, C1 controls) can make helm's check of its own output fail.
READER = "values: {{ toJson .Values | b64enc }}\n"


def helm_binary(chart: Path) -> str | None:
    """The repository's pinned helm if built, else helm on PATH, else None."""
    local = chart.resolve().parent / "bin" / "helm"
    return str(local) if local.is_file() else shutil.which("helm")


def document_count(path: Path) -> int:
    """How many YAML documents a file holds (an empty file holds none)."""
    try:
        return sum(1 for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc)
    except (yaml.YAMLError, RecursionError):
        return 1  # the readers report the error itself


def read_with_helm(
    helm: str, chart: Path, files: tuple[Path, ...], defaults: bool = True
) -> dict[str, Any]:
    """The files read and merged by helm, over the chart's defaults unless told otherwise."""
    with tempfile.TemporaryDirectory(prefix="chartgen-values-") as tmp:
        scratch = Path(tmp) / "reader"
        (scratch / "templates").mkdir(parents=True)
        (scratch / "Chart.yaml").write_text("apiVersion: v2\nname: reader\nversion: 0.0.0\n")
        if defaults:
            shutil.copy2(chart / "values.yaml", scratch / "values.yaml")
        (scratch / "templates" / "values.json").write_text(READER)
        args = [helm, "template", "reader", str(scratch)]
        for f in files:
            args += ["-f", str(f)]
        result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
        raise InputError(f"helm cannot read the values: {lines[-1] if lines else 'no output'}")
    encoded = result.stdout.rsplit("values: ", 1)[-1].strip()
    return json.loads(base64.b64decode(encoded))
