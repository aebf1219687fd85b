"""What a solve returns: a status, always a plan, and how the search went."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scheduler.domain.plan import Plan


class SolveStatus(StrEnum):
    """Outcome of a solve."""

    SOLVED = "solved"  # every required visit is planned
    PARTIAL = "partial"  # a plan, but some required visits could not be placed
    NO_SOLUTION = "no_solution"  # the search stopped before finding any plan
    FAILED = "failed"  # the search crashed; the message says how


@dataclass(frozen=True)
class Result:
    """A solve's outcome.

    Parameters
    ----------
    status
        See ``SolveStatus``.
    plan
        The plan; with ``NO_SOLUTION`` or ``FAILED`` it has no routes and every visit is unassigned.
    objective
        Objective value of the plan in solver units, ``None`` without a plan.
    seconds
        Wall-clock seconds the solve took.
    message
        One sentence on how the search ended.
    first_objective
        Objective of the first plan the search found (one-day problems), so a caller can
        see how much the search improved on its first routes; ``None`` when not known.
    """

    status: SolveStatus
    plan: Plan
    objective: int | None
    seconds: float
    message: str
    first_objective: int | None = None
