"""Why visits are left out: cheap checks before solving, diagnosis after.

Every reason is a ``ReasonCode`` plus a sentence a scheduler can act on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.domain import (
    Problem,
    ReasonCode,
    Route,
    Shift,
    TravelMatrix,
    Unassigned,
    Visit,
    competence_gap,
    format_clock,
    qualification_gap,
)
from scheduler.solver.model import Vehicle


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
) -> tuple[Unassigned, ...]:
    """Give each visit the solver left out the most specific reason that can be shown."""
    load = {(route.clinician_id, route.day): len(route.stops) for route in routes}
    reasons = []
    for visit in visits:
        visit_id = visit.id
        location = problem.patient_by_id[visit.patient_id].location.id
        fits_alone = [
            vehicles[number]
            for number in candidates[visit_id]
            if _fits_alone(visit, vehicles[number], location, travel)
        ]
        if not fits_alone:
            reasons.append(
                Unassigned(
                    visit_id,
                    ReasonCode.UNREACHABLE_IN_WINDOW,
                    "No qualified clinician can drive from their start place, make the visit "
                    "inside its window and get back within the shift.",
                )
            )
            continue
        vehicle = fits_alone[0]
        others = load.get((vehicle.clinician.id, vehicle.shift.day), 0)
        day = problem.horizon.date_of(vehicle.shift.day).isoformat()
        if visit.optional:
            reasons.append(
                Unassigned(
                    visit_id,
                    ReasonCode.LOW_PRIORITY,
                    f"Optional visit (priority {visit.priority}) left out: the qualified "
                    f"clinicians' days are full of required work; it would fit alone in "
                    f"clinician {vehicle.clinician.id}'s day on {day}.",
                )
            )
        else:
            reasons.append(
                Unassigned(
                    visit_id,
                    ReasonCode.CAPACITY,
                    f"Fits alone in clinician {vehicle.clinician.id}'s day on {day} but not "
                    f"with the {others} other visit(s) there, and every other qualified "
                    "clinician is full too: allow overtime, add a clinician or widen the window.",
                )
            )
    return tuple(reasons)


def explain_left_out_of_days(visit: Visit) -> Unassigned:
    """Why the choice of days (several-day horizons) left a visit out."""
    if visit.care_plan_id is not None and visit.optional:
        return Unassigned(
            visit.id,
            ReasonCode.DEFERRED,
            "Not needed in this horizon: its order period goes on after it and can still hold "
            "the visit.",
        )
    if visit.care_plan_id is not None:
        return Unassigned(
            visit.id,
            ReasonCode.NO_DAY_LEFT,
            "No day fits: the patient's home days, the order's spacing and the qualified "
            "clinicians' room this week leave none.",
        )
    return Unassigned(
        visit.id,
        ReasonCode.CAPACITY,
        "Every qualified clinician working on the visit's days is full that week.",
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


def _fits_alone(visit: Visit, vehicle: Vehicle, location: str, travel: TravelMatrix) -> bool:
    """Whether the visit would fit as the only stop of this clinician-day.

    Legs are priced as the model prices them: at the slowest rush hour they may leave in.
    """
    clinician, shift = vehicle.clinician, vehicle.shift
    there = travel.seconds_leaving(
        clinician.start.id, location, shift.window.start, latest=shift.latest_end
    )
    first, last = visit.earliest_start, visit.latest_start
    if visit.pinned_start is not None:
        first = last = visit.pinned_start
    back = travel.seconds_leaving(
        location,
        clinician.end_location.id,
        first + visit.duration,
        latest=last + visit.duration,
    )
    earliest = shift.window.start + there
    starts = [max(earliest, window.start) for window in visit.windows if window.end >= earliest]
    if visit.pinned_start is not None:
        starts = [visit.pinned_start] if visit.pinned_start >= earliest else []
    if not starts or starts[0] + visit.duration + back > shift.latest_end:
        return False
    work = there + visit.duration + back
    return clinician.max_work_per_day is None or work <= clinician.max_work_per_day
