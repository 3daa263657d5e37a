"""Fixtures of the generator tests: the values API built from the real schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chartgen.assemble import Sources, ValuesAPI, load_values_api
from chartgen.defaults import effective_default
from chartgen.model import NO_DEFAULT, Document
from tests.conftest import ROOT

CRDS = Path(__file__).parent / "crds"


@pytest.fixture(scope="session")
def sources() -> Sources:
    """The repository's generator inputs."""
    return Sources(ROOT)


@pytest.fixture(scope="session")
def values_api(sources: Sources) -> ValuesAPI:
    """The chart's values model and its Kubernetes definitions."""
    return load_values_api(sources)


def values_defaults(doc: Document) -> dict[str, Any]:
    """What values.yaml must hold, worked out apart from its writer: every top-level key that
    has a default, with the defaults of its keys filled in."""
    out = {}
    for prop in doc.properties():
        value = effective_default(prop)
        if value is not NO_DEFAULT and prop.has_default:
            out[prop.name] = value
    return out
