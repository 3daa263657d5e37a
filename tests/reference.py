"""The glance-operator README of ../shared/reference, whose examples are acceptance cases."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

REFERENCE = ROOT.parent / "shared" / "reference" / "glance-operator-README.md"


def code_blocks() -> list[str]:
    """Every fenced block of the README."""
    if not REFERENCE.is_file():
        pytest.fail(f"{REFERENCE} is missing: the tests need ../shared beside the repository")
    return re.findall(r"```\n(.*?)```", REFERENCE.read_text(), re.S)


def glance_resources() -> list[str]:
    """The blocks holding a Glance resource, their `...` elisions removed."""
    return [
        "\n".join(ln for ln in b.splitlines() if ln.strip() != "...")
        for b in code_blocks()
        if "kind: Glance\n" in b
    ]
