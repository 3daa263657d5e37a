"""Command line of chartgen; the only place errors become messages and exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from chartgen import assemble, convert, diagram, helmvalues, kubecheck, verdict
from chartgen.crd import load_yaml
from chartgen.errors import ChartgenError, InputError, ValidationFailed


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
@click.argument(
    "topologies", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--kubernetes/--no-kubernetes",
    default=True,
    show_default=True,
    help="Also run Kubernetes' validation on the render (bin/kcheck).",
)
@pod_security_option
@chart_option
def convert_command(
    resource: Path,
    topologies: tuple[Path, ...],
    output: Path | None,
    kubernetes: bool,
    pod_security: str,
    chart: Path,
) -> None:
    """Print chart values for a Glance RESOURCE (a whole resource or its spec), and every
    problem installing them would meet; exit 1 when there is one.

    Each TOPOLOGIES file holds the Topology resources its topologyRefs name (one or more
    documents, or a List, as `kubectl get topology -o yaml` prints them); their affinity and
    topologySpreadConstraints are written in the topologyRefs' place."""
    document = load_yaml(resource)
    target, judges = chart_and_judges(chart, kubernetes, pod_security, None)
    spec, warnings = convert.adapt(convert.spec_of(document, str(resource)), target.schema)
    given = [t for f in topologies for t in convert.topologies_in(read_text(f), str(f))]
    whole = convert.is_resource(document)
    metadata = (document.get("metadata") or {}) if whole else {}
    spec, inlined = convert.inline_topologies(
        spec, given, metadata.get("namespace"), str(resource), "spec." if whole else ""
    )
    for warning in warnings + inlined:
        click.echo(f"warning: {resource}: {warning}", err=True)
    header = (
        f"# Values for the Glance chart, from Glance {metadata.get('name') or resource.name}.\n"
    )
    text = header + convert.to_yaml(spec)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    namespace = metadata.get("namespace") or "default"
    report(target.judge_values(spec, namespace, judges), str(resource))


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
@click.option(
    "--kubernetes/--no-kubernetes",
    default=True,
    show_default=True,
    help="Also run Kubernetes' validation and Pod Security checks on the render.",
)
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
    report(target.judge(list(files), namespace, judges, api_versions), source)
    click.echo(f"{source}: valid")


def load_yaml_or_none(path: Path) -> Any:
    """A values file as PyYAML reads it, or None where Go's YAML must have the last word (the
    two readers differ on some plain scalars and syntax)."""
    try:
        return load_yaml(path)
    except InputError:
        return None
