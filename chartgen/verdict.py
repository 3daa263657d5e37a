"""The one verdict on values: what installing the chart with them would meet, each problem under
the values path that caused it.

Three judges, each with rules of its own and no rule twice: the chart's schema (shapes,
Kubernetes' grammars, the rules between values JSON Schema states), the chart's templates
(Glance's and the operator's rules that need what the chart computes), and Kubernetes' own
validation and Pod Security checks of the objects they render (bin/kcheck, or a cluster's
server-side dry run). helm applies the first two on every install; the third is what the API
server and the namespace's Pod Security admission would then say.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chartgen import helmvalues, kubecheck, manifests, refusal
from chartgen.errors import Diagnostic
from chartgen.trace import Tracer
from chartgen.validate import validate

RELEASE = "glance"


@dataclass
class Verdict:
    """Every problem found, what judged the values, and the render when there was one."""

    problems: list[Diagnostic] = field(default_factory=list)
    judged_by: list[str] = field(default_factory=list)
    manifest: str = ""
    # Kinds Kubernetes' validation here could not judge (no such kind in Kubernetes itself).
    unjudged: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Kubernetes:
    """How to ask Kubernetes: kcheck, the Pod Security level, and a cluster if given."""

    kcheck: str
    level: str = "restricted"
    kubeconfig: Path | None = None

    def label(self) -> str:
        """Which judge this is, for the user."""
        if self.kubeconfig is not None:
            return f"the cluster of {self.kubeconfig} (server-side dry run, its Pod Security level)"
        return f"Kubernetes' validation and Pod Security {self.level!r} ({self.kcheck})"


class Chart:
    """A generated chart: its defaults, its compiled schema, and helm to render it."""

    def __init__(self, path: Path, helm: str) -> None:
        self.path = path
        self.helm = helm
        self.schema: dict[str, Any] = json.loads(
            (path / "values.schema.json").read_text(encoding="utf-8")
        )

    def schema_problems(self, values: dict[str, Any]) -> list[Diagnostic]:
        """Every problem the schema finds in merged values, ordered by path."""
        return validate(values, self.schema)

    def render(
        self,
        files: list[Path],
        namespace: str,
        release: str = RELEASE,
        api_versions: tuple[str, ...] = (),
    ) -> subprocess.CompletedProcess[str]:
        """`helm template RELEASE <chart> --namespace NAMESPACE -f FILES`, the cluster serving
        API_VERSIONS beside Kubernetes' own (`--api-versions`, as `helm install` learns them
        from the cluster)."""
        args = [self.helm, "template", release, str(self.path), "--namespace", namespace]
        args += [f"--api-versions={v}" for v in api_versions]
        for f in files:
            args += ["-f", str(f)]
        return subprocess.run(args, capture_output=True, text=True, check=False)

    def read(self, files: list[Path]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The values of `files` as helm reads them: alone, and over the chart's defaults (a
        null deletes a default, and stays where there is none)."""
        given = helmvalues.read_with_helm(self.helm, self.path, tuple(files), defaults=False)
        merged = helmvalues.read_with_helm(self.helm, self.path, tuple(files))
        return given, merged

    def judge(
        self,
        files: list[Path],
        namespace: str = "default",
        kubernetes: Kubernetes | None = None,
        release: str = RELEASE,
        api_versions: tuple[str, ...] = (),
    ) -> Verdict:
        """The verdict on the values of `files`, for a release of that name (on a cluster that
        also serves API_VERSIONS)."""
        verdict = Verdict(judged_by=["the chart's schema"])
        given, merged = self.read(files)
        verdict.problems = self.schema_problems(merged)
        if verdict.problems:
            return verdict  # helm stops here too: the templates never see these values
        verdict.judged_by.append("the chart's rules")
        rendered = self.render(files, namespace, release, api_versions)
        if rendered.returncode != 0:
            named = refusal.chart_rules(rendered.stderr)
            lines = [ln for ln in rendered.stderr.strip().splitlines() if ln.strip()]
            verdict.problems = named or [
                Diagnostic(
                    "error", "", (lines[-1] if lines else "helm failed").removeprefix("Error: ")
                )
            ]
            return verdict
        verdict.manifest = rendered.stdout
        if kubernetes is None:
            return verdict
        verdict.judged_by.append(kubernetes.label())
        judgement = kubecheck.judge(
            kubernetes.kcheck, rendered.stdout, namespace, kubernetes.level, kubernetes.kubeconfig
        )
        verdict.unjudged = judgement.skipped
        objects = {
            (o.get("kind"), (o.get("metadata") or {}).get("name")): o
            for o in manifests.objects(rendered.stdout)
        }
        tracer = Tracer(merged, given)
        # The same value often breaks a rule in several objects (a pod security context, in
        # every pod): one problem per value path and rule, naming the objects.
        grouped: dict[tuple[str, str, bool], list[kubecheck.Finding]] = {}
        for finding in judgement.findings:
            obj = objects.get((finding.kind, finding.name), {})
            path = tracer.locate(obj, list(finding.fields)) if finding.fields else None
            rule = finding.check or finding.message
            grouped.setdefault((path or "", rule, finding.dropped), []).append(finding)
        # Sorted: Kubernetes reports a map's problems in no fixed order.
        found = [Diagnostic("error", p, kubecheck.describe(f)) for (p, _, _), f in grouped.items()]
        verdict.problems = sorted(found, key=lambda d: (d.path, d.message))
        return verdict

    def judge_values(
        self,
        values: dict[str, Any],
        namespace: str = "default",
        kubernetes: Kubernetes | None = None,
    ) -> Verdict:
        """The verdict on a values document, written to a file as JSON for helm to read."""
        with tempfile.TemporaryDirectory(prefix="chartgen-verdict-") as tmp:
            path = Path(tmp) / "values.yaml"
            path.write_text(json.dumps(values), encoding="utf-8")
            return self.judge([path], namespace, kubernetes)
