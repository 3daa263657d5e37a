"""Values files generated from the schema: each renders clean objects or is refused by path."""

from __future__ import annotations

from pathlib import Path

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


def test_kept_documents_read_back_as_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run reads back exactly what the previous one drew; a different key draws anew."""
    from tests.fuzz import generate

    monkeypatch.setattr(generate, "INPUTS", tmp_path)
    runs: list[list[dict]] = [[], [], []]
    generate.generate_kept(5, 7, runs[0].append)
    kept = tmp_path / "generated-5-7.jsonl"
    with monkeypatch.context() as drawing:
        drawing.setattr(generate, "generate", lambda *_: pytest.fail("drew again"))
        generate.generate_kept(5, 7, runs[1].append)
    # The repr tells 1 from 1.0 and shows every character: equal means the same documents.
    assert len(runs[0]) == 5 and repr(runs[1]) == repr(runs[0])
    # Under another key the kept documents are not read back, whatever they are.
    kept.write_text("a key of another schema\n{}\n")
    generate.generate_kept(5, 7, runs[2].append)
    assert repr(runs[2]) == repr(runs[0])
    assert kept.read_text().split("\n", 1)[0] == generate.inputs_key(5, 7)
