"""Command line of chartgen; the only place errors become messages and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from chartgen import assemble, convert, helmvalues, validate
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


def load_chart(chart: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The defaults and the schema of a generated chart."""
    defaults = load_yaml(chart / "values.yaml") or {}
    schema = json.loads((chart / "values.schema.json").read_text(encoding="utf-8"))
    return defaults, schema


def check_values(chart: Path, layers: list[dict[str, Any]], source: str) -> None:
    """Raise ValidationFailed listing every schema problem of the merged values."""
    defaults, schema = load_chart(chart)
    problems = validate.validate(validate.merge_all(defaults, layers), schema)
    if problems:
        raise ValidationFailed(f"{source}: {len(problems)} problem(s)", problems)


chart_option = click.option(
    "--chart",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("chart"),
    show_default=True,
    help="The generated chart.",
)


@main.command("convert")
@click.argument("resource", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument(
    "topologies", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@chart_option
def convert_command(
    resource: Path, topologies: tuple[Path, ...], output: Path | None, chart: Path
) -> None:
    """Print chart values for a Glance RESOURCE (a whole resource or its spec).

    Each TOPOLOGIES file holds the Topology resources its topologyRefs name (one or more
    documents, or a List, as `kubectl get topology -o yaml` prints them); their affinity and
    topologySpreadConstraints are written in the topologyRefs' place."""
    document = load_yaml(resource)
    spec, warnings = convert.adapt(convert.spec_of(document, str(resource)))
    given = [t for f in topologies for t in convert.topologies_in(read_text(f), str(f))]
    whole = convert.is_resource(document)
    namespace = (document.get("metadata") or {}).get("namespace") if whole else None
    spec, inlined = convert.inline_topologies(
        spec, given, namespace, str(resource), "spec." if whole else ""
    )
    for warning in warnings + inlined:
        click.echo(f"warning: {resource}: {warning}", err=True)
    check_values(chart, [spec], str(resource))
    name = (document.get("metadata") or {}).get("name") if "spec" in document else None
    header = f"# Values for the Glance chart, from Glance {name or resource.name}.\n"
    text = header + convert.to_yaml(spec)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


def read_text(path: Path) -> str:
    """The text of an input file, naming it in any error."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc


def render_problems(helm: str, chart: Path, files: tuple[Path, ...]) -> list[Diagnostic]:
    """Rules beyond the schema live in the chart's templates: render to apply them."""
    args = [helm, "template", "glance", str(chart)]
    for f in files:
        args += ["-f", str(f)]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return []
    return validate.chart_rule_findings(result.stderr)


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
    "--render/--no-render",
    default=True,
    show_default=True,
    help="Also render with helm, when found, to apply the chart's cross-field rules.",
)
@chart_option
def validate_command(files: tuple[Path, ...], render: bool, chart: Path) -> None:
    """Check values files against the chart's schema and print every problem."""
    layers = []
    helm = helmvalues.helm_binary(chart)
    for f in files:
        count = helmvalues.document_count(f)
        if count > 1:
            raise InputError(
                f"{f}: holds {count} YAML documents; Helm 4 and Helm 3 read such a file "
                "differently: keep one document per values file"
            )
        try:
            data = load_yaml(f)
        except InputError:
            if not helm:
                raise
            continue  # PyYAML and Go's YAML differ here: helm, below, has the last word
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise InputError(f"{f}: values must be a mapping")
        if convert.is_resource(data):
            raise InputError(
                f"{f}: is a {data['kind']} object, not values; "
                f"`chartgen convert {f}` prints the values of a Glance resource"
            )
        layers.append(data)
    source = ", ".join(str(f) for f in files)
    if helm:
        # What helm reads from the files is what it validates and renders.
        _, schema = load_chart(chart)
        problems = validate.validate(helmvalues.read_with_helm(helm, chart, files), schema)
        if problems:
            raise ValidationFailed(f"{source}: {len(problems)} problem(s)", problems)
    else:
        check_values(chart, layers, source)
    if helm and render:
        problems = render_problems(helm, chart, files)
        if problems:
            raise ValidationFailed(f"{source}: the chart refuses these values", problems)
    click.echo(f"{source}: valid")
