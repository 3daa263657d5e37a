"""Mutated examples: each renders clean objects or is refused naming a values path."""

from __future__ import annotations

import pytest

from tests.fuzz.cases import FAILURES, check_helm3_agrees, check_none_in
from tests.fuzz.conftest import Run
from tests.fuzz.verdict import PASSES, REFUSED


@pytest.mark.parametrize("cls", FAILURES)
def test_no_mutation_in(mutated: Run, cls: str) -> None:
    check_none_in(mutated, cls)


def test_mutations_reach_both_promised_outcomes(mutated: Run) -> None:
    assert mutated.of(PASSES) and mutated.of(REFUSED)


def test_helm3_judges_mutations_alike(mutated: Run) -> None:
    check_helm3_agrees(mutated)
