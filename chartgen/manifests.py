"""Rendered manifests read back: a render of the chart is tens of thousands of lines, so they
are parsed with libyaml, which PyYAML wheels carry (the pure-Python parser costs ten times
the CPU)."""

from __future__ import annotations

from typing import Any

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def objects(text: str) -> list[dict[str, Any]]:
    """The objects of a YAML stream, in order: its documents that are maps."""
    return [doc for doc in yaml.load_all(text, Loader=LOADER) if isinstance(doc, dict)]
