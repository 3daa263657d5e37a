"""Fixtures of the generator tests: the values API built from the real schemas."""

from __future__ import annotations

from pathlib import Path

import pytest

from chartgen.assemble import Sources, ValuesAPI, load_values_api
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
