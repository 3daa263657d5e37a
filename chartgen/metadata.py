"""Chart.yaml: the chart's metadata (chart-src/metadata.yaml) with what the other sources say.

appVersion comes from the series of the default Glance image, and the Artifact Hub annotations
from the values and the changelog: the images the defaults run (artifacthub.io/images) and the
changes of this version (artifacthub.io/changes, from its section of CHANGELOG.md, or from
[Unreleased] while it has none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartgen.errors import InputError
from chartgen.model import Document

IMAGE_SERIES = re.compile(r"podified-([a-z]+)-")
# The values naming the images the default values run: Artifact Hub's name for each.
IMAGES = {"containerImage": "glance-api", "hooks.clientImage": "openstackclient"}
# Keep a Changelog's headings and Artifact Hub's kinds of change.
KINDS = {
    "Added": "added",
    "Changed": "changed",
    "Deprecated": "deprecated",
    "Removed": "removed",
    "Fixed": "fixed",
    "Security": "security",
}


@dataclass(frozen=True)
class Change:
    """One entry of Artifact Hub's changes: its kind and its text, on one line."""

    kind: str
    description: str


def default_of(document: Document, path: str) -> str:
    """The default of a value the metadata needs; a missing one is an error of the schemas."""
    prop = document.find(path)
    if prop is None or not isinstance(prop.default, str) or not prop.default:
        raise InputError(f"schemas: {path} has no default image for Chart.yaml to name")
    return prop.default


def app_version(metadata: dict[str, Any], document: Document) -> str:
    """The Glance release shipped by the series named in the default image."""
    default = default_of(document, "containerImage")
    match = IMAGE_SERIES.search(default)
    releases = metadata.get("glanceReleases", {})
    if not match or match.group(1) not in releases:
        raise InputError(
            f"chart-src/metadata.yaml: no Glance release for the default image {default!r}; "
            "add its OpenStack series to glanceReleases"
        )
    return str(releases[match.group(1)])


def images(document: Document) -> list[dict[str, str]]:
    """artifacthub.io/images: the images of the default values."""
    return [{"name": name, "image": default_of(document, path)} for path, name in IMAGES.items()]


def changes(changelog: Path, version: str) -> list[Change]:
    """The entries of the changelog's section for `version`, or of [Unreleased] while there is
    none, each bullet on one line under the kind of its heading."""
    try:
        text = changelog.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{changelog}: cannot read: {exc}") from exc
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    by_title = {s.split("\n", 1)[0].strip(): s for s in sections}
    section = by_title.get(f"[{version}]") or by_title.get("[Unreleased]")
    if section is None:
        raise InputError(f"{changelog}: no section [{version}] nor [Unreleased]")
    out: list[Change] = []
    kind = ""
    bullet: list[str] = []

    def close() -> None:
        if kind and bullet:
            out.append(Change(kind, " ".join(bullet)))
        bullet.clear()

    for line in section.splitlines()[1:]:
        heading = re.match(r"^### (\w+)", line)
        if heading:
            close()
            if heading.group(1) not in KINDS:
                raise InputError(f"{changelog}: unknown heading {line!r}; use one of {list(KINDS)}")
            kind = KINDS[heading.group(1)]
        elif line.startswith("- "):
            close()
            bullet.append(line[2:].strip())
        elif bullet and line.startswith("  ") and line.strip():
            bullet.append(line.strip())
        else:
            close()
    close()
    return out
