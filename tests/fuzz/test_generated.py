"""Values files generated from the schema: each renders clean objects or is refused by path."""

from __future__ import annotations

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
