"""The answer of a replan: each visit's change against the published day, and what it drops."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime

from scheduler.domain import Horizon, Plan, Problem, Route, Visit
from scheduler.service._reschedule_day import RETIMED_SECONDS


@dataclass(frozen=True)
class Change:
    """One visit's fate: ``kind`` is added, cancelled, reassigned, retimed or dropped.

    A visit left out (dropped, or added but not placed) carries its reason: ``reason_code``
    (an ``Unassigned`` reason code) and ``reason``, a sentence for a scheduler.
    """

    visit_id: str
    patient_id: str
    kind: str
    clinician_before: str | None
    clinician_after: str | None
    start_before: datetime | None
    start_after: datetime | None
    reason: str | None = None
    reason_code: str | None = None


@dataclass(frozen=True)
class DroppedVisit:
    """A visit the published day had placed that the new plan leaves out, and why."""

    visit_id: str
    patient_id: str
    clinician_before: str
    start_before: datetime
    reason_code: str
    reason: str


def diff_day(
    horizon: Horizon,
    routes: Sequence[Route],
    plan: Plan,
    added: Sequence[Visit],
    cancelled: AbstractSet[str],
    record: Problem,
) -> tuple[Change, ...]:
    """What changed for each visit between the published day and the new plan."""
    before = {s.visit_id: (r.clinician_id, s) for r in routes for s in r.stops}
    after = {s.visit_id: (r.clinician_id, s) for r in plan.routes for s in r.stops}
    left_out = {u.visit_id: u for u in plan.unassigned}
    new_ids = {visit.id for visit in added}
    changes = []
    for visit_id in sorted(set(before) | set(after) | set(left_out) | cancelled):
        old, new = before.get(visit_id), after.get(visit_id)
        kind = None
        if visit_id in cancelled:
            kind = "cancelled"
        elif visit_id in new_ids:
            kind = "added" if new else "dropped"
        elif old and not new:
            kind = "dropped"
        elif old and new and old[0] != new[0]:
            kind = "reassigned"
        elif old and new and abs(old[1].start - new[1].start) > RETIMED_SECONDS:
            kind = "retimed"
        if kind is None:
            continue
        patient = (
            (old or new)[1].patient_id if (old or new) else record.visit_by_id[visit_id].patient_id
        )
        reason = left_out.get(visit_id) if kind != "cancelled" else None
        changes.append(
            Change(
                visit_id=visit_id,
                patient_id=patient,
                kind=kind,
                clinician_before=old[0] if old else None,
                clinician_after=new[0] if new else None,
                start_before=horizon.datetime_of(old[1].start) if old else None,
                start_after=horizon.datetime_of(new[1].start) if new else None,
                reason=reason.message if reason else None,
                reason_code=reason.reason.value if reason else None,
            )
        )
    return tuple(changes)


def dropped_visits(changes: Iterable[Change]) -> tuple[DroppedVisit, ...]:
    """The visits the published day had placed that the new plan leaves out, with reasons.

    A visit left out without a reason (which a valid plan never has) says so rather than
    hiding: the answer must never drop a placed visit silently.
    """
    return tuple(
        DroppedVisit(
            visit_id=change.visit_id,
            patient_id=change.patient_id,
            clinician_before=change.clinician_before,
            start_before=change.start_before,
            reason_code=change.reason_code or "not_solved",
            reason=change.reason or "Left out of the new plan without a stated reason.",
        )
        for change in changes
        if change.kind == "dropped"
        and change.clinician_before is not None
        and change.start_before is not None
    )
