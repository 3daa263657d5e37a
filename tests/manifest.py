"""Rendered manifests read back: a render of the chart is tens of thousands of lines, so they
are parsed with libyaml, which PyYAML wheels carry (the pure-Python parser costs ten times
the CPU)."""

from __future__ import annotations

from typing import Any

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def objects(text: str) -> list[dict[str, Any]]:
    """The documents of a YAML stream that are not empty, in order."""
    return [doc for doc in yaml.load_all(text, Loader=LOADER) if doc]
