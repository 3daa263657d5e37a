"""What a refused `helm template` or `helm install` names: the one reader of helm's errors.

The chart's own rules fail the render with a line "values are not valid:", then one
"  - <path>: <message>" line per problem (chart-src/templates/_validate.tpl). Helm's schema
check prints one "- at '/<json pointer>': <message>" line per problem (Helm 4 and Helm 3 alike).
"""

from __future__ import annotations

import re

from chartgen.errors import Diagnostic
from chartgen.validate import dotted

CHART_RULES_HEADER = "values are not valid:"
SCHEMA_LINE = re.compile(r"^\s*- at '([^']*)': (.*)$")


def pointer_path(pointer: str) -> str:
    """A JSON pointer (`/glanceAPIs/x/replicas`, `/a/0`) as a values path (`a[0]`)."""
    parts: list[str | int] = []
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return dotted(parts)


def chart_rules(stderr: str) -> list[Diagnostic]:
    """The problems of the chart's own rules in helm's error output (none when they did not
    fire)."""
    lines = [ln.rstrip() for ln in stderr.splitlines()]
    if CHART_RULES_HEADER not in (ln.strip() for ln in lines):
        return []
    start = next(i for i, ln in enumerate(lines) if ln.strip() == CHART_RULES_HEADER)
    found = []
    for line in lines[start + 1 :]:
        if not line.startswith("  - "):
            if line.strip():
                break
            continue
        path, _, message = line[4:].partition(": ")
        found.append(Diagnostic("error", path, message))
    return found


def schema_errors(stderr: str) -> list[Diagnostic]:
    """The problems helm's schema check names, each under its values path."""
    found = []
    for line in stderr.splitlines():
        match = SCHEMA_LINE.match(line)
        if match:
            found.append(Diagnostic("error", pointer_path(match.group(1)), match.group(2)))
    return found


def problems(stderr: str) -> list[Diagnostic]:
    """Every problem a refused render names by values path: the schema's, else the chart's
    rules' (helm checks the schema first and renders only values that pass it)."""
    return schema_errors(stderr) or chart_rules(stderr)
