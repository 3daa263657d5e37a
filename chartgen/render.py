"""The single Jinja environment every generated file is rendered with."""

from __future__ import annotations

import json
import textwrap
from functools import cache
from typing import Any

import jinja2
import yaml

PLAIN_UNSAFE = set(":#{}[],&*!|>'\"%@`")


def yaml_scalar(value: Any) -> str:
    """A scalar or small collection as one line of YAML."""
    if isinstance(value, str):
        plain = (
            value
            and value.strip() == value
            and not (set(value) & PLAIN_UNSAFE)
            and yaml.safe_load(value) == value
        )
        return value if plain else json.dumps(value)
    if isinstance(value, (dict, list)):
        return flow(value)
    return json.dumps(value)


def flow(value: Any) -> str:
    """A collection in YAML flow style, strings quoted only where needed."""
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{yaml_scalar(k)}: {yaml_scalar(v)}" for k, v in value.items()) + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    return yaml_scalar(value)


def yaml_block(value: Any) -> list[str]:
    """A collection in YAML block style, as lines."""
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=False).splitlines()


def comment(text: str, width: int = 96) -> list[str]:
    """Wrap text into comment lines of at most `width` characters of text."""
    return textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)


@cache
def environment() -> jinja2.Environment:
    """The Jinja environment: strict about undefined names, tidy about whitespace."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("chartgen", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["yaml_scalar"] = yaml_scalar
    env.filters["comment"] = comment
    env.filters["yaml_block"] = yaml_block
    return env


def render(template: str, **context: Any) -> str:
    """Render one template of the chartgen package."""
    return environment().get_template(template).render(**context)
