"""The glance-operator README's examples, kept as fixtures in tests/data/reference.

Each file says where in that README its spec comes from. The additional networks example keeps
the README's `networkAttachents` typo: it is the refusal case, and `fixed` spells it right.
"""

from __future__ import annotations

from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data" / "reference"
TYPO = "networkAttachents"
# Scenario name -> fixture file.
FILES = {
    "ceph": "ceph.yaml",
    "debug": "debug.yaml",
    "metallb": "metallb.yaml",
    "networks": "extra-networks-typo.yaml",
}


def text(name: str) -> str:
    """The fixture of one scenario, as written (comments included)."""
    return (DATA / FILES[name]).read_text()


def fixed(name: str) -> str:
    """The fixture of one scenario with the README's typo spelled right."""
    return text(name).replace(TYPO, "networkAttachments")


def values(name: str, typo_fixed: bool = True) -> str:
    """The scenario as values text: the spec of a Glance resource, or the bare fragment."""
    document = yaml.safe_load(fixed(name) if typo_fixed else text(name))
    spec = document["spec"] if document.get("kind") == "Glance" else document
    return yaml.safe_dump(spec)


def resources() -> list[str]:
    """The scenarios that are whole Glance resources, typo fixed."""
    return [fixed(name) for name in sorted(FILES) if "kind: Glance\n" in text(name)]
