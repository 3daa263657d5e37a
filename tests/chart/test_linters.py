"""The linters platform teams run on a chart, with the project's recorded exceptions.

kube-score (bin/kube-score, pinned in tools/kube-score) scores the default render and the render
of every example with its default checks; a finding whose check lint/kube-score-ignored.yaml
does not list, with its reason, fails. chart-testing's own checks of a chart (lint/chart-testing:
its Chart.yaml schema, read by yamale, and its yamllint rules) run on Chart.yaml, values.yaml and
the examples, as `ct lint` runs them. Every example names the chart's schema for editors.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yamale
import yaml
from yamllint import linter
from yamllint.config import YamlLintConfig

from tests.chart.rendering import helm_template
from tests.conftest import CHART, HELMS, ROOT

KUBE_SCORE = ROOT / "bin" / "kube-score"
IGNORED = ROOT / "lint" / "kube-score-ignored.yaml"
CHART_TESTING = ROOT / "lint" / "chart-testing"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
RENDERS = [None, *EXAMPLES]
# The Kubernetes version kube-score judges apiVersions against (vMAJOR.MINOR): the one of the
# values schema.
KUBERNETES = ".".join(
    yaml.safe_load((ROOT / "schemas" / "kubernetes-types.yaml").read_text())[
        "kubernetesVersion"
    ].split(".")[:2]
)
ENTRY = re.compile(r"^([a-z0-9-]+)(?: \((.+)\))?$")
# yamllint reads its ignore patterns with pathspec's deprecated gitwildmatch.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pathspec")


def name_of(values: Path | None) -> str:
    """How the ignore list and the messages name a render: its values file, or defaults."""
    return str(values.relative_to(ROOT)) if values else "defaults"


def ignored() -> dict[tuple[str, str | None], str]:
    """(check, values file or None for every render) -> reason."""
    out = {}
    for entry, reason in yaml.safe_load(IGNORED.read_text()).items():
        match = ENTRY.match(entry)
        assert match, f"{IGNORED.name}: {entry!r} is not `<check>` or `<check> (<values file>)`"
        assert isinstance(reason, str) and reason.strip(), f"{entry}: give the reason"
        out[(match.group(1), match.group(2))] = reason
    return out


@cache
def findings(values: Path | None) -> list[tuple[str, str, str]]:
    """kube-score's findings on a render: (check, object, what it says), one per comment."""
    if not KUBE_SCORE.is_file():
        pytest.fail(f"{KUBE_SCORE} is missing: run `make kube-score`", pytrace=False)
    render = helm_template(HELMS["helm4"], files=[values] if values else [])
    assert render.returncode == 0, render.stderr
    result = subprocess.run(
        [str(KUBE_SCORE), "score", "-", "-o", "json", f"--kubernetes-version=v{KUBERNETES}"],
        input=render.stdout,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout, result.stderr  # it exits 1 when it has findings
    out = []
    for scored in json.loads(result.stdout):
        target = f"{scored['type_meta']['kind']}/{scored['object_meta']['name']}"
        for check in scored["checks"]:
            if check["skipped"] or check["grade"] >= 10:
                continue
            for comment in check["comments"] or [{"summary": check["check"]["name"]}]:
                said = ": ".join(x for x in (comment.get("path"), comment["summary"]) if x)
                out.append((check["check"]["id"], target, said))
    return out


@pytest.mark.parametrize("values", RENDERS, ids=[name_of(v) for v in RENDERS])
def test_kube_score_finds_only_what_is_recorded(values: Path | None) -> None:
    allowed = ignored()
    new = [
        f"{check}: {target}: {said}"
        for check, target, said in findings(values)
        if (check, None) not in allowed and (check, name_of(values)) not in allowed
    ]
    assert new == [], f"kube-score on {name_of(values)} (fix, or record in {IGNORED.name}):"


def test_every_recorded_check_is_still_needed() -> None:
    """An entry no render needs any more is removed, so the list says what is true."""
    found = {(check, name_of(v)) for v in RENDERS for check, *_ in findings(v)}
    stale = [
        f"{check}" + (f" ({where})" if where else "")
        for check, where in ignored()
        if not any(c == check and (where is None or w == where) for c, w in found)
    ]
    assert stale == []


def test_chart_yaml_meets_chart_testings_schema() -> None:
    schema = yamale.make_schema(str(CHART_TESTING / "chart_schema.yaml"))
    data = yamale.make_data(str(CHART / "Chart.yaml"))
    yamale.validate(schema, data, strict=True)


@pytest.mark.parametrize(
    "path",
    [CHART / "Chart.yaml", CHART / "values.yaml", *EXAMPLES],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_yaml_meets_chart_testings_yamllint_rules(path: Path) -> None:
    config = YamlLintConfig(file=str(CHART_TESTING / "lintconf.yaml"))
    problems = [
        f"{p.line}:{p.column}: {p.level}: {p.message} ({p.rule})"
        for p in linter.run(path.read_text(), config, str(path))
    ]
    assert problems == []


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_names_the_values_schema_for_editors(example: Path) -> None:
    """yaml-language-server (VS Code's YAML extension and others) reads the first line."""
    first = example.read_text().splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, f"{example.name} starts with {first!r}"
    assert (example.parent / match.group(1)).resolve() == CHART / "values.schema.json"
