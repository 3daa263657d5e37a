"""Values files generated from the schema: each renders clean objects or is refused by path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.cases import FAILURES, check_helm3_agrees, check_none_in
from tests.fuzz.conftest import Run
from tests.fuzz.verdict import PASSES, REFUSED


@pytest.mark.parametrize("cls", FAILURES)
def test_no_generated_document_in(generated: Run, cls: str) -> None:
    check_none_in(generated, cls)


def test_generated_documents_reach_both_promised_outcomes(generated: Run) -> None:
    assert generated.of(PASSES) and generated.of(REFUSED)


def test_helm3_judges_generated_documents_alike(generated: Run) -> None:
    check_helm3_agrees(generated)


# What JSON could lose on the way back: a float that equals an int, a negative zero, a big
# int, a lone surrogate, a NUL, text beyond the BMP, nesting and an empty key.
TRICKY = [
    {"replicas": 1.0, "ratio": -0.0, "big": 2**70, "s": "\ud800x\x00\U0001f600"},
    {"": [{"a": [None, True, 1, 1.5e300]}], "é": {}},
]


def test_kept_documents_read_back_as_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run reads back exactly what the previous one drew; a different key draws anew."""
    from tests.fuzz import generate

    monkeypatch.setattr(generate, "INPUTS", tmp_path)
    draws: list[tuple[int, int]] = []

    def drawing(count: int, at: int, each: Callable[[dict[str, Any]], None]) -> None:
        draws.append((count, at))
        for doc in TRICKY:
            each(doc)

    monkeypatch.setattr(generate, "generate", drawing)
    runs: list[list[dict[str, Any]]] = [[], [], []]
    generate.generate_kept(2, 7, runs[0].append)
    generate.generate_kept(2, 7, runs[1].append)
    # The repr tells 1 from 1.0 and shows every character: equal means the same documents.
    assert draws == [(2, 7)]
    assert repr(runs[0]) == repr(runs[1]) == repr(TRICKY)
    # Under another key the kept documents are not read back, whatever they are.
    kept = tmp_path / "generated-2-7.jsonl"
    kept.write_text("a key of another schema\n{}\n")
    generate.generate_kept(2, 7, runs[2].append)
    assert draws == [(2, 7), (2, 7)] and repr(runs[2]) == repr(TRICKY)
    assert kept.read_text().split("\n", 1)[0] == generate.inputs_key(2, 7)
