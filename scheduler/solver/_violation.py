"""The validator's finding: a broken rule."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """A broken rule: a short code, what it concerns, and a sentence with the numbers."""

    rule: str
    subject: str
    message: str
