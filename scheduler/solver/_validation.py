"""What the validator's modules share: the finding type and two readings of the data."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain import Clinician, Route

NURSING_CREDENTIALS = frozenset({"RN", "LPN"})


@dataclass(frozen=True)
class Violation:
    """A broken rule: a short code, what it concerns, and a sentence with the numbers.

    ``visit_ids`` are the planned visits whose removal from their routes resolves it (empty
    when removing visits would not, e.g. a wrong KPI).
    """

    rule: str
    subject: str
    message: str
    visit_ids: tuple[str, ...] = ()


def delivers(clinician: Clinician) -> str:
    """The discipline a clinician's credential delivers: RN and LPN nurse, others their own."""
    credential = clinician.credential.value
    return "SN" if credential in NURSING_CREDENTIALS else credential


def work_seconds(route: Route) -> int:
    """Seconds from leaving to arriving back, lunch excluded."""
    lunch = route.lunch.end - route.lunch.start if route.lunch is not None else 0
    return route.end - route.start - lunch
