"""Errors and diagnostics shared by every chartgen step."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in an input, located by a dotted path."""

    level: str
    path: str
    message: str

    def __str__(self) -> str:
        where = self.path or "(top level)"
        return f"{where}: {self.message}"


class ChartgenError(Exception):
    """Base of every error chartgen reports to the user."""

    exit_code = 1

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []


class InputError(ChartgenError):
    """An input file is missing, unreadable or not what was expected."""


class ValidationFailed(ChartgenError):
    """Values or a resource do not match the schema."""


class CheckFailed(ChartgenError):
    """A generated file differs from what the sources produce."""
