"""Why visits are left out: cheap checks before solving, diagnosis after.

Every reason is a ``ReasonCode`` plus a sentence a scheduler can act on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.domain import (
    Plan,
    Problem,
    ReasonCode,
    Route,
    Shift,
    TravelMatrix,
    Unassigned,
    Visit,
    competence_gap,
    compute_kpis,
    format_clock,
    qualification_gap,
)
from scheduler.solver._left_out_reasons import explain_one, explain_quickly
from scheduler.solver.model import Vehicle
from scheduler.solver.repair import Refusal


@dataclass(frozen=True)
class Screening:
    """The visits worth giving to the solver, and those that cannot be planned at all."""

    candidates: dict[str, list[int]]  # visit id -> vehicle numbers that may make it
    unassigned: tuple[Unassigned, ...]


def screen_visits(problem: Problem, vehicles: Sequence[Vehicle]) -> Screening:
    """Find, per visit, the clinician-days that could make it; explain the visits with none."""
    candidates: dict[str, list[int]] = {}
    unassigned = []
    for visit in problem.visits_to_plan:
        patient = problem.patient_by_id[visit.patient_id]
        qualified = {
            c.id for c in problem.clinicians if qualification_gap(c, visit, patient) is None
        }
        allowed = [
            number
            for number, vehicle in enumerate(vehicles)
            if vehicle.clinician.id in qualified and _can_start_and_finish(visit, vehicle.shift)
        ]
        if allowed:
            candidates[visit.id] = allowed
        else:
            unassigned.append(_explain_unplannable(problem, visit, vehicles, qualified))
    for visit_id, link in problem.link_by_visit.items():
        partner = link.partner_of(visit_id)
        if visit_id in candidates and partner not in candidates:
            del candidates[visit_id]
            unassigned.append(
                Unassigned(
                    visit_id,
                    ReasonCode.LINKED_VISIT_LEFT_OUT,
                    f"Its linked visit {partner} cannot be planned, and the two are made "
                    "together or not at all.",
                )
            )
    return Screening(candidates, tuple(unassigned))


def explain_dropped(
    problem: Problem,
    travel: TravelMatrix,
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    visits: Sequence[Visit],
    routes: Sequence[Route],
    *,
    deadline: float | None = None,
) -> tuple[Unassigned, ...]:
    """Give each visit the routing search left out the reason its ``routes`` show.

    ``vehicles`` and ``candidates`` are those the search had; the reasons look at every
    qualified clinician-day of the problem (see ``explain_left_out``) until the solve's
    ``deadline`` (the search leaves time for this), then give the quick check.
    """
    plan = Plan(tuple(routes), (), compute_kpis(problem, tuple(routes), ()))
    return explain_left_out(problem, travel, plan, visits, deadline=deadline)


def explain_left_out(
    problem: Problem,
    travel: TravelMatrix,
    plan: Plan,
    visits: Sequence[Visit],
    *,
    refused: Mapping[str, Sequence[Refusal]] | None = None,
    deadline: float | None = None,
) -> tuple[Unassigned, ...]:
    """Why each of ``visits`` is not in ``plan``'s routes, as a claim checked on them.

    Every qualified clinician-day that meets a window of the visit is looked at: whether the
    visit fits it alone, which rules and caps block it, and whether it fits the final route
    in time. ``unreachable_in_window`` means no clinician-day fits it alone; ``capacity`` (for
    an optional visit ``low_priority``, or ``deferred`` when the order's period goes on)
    that each day that could take it alone is full or barred by a rule; ``no_day_left`` that
    every such day is barred by a rule (``waits_for_soc`` when that rule is the patient's
    missing start of care); ``not_solved`` that it would fit somewhere (the search left it).
    Each sentence says what would place the visit. ``refused`` are places the validator
    refused (``repair.py``); they count as barred by the rule it named. After ``deadline``
    (monotonic clock) a visit gets only the quick check (``explain_quickly``): unreachable, or
    ``not_solved`` saying its places were not looked at.
    """
    refused = refused or {}
    return tuple(
        explain_one(problem, travel, plan, visit, refused.get(visit.id, ()))
        if deadline is None or time.monotonic() < deadline
        else explain_quickly(problem, travel, visit)
        for visit in visits
    )


def _can_start_and_finish(visit: Visit, shift: Shift) -> bool:
    """Whether some allowed start lets the visit run inside the shift."""
    return any(
        window.start <= shift.latest_end - visit.duration and window.end >= shift.window.start
        for window in visit.windows
    ) and (
        visit.pinned_start is None
        or shift.window.start <= visit.pinned_start <= shift.latest_end - visit.duration
    )


def _overlaps(visit: Visit, shift: Shift) -> bool:
    """Whether some start window meets the shift at all."""
    return any(
        window.start <= shift.latest_end and window.end >= shift.window.start
        for window in visit.windows
    )


def _explain_unplannable(
    problem: Problem, visit: Visit, vehicles: Sequence[Vehicle], qualified: set[str]
) -> Unassigned:
    """The reason a visit has no candidate clinician-day at all."""
    patient = problem.patient_by_id[visit.patient_id]
    if visit.pinned_clinician is not None:
        pinned = problem.clinician_by_id[visit.pinned_clinician]
        gap = qualification_gap(pinned, visit, patient)
        if gap is not None:
            return Unassigned(
                visit.id,
                ReasonCode.PIN_CONFLICT,
                f"Pinned to clinician {pinned.id}, who {gap}.",
            )
    if not qualified:
        able = [c for c in problem.clinicians if competence_gap(c, visit) is None]
        if able:
            return Unassigned(
                visit.id,
                ReasonCode.ALL_QUALIFIED_EXCLUDED,
                f"The patient excludes every clinician who can make this {visit.discipline} "
                f"visit ({len(able)} of them).",
            )
        needs = _needs(visit)
        return Unassigned(
            visit.id,
            ReasonCode.NO_QUALIFIED_CLINICIAN,
            f"No clinician at the agency can make this visit: it needs {needs}.",
        )
    shifts = [v.shift for v in vehicles if v.clinician.id in qualified]
    windows = ", ".join(f"{format_clock(w.start)}-{format_clock(w.end)}" for w in visit.windows)
    if any(_overlaps(visit, shift) for shift in shifts):
        return Unassigned(
            visit.id,
            ReasonCode.WINDOW_TOO_SHORT,
            f"A qualified clinician works when the visit may start ({windows}), but no start "
            f"leaves the {visit.duration // 60} minutes it takes before their shift ends.",
        )
    return Unassigned(
        visit.id,
        ReasonCode.NO_SHIFT_IN_WINDOW,
        f"No qualified clinician works when the visit may start ({windows}).",
    )


def _needs(visit: Visit) -> str:
    """What a visit asks of a clinician, in words."""
    parts = ["/".join(sorted(visit.credentials)) if visit.credentials else str(visit.discipline)]
    if visit.required_skills:
        parts.append("skills " + ", ".join(sorted(visit.required_skills)))
    return " with ".join(parts)
