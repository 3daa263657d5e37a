"""Assemble chart/ from the schemas, chart-src/, hooks/ and pod/."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartgen import aliases, kubernetes, metadata, rules
from chartgen.crd import load_crd_spec, load_openapi, load_yaml
from chartgen.defaults import render_defaults_helper
from chartgen.docs import inject_table, values_table
from chartgen.errors import CheckFailed
from chartgen.model import Document, build_document
from chartgen.render import render
from chartgen.schema import document_schema
from chartgen.values import render_values

GLANCE_SECTION = "Glance resource spec"
CHART_SECTION = "Chart"


@dataclass(frozen=True)
class Sources:
    """Where the generator reads from, relative to the repository root."""

    root: Path
    crd_file: Path | None = None

    @property
    def crd(self) -> Path:
        return self.crd_file or self.root / "schemas" / "glance.openstack.org_glances.yaml"

    @property
    def chart_values(self) -> Path:
        return self.root / "schemas" / "chart-values.yaml"

    @property
    def kubernetes_types(self) -> Path:
        return self.root / "schemas" / "kubernetes-types.yaml"

    @property
    def gateway_api(self) -> Path:
        return self.root / "schemas" / "gateway-api.yaml"

    @property
    def aliases(self) -> Path:
        return self.root / "schemas" / "aliases.yaml"

    @property
    def rules(self) -> Path:
        return self.root / "schemas" / "rules.yaml"

    @property
    def changelog(self) -> Path:
        return self.root / "CHANGELOG.md"

    @property
    def chart_src(self) -> Path:
        return self.root / "chart-src"

    @property
    def hooks(self) -> Path:
        return self.root / "hooks"

    @property
    def pod(self) -> Path:
        return self.root / "pod"


@dataclass
class ValuesAPI:
    """The values model with the Kubernetes definitions its values refer to and the keys it
    still reads under an older name."""

    document: Document
    definitions: dict[str, Any]
    aliases: list[aliases.Alias]

    def json_schema(self) -> dict[str, Any]:
        """The values.schema.json document."""
        return document_schema(self.document, self.definitions, title="Glance chart values")


def load_values_api(sources: Sources) -> ValuesAPI:
    """Read the schemas into one model and resolve its Kubernetes types."""
    doc = build_document(
        [
            (GLANCE_SECTION, load_crd_spec(sources.crd)),
            (CHART_SECTION, load_openapi(sources.chart_values)),
        ]
    )
    overlay = load_yaml(sources.kubernetes_types)
    all_definitions = {
        **kubernetes.load_definitions(overlay["kubernetesVersion"]),
        **load_yaml(sources.gateway_api)["definitions"],
    }
    types: dict[str, str] = overlay["types"]
    kubernetes.apply_types(doc, types, all_definitions)
    kubernetes.apply_grammars(doc, overlay.get("grammars", {}))
    used = kubernetes.closure(all_definitions, sorted(set(types.values())))
    kubernetes.restrict(used, overlay.get("fields", {}))
    kubernetes.give_grammars(used, overlay.get("definitions", {}))
    table = aliases.load(load_yaml(sources.aliases), doc, str(sources.aliases))
    aliases.mark(doc, table)
    rules.load(load_yaml(sources.rules), doc, str(sources.rules))
    return ValuesAPI(doc, kubernetes.deliverable(used), table)


def schema_text(api: ValuesAPI) -> str:
    """The text of values.schema.json."""
    return json.dumps(api.json_schema(), indent=2) + "\n"


def copy_tree(src: Path, dest: Path) -> None:
    """Copy a folder, skipping caches."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def write(path: Path, text: str) -> None:
    """Write a text file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build(sources: Sources, dest: Path) -> None:
    """Write the whole chart into an empty folder `dest`."""
    api = load_values_api(sources)
    meta = load_yaml(sources.chart_src / "metadata.yaml")
    copy_tree(sources.chart_src / "templates", dest / "templates")
    copy_tree(sources.chart_src / "tests", dest / "tests")
    shutil.copy2(sources.chart_src / ".helmignore", dest / ".helmignore")
    for folder, name in ((sources.hooks, "hooks"), (sources.pod, "pod")):
        for script in sorted(folder.glob("*.py")):
            write(dest / "files" / name / script.name, script.read_text(encoding="utf-8"))
    write(dest / "templates" / "_defaults.tpl", render_defaults_helper(api.document, api.aliases))
    write(
        dest / "Chart.yaml",
        render(
            "Chart.yaml.jinja",
            meta=meta,
            app_version=metadata.app_version(meta, api.document),
            images=metadata.images(api.document),
            changes=metadata.changes(sources.changelog, str(meta["version"])),
        ),
    )
    write(dest / "values.yaml", render_values(api.document))
    write(dest / "values.schema.json", schema_text(api))
    readme = (sources.chart_src / "README.md").read_text(encoding="utf-8")
    write(
        dest / "README.md", inject_table(readme, values_table(api.document), "chart-src/README.md")
    )


def build_into(sources: Sources, out: Path) -> None:
    """Regenerate `out` whole: build aside, then swap, so a failure leaves it untouched."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".chartgen-") as tmp:
        staged = Path(tmp) / "chart"
        staged.mkdir()
        build(sources, staged)
        old = Path(tmp) / "old"
        if out.exists():
            out.rename(old)
        staged.rename(out)


def files(folder: Path) -> dict[str, bytes]:
    """Every file below a folder, by relative path, caches excluded."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def differences(expected: Path, actual: Path) -> list[str]:
    """Relative paths that differ, are missing or are extra between two folders."""
    want, have = files(expected), files(actual)
    out = [f"{n} (missing)" for n in want.keys() - have.keys()]
    out += [f"{n} (not generated)" for n in have.keys() - want.keys()]
    out += [f"{n} (differs)" for n in want.keys() & have.keys() if want[n] != have[n]]
    return sorted(out)


def check(sources: Sources, out: Path) -> None:
    """Fail when `out` is not exactly what the sources generate."""
    with tempfile.TemporaryDirectory(prefix="chartgen-check-") as tmp:
        fresh = Path(tmp) / "chart"
        fresh.mkdir()
        build(sources, fresh)
        if not out.is_dir():
            raise CheckFailed(f"{out} does not exist; run `make chart`")
        diff = differences(fresh, out)
    if diff:
        raise CheckFailed(
            f"{out} is not what the sources generate; run `make chart`: " + ", ".join(diff)
        )
