"""Start of care before solving: windows a clinician can reach, and the visits that wait.

The domain gives a SOC every home time between the referral and its deadline; it cannot know
the drive. Here each SOC keeps only the parts of its windows that a qualified clinician can
reach from their start place after their shift starts (and come back from in time), and only
the clinician-days that can do so. A SOC left with none is left out with a reason that says
so, and every other visit of its patient waits: a patient is admitted by the SOC visit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from scheduler.domain import (
    DAY,
    Problem,
    ReasonCode,
    Route,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
    format_clock,
)
from scheduler.domain.care_plan import admission_name, soc_deadline
from scheduler.solver.model import Vehicle


@dataclass(frozen=True)
class SocScreening:
    """The visits to solve (SOCs with reachable windows), their candidates, and those left out."""

    visits: list[Visit]
    candidates: dict[str, list[int]]
    unassigned: tuple[Unassigned, ...]


def screen_start_of_care(
    problem: Problem,
    travel: TravelMatrix,
    vehicles: Sequence[Vehicle],
    visits: Sequence[Visit],
    candidates: Mapping[str, Sequence[int]],
) -> SocScreening:
    """Narrow each SOC to reachable windows; leave out the SOCs with none and what waits on them.

    On a one-day horizon the patient's other visits wait too: they come on a later day than
    the SOC (the routes do not order visits of two clinicians).
    """
    kept = {visit_id: list(numbers) for visit_id, numbers in candidates.items()}
    solved: dict[str, Visit] = {visit.id: visit for visit in visits}
    left_out: list[Unassigned] = []
    for visit in visits:
        if not visit.admits:
            continue
        windows, numbers = reachable_windows(problem, travel, vehicles, visit, kept[visit.id])
        if windows:
            solved[visit.id] = replace(visit, windows=windows)
            kept[visit.id] = numbers
        else:
            del solved[visit.id], kept[visit.id]
            left_out.append(_unreachable(problem, visit))
    waiting = _waiting_for_soc(problem, set(solved))
    for visit_id, (soc_id, soc_planned) in waiting.items():
        del solved[visit_id], kept[visit_id]
        left_out.append(waits_for_soc(problem, visit_id, soc_id, same_day=soc_planned))
    return SocScreening(list(solved.values()), kept, tuple(left_out))


def reachable_windows(
    problem: Problem,
    travel: TravelMatrix,
    vehicles: Sequence[Vehicle],
    visit: Visit,
    numbers: Sequence[int],
) -> tuple[tuple[TimeWindow, ...], list[int]]:
    """The parts of the visit's windows some clinician-day of ``numbers`` can reach, and those.

    A start is reachable by a clinician-day when the clinician can leave their start place
    when the shift starts, arrive by it, make the visit while the patient is home, and be
    back by the shift's latest end (within their daily work cap).
    """
    patient = problem.patient_by_id[visit.patient_id]
    location = patient.location.id
    pieces: list[TimeWindow] = []
    able: set[int] = set()
    for window in visit.windows:
        day = window.start // DAY
        for home in patient.windows_on(day, problem.horizon.weekday_of(day)):
            if home.end - visit.duration < home.start:
                continue
            piece = window.intersection(TimeWindow(home.start, home.end - visit.duration))
            if piece is None:
                continue
            spans = [
                (number, span)
                for number in numbers
                if vehicles[number].shift.day == day
                and (span := _reach(vehicles[number], travel, location, visit, piece)) is not None
            ]
            if spans:
                able.update(number for number, _ in spans)
                first = min(span.start for _, span in spans)
                pieces.append(TimeWindow(first, max(span.end for _, span in spans)))
    merged: list[TimeWindow] = []
    for piece in sorted(pieces):
        if merged and piece.start <= merged[-1].end:
            merged[-1] = TimeWindow(merged[-1].start, max(merged[-1].end, piece.end))
        else:
            merged.append(piece)
    return tuple(merged), sorted(able)


def waits_for_soc(
    problem: Problem, visit_id: str, soc_id: str, *, same_day: bool = False
) -> Unassigned:
    """The reason a visit waits for its patient's start (or resumption) of care.

    ``same_day``: that visit is planned on this day.
    """
    name = admission_name(problem.visit_by_id[soc_id].visit_type)
    if same_day:
        why = (
            f"its patient's {name} {soc_id} is planned on this day, and the other "
            "visits come on a later day"
        )
    else:
        why = f"its patient's {name} {soc_id} is not planned, and no visit comes before it"
    return Unassigned(visit_id, ReasonCode.WAITS_FOR_SOC, f"Waits for the {name}: {why}.")


def socs_by_patient(problem: Problem) -> dict[str, list[str]]:
    """The ids of the SOC visits of the problem, per patient."""
    socs: dict[str, list[str]] = defaultdict(list)
    for visit in problem.visits_to_plan:
        if visit.admits:
            socs[visit.patient_id].append(visit.id)
    return dict(socs)


def _reach(
    vehicle: Vehicle, travel: TravelMatrix, location: str, visit: Visit, piece: TimeWindow
) -> TimeWindow | None:
    """The starts inside ``piece`` this clinician-day can make alone, if any."""
    clinician, shift = vehicle.clinician, vehicle.shift
    there = travel.seconds_leaving(
        clinician.start.id, location, shift.window.start, latest=shift.latest_end
    )
    first = max(piece.start, shift.window.start + there)
    if visit.pinned_start is not None:
        if not first <= visit.pinned_start <= piece.end:
            return None
        first = visit.pinned_start
    back = travel.seconds_leaving(
        location,
        clinician.end_location.id,
        first + visit.duration,
        latest=piece.end + visit.duration,
    )
    last = min(piece.end, shift.latest_end - visit.duration - back)
    if visit.pinned_start is not None:
        last = min(last, visit.pinned_start)
    cap = clinician.max_work_per_day
    if first > last or (cap is not None and there + visit.duration + back > cap):
        return None
    return TimeWindow(first, last)


def _waiting_for_soc(problem: Problem, solved: set[str]) -> dict[str, tuple[str, bool]]:
    """Visits to solve that wait for a SOC (left out, or on this one day): its id, if solved."""
    waiting = {}
    one_day = problem.horizon.days == 1
    socs = socs_by_patient(problem)
    for visit_id in solved:
        visit = problem.visit_by_id[visit_id]
        if visit.admits:
            continue
        for soc_id in socs.get(visit.patient_id, ()):
            if soc_id not in solved or one_day:
                waiting[visit_id] = (soc_id, soc_id in solved)
                break
    return waiting


def _unreachable(problem: Problem, visit: Visit) -> Unassigned:
    """The reason a SOC with no reachable window is left out."""
    plan = problem.care_plan_by_id.get(visit.care_plan_id or "")
    deadline = soc_deadline(plan, problem.rules) if plan is not None else None
    due = deadline if deadline is not None else visit.latest_start
    when = f"{problem.horizon.date_of(due // DAY).isoformat()} {format_clock(due % DAY)}"
    name = admission_name(visit.visit_type)
    return Unassigned(
        visit.id,
        ReasonCode.UNREACHABLE_IN_WINDOW,
        f"The {name} is due to start by {when}, and no qualified clinician can reach the "
        "patient while they are home before then (from their start place after their shift "
        f"starts, and back within the shift): plan it by hand, give a clinician an earlier "
        f"shift, or agree a later {name}.",
    )


def name_waiting_visits(
    problem: Problem, unassigned: Sequence[Unassigned], routes: Sequence[Route]
) -> tuple[Unassigned, ...]:
    """``unassigned`` with the visits of patients whose SOC is not routed waiting for it.

    The day choice places no visit of a patient without the patient's SOC, so that is the
    rule that kept them out, whatever else the day choice could have said.
    """
    routed = {stop.visit_id for route in routes for stop in route.stops}
    socs = socs_by_patient(problem)
    named = []
    for item in unassigned:
        visit = problem.visit_by_id.get(item.visit_id)
        missing = [
            soc_id
            for soc_id in socs.get(visit.patient_id if visit else "", ())
            if soc_id not in routed
        ]
        if visit is not None and not visit.admits and missing:
            named.append(waits_for_soc(problem, item.visit_id, missing[0]))
        else:
            named.append(item)
    return tuple(named)
