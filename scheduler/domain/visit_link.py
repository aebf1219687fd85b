"""Linked visits: two visits of one patient made together or one after the other."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scheduler.errors import ProblemError


class LinkKind(StrEnum):
    """How the two visits of a link are timed."""

    SIMULTANEOUS = "simultaneous"  # both clinicians start together (a two-person transfer)
    SEQUENTIAL = "sequential"  # the second starts a bounded time after the first (aide after RN)


@dataclass(frozen=True)
class VisitLink:
    """Two visits that must be made by two different clinicians, in a fixed timing.

    Parameters
    ----------
    first, second
        Visit ids. Both are made, or both are left out.
    kind
        ``SIMULTANEOUS``: both start at the same second. ``SEQUENTIAL``: ``second`` starts
        between ``min_gap`` and ``max_gap`` seconds after ``first`` starts.
    min_gap, max_gap
        Bounds of the start-to-start gap of a sequential link (0 for a simultaneous one).
    """

    first: str
    second: str
    kind: LinkKind
    min_gap: int = 0
    max_gap: int = 0

    def __post_init__(self) -> None:
        if self.first == self.second:
            raise ProblemError(f"visit {self.first!r} is linked to itself")
        if self.kind is LinkKind.SIMULTANEOUS and (self.min_gap or self.max_gap):
            raise ProblemError(
                f"simultaneous link {self.first!r}-{self.second!r} cannot have a gap; "
                "use a sequential link"
            )
        if not 0 <= self.min_gap <= self.max_gap:
            raise ProblemError(
                f"link {self.first!r}-{self.second!r} needs 0 <= min_gap <= max_gap, "
                f"got {self.min_gap} and {self.max_gap}"
            )

    @property
    def visit_ids(self) -> tuple[str, str]:
        """The two visit ids, first then second."""
        return self.first, self.second

    def partner_of(self, visit_id: str) -> str:
        """The other visit of the link."""
        return self.second if visit_id == self.first else self.first

    def allows_gap(self, gap: int) -> bool:
        """Whether ``second`` may start ``gap`` seconds after ``first``."""
        return self.min_gap <= gap <= self.max_gap
