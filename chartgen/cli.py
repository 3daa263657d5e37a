"""Command line of chartgen; the only place errors become messages and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from chartgen import (
    adoption_plan,
    adoption_steps,
    assemble,
    convert,
    dbaccount,
    diagram,
    helmvalues,
    inventory,
    kubeapi,
    kubecheck,
    verdict,
)
from chartgen.crd import load_yaml
from chartgen.errors import ChartgenError, Diagnostic, InputError, ValidationFailed


def fail(error: ChartgenError) -> None:
    """Print an error and its diagnostics to stderr and exit with its code."""
    click.echo(f"Error: {error}", err=True)
    for diagnostic in error.diagnostics:
        click.echo(f"  {diagnostic}", err=True)
    sys.exit(error.exit_code)


class Group(click.Group):
    """A click group that reports ChartgenError without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChartgenError as error:
            fail(error)


@click.group(cls=Group)
def main() -> None:
    """Generate and check the Glance Helm chart."""


@main.command("schema")
@click.argument("crd", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Repository root holding schemas/.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def schema_command(crd: Path | None, root: Path, output: Path | None) -> None:
    """Print the values.schema.json that `build` writes, for CRD (default: ROOT's Glance CRD)
    with ROOT's chart-only values and Kubernetes types."""
    api = assemble.load_values_api(assemble.Sources(root, crd_file=crd))
    text = assemble.schema_text(api)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command("build")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Repository root holding schemas/, chart-src/ and hooks/.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Chart folder to write; default: ROOT/chart.",
)
@click.option("--check", is_flag=True, help="Write nothing; fail if OUT differs from the sources.")
def build_command(root: Path, out: Path | None, check: bool) -> None:
    """Generate the chart from the schemas, chart-src/ and hooks/."""
    sources = assemble.Sources(root)
    target = out or root / "chart"
    if check:
        assemble.check(sources, target)
        click.echo(f"{target} is up to date")
    else:
        assemble.build_into(sources, target)
        click.echo(f"wrote {target}")


@main.command("diagrams")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Repository root holding README.md and examples/.",
)
@click.option("--check", is_flag=True, help="Write nothing; fail if README.md is not up to date.")
def diagrams_command(root: Path, check: bool) -> None:
    """Draw, in README.md, the objects a release of each layout creates (Mermaid), from renders
    of ROOT/chart by the pinned helm."""
    chart = root / "chart"
    helm = helmvalues.helm_binary(chart)
    if not helm:
        raise InputError("no helm found: run `make tools` (bin/helm) or put helm on PATH")
    changed = diagram.update(helm, chart, root, check)
    click.echo(f"{root / 'README.md'}: diagrams {'written' if changed else 'up to date'}")


chart_option = click.option(
    "--chart",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("chart"),
    show_default=True,
    help="The generated chart.",
)
namespace_option = click.option(
    "-n",
    "--namespace",
    default="default",
    show_default=True,
    help="The namespace the release goes to, as with helm.",
)
pod_security_option = click.option(
    "--pod-security",
    type=click.Choice(kubecheck.LEVELS),
    default="restricted",
    show_default=True,
    help="The Pod Security level the namespace enforces.",
)
kubernetes_option = click.option(
    "--kubernetes/--no-kubernetes",
    default=True,
    show_default=True,
    help="Also run Kubernetes' validation and Pod Security checks on the render (bin/kcheck).",
)
kubeconfig_option = click.option(
    "--kubeconfig",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Ask this cluster instead (a server-side dry run in NAMESPACE; nothing is stored).",
)


def chart_and_judges(
    chart: Path, kubernetes: bool, level: str, kubeconfig: Path | None
) -> tuple[verdict.Chart, verdict.Kubernetes | None]:
    """The chart with the pinned helm, and how to ask Kubernetes (None: not at all)."""
    helm = helmvalues.helm_binary(chart)
    if not helm:
        raise InputError("no helm found: run `make tools` (bin/helm) or put helm on PATH")
    if not kubernetes:
        return verdict.Chart(chart, helm), None
    kcheck = kubecheck.find_kcheck(chart)
    if not kcheck:
        raise InputError(
            "no kcheck found to run Kubernetes' validation: run `make kcheck`, or pass "
            "--no-kubernetes to check the chart's schema and rules alone"
        )
    return verdict.Chart(chart, helm), verdict.Kubernetes(kcheck, level, kubeconfig)


def report(result: verdict.Verdict, source: str) -> None:
    """Print what judged the values; raise ValidationFailed with every problem."""
    click.echo(f"{source}: judged by {', '.join(result.judged_by)}", err=True)
    if result.unjudged:
        click.echo(
            f"{source}: not judged by Kubernetes' own validation (kinds it does not define): "
            + ", ".join(result.unjudged),
            err=True,
        )
    if result.problems:
        raise ValidationFailed(f"{source}: {len(result.problems)} problem(s)", result.problems)


@main.command("convert")
@click.argument("resource", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("related", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the values to this file, only when they have no problem.",
)
@kubernetes_option
@pod_security_option
@chart_option
def convert_command(
    resource: Path,
    related: tuple[Path, ...],
    output: Path | None,
    kubernetes: bool,
    pod_security: str,
    chart: Path,
) -> None:
    """Print chart values for a Glance RESOURCE (a whole resource or its spec), and every
    problem installing them would meet; exit 1 when there is one.

    RELATED files hold the resources the Glance names (documents, or Lists, as `kubectl get
    -o yaml` prints them): the Topology resources of its topologyRefs, whose affinity and
    topologySpreadConstraints are written in their place, and its MariaDBAccount (with, if
    given, that account's Secret), whose user and password Secret the values then name."""
    document = load_yaml(resource)
    target, judges = chart_and_judges(chart, kubernetes, pod_security, None)
    whole = convert.is_resource(document)
    metadata = (document.get("metadata") or {}) if whole else {}
    namespace = metadata.get("namespace")
    spec, warnings = convert.adapt(convert.spec_of(document, str(resource)), target.schema)
    given = convert.Related.read([(read_text(f), str(f)) for f in related])
    spec, inlined = convert.inline_topologies(
        spec, given.topologies, namespace, str(resource), "spec." if whole else ""
    )
    spec, database = dbaccount.with_account(
        spec, given.accounts, given.secrets, namespace, str(resource), "uid" in metadata
    )
    for warning in warnings + inlined + database:
        click.echo(f"warning: {resource}: {warning}", err=True)
    header = (
        f"# Values for the Glance chart, from Glance {metadata.get('name') or resource.name}.\n"
    )
    text = header + convert.to_yaml(spec)
    if not output:
        click.echo(text, nl=False)
    report(target.judge_values(spec, namespace or "default", judges), str(resource))
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)


def read_text(path: Path) -> str:
    """The text of an input file, naming it in any error."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc


@main.command("validate")
@click.option(
    "-f",
    "--values",
    "files",
    multiple=True,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A values file; repeat to layer several, as with helm.",
)
@kubernetes_option
@click.option(
    "-a",
    "--api-versions",
    "api_versions",
    multiple=True,
    help="An API version the cluster serves beyond Kubernetes' own (a CRD's, such as "
    "gateway.networking.k8s.io/v1), as with helm template; repeat for several.",
)
@namespace_option
@pod_security_option
@kubeconfig_option
@chart_option
def validate_command(
    files: tuple[Path, ...],
    kubernetes: bool,
    api_versions: tuple[str, ...],
    namespace: str,
    pod_security: str,
    kubeconfig: Path | None,
    chart: Path,
) -> None:
    """Print every problem installing the chart with these values files would meet: the
    chart's schema, its rules, and Kubernetes' validation of what it renders."""
    for f in files:
        count = helmvalues.document_count(f)
        if count > 1:
            raise InputError(
                f"{f}: holds {count} YAML documents; Helm 4 and Helm 3 read such a file "
                "differently: keep one document per values file"
            )
        if convert.is_resource(load_yaml_or_none(f)):
            raise InputError(
                f"{f}: is a Kubernetes object, not values; "
                f"`chartgen convert {f}` prints the values of a Glance resource"
            )
    target, judges = chart_and_judges(chart, kubernetes, pod_security, kubeconfig)
    source = ", ".join(str(f) for f in files)
    report(target.judge(list(files), namespace, judges, api_versions=api_versions), source)
    click.echo(f"{source}: valid")


def load_yaml_or_none(path: Path) -> Any:
    """A values file as PyYAML reads it, or None where Go's YAML must have the last word (the
    two readers differ on some plain scalars and syntax)."""
    try:
        return load_yaml(path)
    except InputError:
        return None


@main.command("adopt")
@click.argument("glance")
@click.option("-n", "--namespace", required=True, help="The namespace of the Glance resource.")
@click.option("--release", help="Name of the release to install; default: the Glance's name.")
@click.option(
    "-f",
    "--values",
    "files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A values file layered over the converted values; repeat for several, as with helm.",
)
@click.option(
    "--unmount",
    multiple=True,
    metavar="CLAIM",
    help="A claim of images the release may stop mounting (its images stay on it).",
)
@click.option(
    "--operator",
    metavar="NAMESPACE/NAME",
    help="The glance-operator's Deployment (default: the one named"
    f" {adoption_steps.OPERATOR_DEPLOYMENT}); `none` when it no longer runs.",
)
@click.option("--apply", "apply_", is_flag=True, help="Carry the plan out; without it, print it.")
@click.option("--timeout", default=600, show_default=True, help="Seconds to wait for each step.")
@click.option("--helm", "helm_binary", help="The helm to install with (Helm 4, or Helm 3.17+).")
@click.option("--kubectl", default="kubectl", show_default=True, help="The kubectl to use.")
@click.option("--kubeconfig", help="The kubeconfig kubectl and helm use.")
@click.option("--context", help="The kubeconfig context kubectl and helm use.")
@kubernetes_option
@pod_security_option
@chart_option
def adopt_command(
    glance: str,
    namespace: str,
    release: str | None,
    files: tuple[Path, ...],
    unmount: tuple[str, ...],
    operator: str | None,
    apply_: bool,
    timeout: int,
    helm_binary: str | None,
    kubectl: str,
    kubeconfig: str | None,
    context: str | None,
    kubernetes: bool,
    pod_security: str,
    chart: Path,
) -> None:
    """Move the running glance-operator deployment of Glance GLANCE to a release of the chart.

    Prints the plan: the values to install, what happens to each object the operator made and
    to each pod; refuses (exit 1) when the release would drop something the deployment uses.
    With --apply it then stops the operator, hands the Keystone catalog over, installs with
    --take-ownership and removes the Glance resources. Safe to run again at any point."""
    target, judges = chart_and_judges(chart, kubernetes, pod_security, None)
    release = release or glance
    helm = helm_command(helm_binary or target.helm, kubeconfig, context)
    with kubeapi.connect(kubectl, kubeconfig, context) as api:
        recorded = adoption_steps.read_record(api, namespace, release)
        live = inventory.read(api, namespace, glance)
        if recorded is None and live is None:
            if release_exists(helm, release, namespace):
                click.echo(
                    f"No Glance {glance} in {namespace}; release {release} is there:"
                    " nothing to adopt."
                )
                return
            raise InputError(f"no Glance {glance} in namespace {namespace}")
        if recorded is None and release_exists(helm, release, namespace):
            raise InputError(
                f"release {release} already exists in {namespace}, and no adoption is under"
                " way: pick another name with --release"
            )
        inv = recorded or live
        assert inv is not None
        moved_on = recorded is not None and live is not None
        if moved_on and inventory.uid_of(live.glance) != inventory.uid_of(recorded.glance):
            raise InputError(
                f"Glance {glance} is not the one whose adoption is under way (ConfigMap"
                f" {adoption_steps.record_name(release)}): delete that ConfigMap to start over"
            )
        deployment = None if operator == "none" else adoption_steps.find_operator(api, operator)
        webhooks = adoption_steps.glance_webhooks(api, namespace)
        with tempfile.TemporaryDirectory(prefix="chartgen-adopt-") as tmp:
            plan = adoption_plan.make(
                inv, release, namespace, target, Path(tmp), list(files), judges, set(unmount)
            )
            if deployment is not None:
                plan.actions.insert(0, adoption_steps.operator_action(deployment))
            elif webhooks and operator != "none":
                plan.refusals.append(no_operator(webhooks))
            plan.actions[1:1] = [
                adoption_plan.Action("unregister", kind, f"{config}", f"webhook {hook}")
                for kind, config, hook in webhooks
            ]
            if recorded is not None:
                click.echo(
                    f"Resuming the adoption kept in ConfigMap"
                    f" {adoption_steps.record_name(release)}.\n"
                )
            click.echo(adoption_plan.describe(plan), nl=False)
            if plan.refusals:
                raise ValidationFailed(
                    f"the move is refused: {len(plan.refusals)} problem(s)", plan.refusals
                )
            if not apply_:
                click.echo("Nothing was changed: run again with --apply to carry it out.")
                return
            install = [*helm, "upgrade", "--install", release, str(target.path)]
            install += ["-n", namespace, "--take-ownership", "--wait", "--timeout", f"{timeout}s"]
            if helm_major(helm) >= 4:
                install.append("--force-conflicts")
            for f in plan.files:
                install += ["-f", str(f)]
            steps = adoption_steps.Steps(
                api, plan, helm, install, deployment, webhooks, timeout, click.echo
            )
            steps.run()


def helm_command(binary: str, kubeconfig: str | None, context: str | None) -> list[str]:
    """helm with the cluster's flags."""
    command = [binary]
    if kubeconfig:
        command.append(f"--kubeconfig={kubeconfig}")
    if context:
        command.append(f"--kube-context={context}")
    return command


def helm_major(helm: list[str]) -> int:
    """The major version of helm; Helm 3 older than 3.17 (no --take-ownership) is refused."""
    out = subprocess.run(
        [*helm, "version", "--template", "{{.Version}}"], capture_output=True, text=True
    )
    version = out.stdout.strip().lstrip("v").split(".")
    try:
        major, minor = int(version[0]), int(version[1])
    except (ValueError, IndexError):
        raise InputError(f"cannot tell the version of {helm[0]}: {out.stderr.strip()}") from None
    if (major, minor) < (3, 17):
        raise InputError(f"{helm[0]} is v{major}.{minor}: --take-ownership needs Helm 3.17+")
    return major


def release_exists(helm: list[str], release: str, namespace: str) -> bool:
    """Whether helm knows a release of that name in the namespace."""
    out = subprocess.run(
        [*helm, "status", release, "-n", namespace, "-o", "json"],
        capture_output=True,
        text=True,
    )
    return out.returncode == 0 and bool(json.loads(out.stdout or "{}"))


def no_operator(webhooks: list[tuple[str, str, str]]) -> Diagnostic:
    """The refusal when Glance webhooks are registered but no operator Deployment is found."""
    kind, config, hook = webhooks[0]
    return Diagnostic(
        "error",
        "",
        f"the glance-operator's webhooks are registered ({hook} of {kind} {config}) but no"
        f" Deployment {adoption_steps.OPERATOR_DEPLOYMENT} was found: name it with --operator"
        " NAMESPACE/NAME, or pass --operator none if it no longer runs",
    )
