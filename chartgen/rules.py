"""Rules between values, from schemas/rules.yaml, placed into the model where they hold."""

from __future__ import annotations

from typing import Any

from chartgen.errors import Diagnostic, InputError
from chartgen.model import Document

# The keyword of a rule's schema that holds its message (JSON Schema ignores unknown keywords).
MESSAGE_KEY = "x-message"


def load(data: Any, doc: Document, source: str) -> None:
    """Give each property a rule names (`Property.rules`) the rule's schema and message."""
    rules = (data or {}).get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        raise InputError(f"{source}: expected a list `rules`")
    problems = []
    for index, rule in enumerate(rules):
        where = f"rules[{index}]"
        if not isinstance(rule, dict) or not {"at", "message", "schema"} <= rule.keys():
            problems.append(Diagnostic("error", where, "needs `at`, `message` and `schema`"))
            continue
        for path in rule["at"]:
            if path == "":
                doc.rules.append({**rule["schema"], MESSAGE_KEY: rule["message"]})
                continue
            prop = doc.find(path)
            if prop is None:
                problems.append(Diagnostic("error", where, f"{path!r} is not a values path"))
            else:
                prop.rules.append({**rule["schema"], MESSAGE_KEY: rule["message"]})
    if problems:
        raise InputError(f"{source}: rules that cannot be placed", problems)
