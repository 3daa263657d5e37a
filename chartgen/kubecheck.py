"""Kubernetes' own judgement of a render: bin/kcheck (the API server's create validation and the
Pod Security checks, k8s.io/kubernetes code built into the project's tools), or a cluster's
server-side dry run through it (`-kubeconfig`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from chartgen.errors import InputError

LEVELS = ("restricted", "baseline", "privileged")


@dataclass(frozen=True)
class Finding:
    """One thing Kubernetes refuses in a rendered object (or, `dropped`, silently removes)."""

    kind: str
    name: str
    message: str
    # The fields of the object it is about: one for a validation error, those a Pod Security
    # check reads for a forbidden pod template, none for the whole object.
    fields: tuple[str, ...] = ()
    dropped: bool = False
    # The Pod Security check that forbids a pod template.
    check: str = ""

    def subject(self) -> str:
        """The object, and the field when there is one."""
        where = f"{self.kind} {self.name}"
        return f"{where}, {self.fields[0]}" if len(self.fields) == 1 else where


def describe(findings: list[Finding]) -> str:
    """What Kubernetes says of one or more objects, the same thing of each."""
    verb = "drops a field of" if findings[0].dropped else "refuses"
    subjects = [f.subject() for f in findings]
    if len(subjects) > 3:
        subjects = [*subjects[:2], f"{len(subjects) - 2} more"]
    return f"Kubernetes {verb} {'; '.join(subjects)}: {findings[0].message}"


@dataclass
class Judgement:
    """What kcheck made of a manifest."""

    findings: list[Finding] = field(default_factory=list)
    # Kinds kcheck could not judge (a kind Kubernetes does not define, such as HTTPRoute).
    skipped: list[str] = field(default_factory=list)


def find_kcheck(chart: Path) -> str | None:
    """The repository's bin/kcheck if built, else kcheck on PATH, else None."""
    local = chart.resolve().parent / "bin" / "kcheck"
    return str(local) if local.is_file() else shutil.which("kcheck")


def judge(
    kcheck: str,
    manifest: str,
    namespace: str,
    level: str = "restricted",
    kubeconfig: Path | None = None,
) -> Judgement:
    """Every finding of kcheck on a manifest, for objects of `namespace` held to the Pod
    Security `level` (a cluster's dry run uses its namespace's own level)."""
    args = [kcheck, "-level", level]
    if kubeconfig is not None:
        args += ["-kubeconfig", str(kubeconfig)]
    result = subprocess.run(
        [*args, namespace], input=manifest, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise InputError(f"kcheck could not judge the render: {result.stderr.strip()}")
    out = Judgement()
    seen = set()
    for line in result.stdout.splitlines():
        record = json.loads(line)
        kind, name = record["kind"], record["name"]
        if (kind, name) in seen:
            message = "rendered twice: the API server refuses the second as AlreadyExists"
            out.findings.append(Finding(kind, name, message))
        seen.add((kind, name))
        if record.get("skipped"):
            out.skipped.append(f"{kind} {name}")
            continue
        for error in record["errors"]:
            fields = (error["field"],) if error.get("field") else ()
            out.findings.append(Finding(kind, name, error["message"], fields))
        for forbidden in record["forbidden"]:
            fields = tuple(forbidden.get("fields") or ())
            out.findings.append(
                Finding(kind, name, forbidden["message"], fields, check=forbidden["check"])
            )
        for warning in record["warnings"]:
            fields = (warning["field"],) if warning.get("field") else ()
            out.findings.append(Finding(kind, name, warning["message"], fields, dropped=True))
    return out
