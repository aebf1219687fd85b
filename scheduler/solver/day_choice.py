"""Choose the day and clinician of each visit of a multi-day horizon, with CP-SAT.

One boolean per (visit, clinician-day) candidate. Hard: a visit at most once; the care-plan
rules (``_day_care_plan.py``: a care plan visit alone on its day among the patient's visits
of its discipline, each period's ordered count, the discharge last, the recertification in
the episode's last days, the start of care before every other visit of the patient); linked
visits together; each clinician-day's estimated load (visit time plus the driving
``travel_estimate`` gives it) within its shift, and within the morning for visits that must
end by noon and the afternoon for those that start after it; daily and weekly caps; at most
the rules' number of clinicians per care plan and week. Soft: leave out as little as
possible (required visits above all), space a care plan's visits, make the start of care
early, keep visits with their primary clinician and few distinct clinicians, and on the
incumbent's (published) clinician-day at its weight, give visits to clinicians who live near
the patient, and keep each clinician-day in one zone of the clinician's patients (k-medoids,
one zone per working day) so that day routes are compact, and even weekly work among
equal-hours clinicians of a discipline (``_day_fair_weeks.py``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduler.domain import DAY, Problem, TravelMatrix, Visit
from scheduler.domain.continuity import care_group, primary_clinician
from scheduler.solver._day_care_plan import add_care_plan_rules
from scheduler.solver._day_fair_weeks import add_fair_weeks
from scheduler.solver._day_model import DayModel
from scheduler.solver.model import Vehicle
from scheduler.solver.params import SolveParams
from scheduler.solver.travel_estimate import drive_estimate

NOON = 12 * 3600  # seconds after midnight where the morning's capacity ends
CLINICIANS_PER_VISIT = 8  # nearest qualified clinicians kept as candidates, plus the primary
REQUIRED_DROP = 1_000_000
OPTIONAL_DROP_PER_PRIORITY = 3600
NOT_PRIMARY = 900
EXTRA_CLINICIAN = 1800
HOME_DISTANCE_SHARE = 1.0  # of the clinician's one-way drive to the patient, as a cost
ZONE_SHARE = 0.5  # of the drive from a clinician-day's zone centre to the patient
MOVED = 3600  # a visit moved away from its earlier clinician-day, when repairing


@dataclass(frozen=True)
class DayChoice:
    """The chosen clinician-day (vehicle number) per visit, the visits left out, and loads.

    ``load`` is the estimated seconds of work (visits plus typical drives) per vehicle.
    """

    vehicle_of: dict[str, int]
    left_out: tuple[str, ...]
    load: dict[int, int]
    status: str


def choose_days(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    *,
    deadline: float,
    forbidden: frozenset[tuple[str, int]] = frozenset(),
    previous: Mapping[str, int] | None = None,
) -> DayChoice:
    """Pick a clinician-day for each visit, searching until ``deadline`` (monotonic clock).

    ``forbidden`` lists (visit id, vehicle number) pairs not to use again; ``previous`` is an
    earlier choice to start from and to change as little as possible.
    """
    day = DayModel(
        problem=problem,
        visits=visits,
        vehicles=vehicles,
        options=_candidate_options(problem, travel, visits, vehicles, candidates, forbidden),
        drive=drive_estimate(problem, travel),
    )
    for visit in visits:
        day.placed[visit.id] = day.model.new_bool_var(f"placed[{visit.id}]")
        for number in day.options[visit.id]:
            day.chosen[visit.id, number] = day.model.new_bool_var(f"x[{visit.id},{number}]")
        choices = [day.chosen[visit.id, number] for number in day.options[visit.id]]
        day.model.add(sum(choices) == day.placed[visit.id])
        drop = REQUIRED_DROP if not visit.optional else OPTIONAL_DROP_PER_PRIORITY * visit.priority
        day.costs.append(drop * (1 - day.placed[visit.id]))
    add_care_plan_rules(day)
    _add_linked_visits(day)
    _add_capacity(day)
    _add_continuity(day)
    _add_home_distance(day, travel)
    add_fair_weeks(day)
    _stay_with_incumbent(day)
    if previous:
        _stay_near(day, previous)
    day.model.minimize(sum(day.costs))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, deadline - time.monotonic())
    solver.parameters.num_workers = params.workers
    status = solver.Solve(day.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return DayChoice({}, tuple(v.id for v in visits), {}, solver.StatusName(status))
    vehicle_of = {key[0]: key[1] for key, var in day.chosen.items() if solver.Value(var)}
    load: dict[int, int] = defaultdict(int)
    for visit_id, number in vehicle_of.items():
        load[number] += day.load_of(problem.visit_by_id[visit_id], vehicles[number].clinician)
    left_out = tuple(visit.id for visit in visits if visit.id not in vehicle_of)
    return DayChoice(vehicle_of, left_out, dict(load), solver.StatusName(status))


def _candidate_options(
    problem: Problem,
    travel: TravelMatrix,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    forbidden: frozenset[tuple[str, int]],
) -> dict[str, list[int]]:
    """Candidate vehicles per visit: its nearest qualified clinicians (and primary), any day.

    A clinician-day is a candidate only where the visit fits alone: reached from the
    clinician's start place in one of its windows that day, and back by the shift's end.
    """
    options = {}
    for visit in visits:
        location = problem.patient_by_id[visit.patient_id].location.id
        by_clinician: dict[str, list[int]] = defaultdict(list)
        for number in candidates[visit.id]:
            if (visit.id, number) not in forbidden and _fits_alone(
                visit, vehicles[number], location, travel
            ):
                by_clinician[vehicles[number].clinician.id].append(number)

        def drive(clinician_id: str, location: str = location) -> int:
            home = problem.clinician_by_id[clinician_id].start.id
            return travel.seconds_between(home, location)

        kept = sorted(by_clinician, key=drive)[:CLINICIANS_PER_VISIT]
        primary = primary_clinician(problem, visit)
        if primary in by_clinician and primary not in kept:
            kept.append(primary)
        options[visit.id] = sorted(number for c in kept for number in by_clinician[c])
    return options


def _fits_alone(visit: Visit, vehicle: Vehicle, location: str, travel: TravelMatrix) -> bool:
    """Whether the vehicle's clinician can make the visit as the day's only stop.

    Drives are off peak (rush hours only add) and the lunch is left aside, so a day ruled
    out here cannot take the visit at all.
    """
    shift, home = vehicle.shift, vehicle.clinician.start.id
    arrive = shift.window.start + travel.seconds_between(home, location)
    back = travel.seconds_between(location, home)
    for window in visit.windows:
        start = max(arrive, window.start)
        if visit.pinned_start is not None:
            start = visit.pinned_start if visit.pinned_start >= arrive else shift.latest_end
        if start <= window.end and start + visit.duration + back <= shift.latest_end:
            return True
    return False


def _add_linked_visits(day: DayModel) -> None:
    """Both visits of a link or neither, on the same day, with two different clinicians."""
    for link in day.problem.links:
        if link.first not in day.placed or link.second not in day.placed:
            for visit_id in link.visit_ids:
                if visit_id in day.placed:
                    day.model.add(day.placed[visit_id] == 0)
            continue
        day.model.add(day.placed[link.first] == day.placed[link.second])
        by_day: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
        by_clinician: dict[str, list] = defaultdict(list)
        for side, visit_id in enumerate(link.visit_ids):
            for number in day.options[visit_id]:
                vehicle = day.vehicles[number]
                by_day[vehicle.shift.day][side].append(day.chosen[visit_id, number])
                by_clinician[vehicle.clinician.id].append(day.chosen[visit_id, number])
        for first, second in by_day.values():
            day.model.add(sum(first) == sum(second))
        for chosen in by_clinician.values():
            day.model.add_at_most_one(chosen)


def _add_capacity(day: DayModel) -> None:
    """Estimated load per clinician-day within the shift; daily and weekly caps."""
    per_vehicle: dict[int, list[Visit]] = defaultdict(list)
    for visit in day.visits:
        for number in day.options[visit.id]:
            per_vehicle[number].append(visit)
    per_week: dict[tuple[str, int], list[tuple[Visit, cp_model.IntVar]]] = defaultdict(list)
    for number, visits in per_vehicle.items():
        clinician, shift = day.vehicles[number].clinician, day.vehicles[number].shift
        chosen = [day.chosen[visit.id, number] for visit in visits]
        lunch = shift.lunch.duration if shift.lunch else 0
        room = shift.window.length + shift.max_overtime // 2 - lunch
        if clinician.max_work_per_day is not None:
            room = min(room, clinician.max_work_per_day)
        loads = [day.load_of(visit, clinician) for visit in visits]
        day.model.add(sum(load * x for load, x in zip(loads, chosen, strict=True)) <= room)
        _add_parts_of_day(day, number, visits, loads, chosen)
        if clinician.max_visits_per_day is not None:
            day.model.add(sum(chosen) <= clinician.max_visits_per_day)
        if clinician.max_points_per_day is not None:
            points = sum(v.points * x for v, x in zip(visits, chosen, strict=True))
            day.model.add(points <= clinician.max_points_per_day)
        per_week[clinician.id, shift.day // 7] += list(zip(visits, chosen, strict=True))
    for (clinician_id, _week), items in per_week.items():
        clinician = day.problem.clinician_by_id[clinician_id]
        if clinician.max_visits_per_week is not None:
            day.model.add(sum(x for _, x in items) <= clinician.max_visits_per_week)
        if clinician.max_work_per_week is not None:
            work = sum(day.load_of(v, clinician) * x for v, x in items)
            day.model.add(work <= clinician.max_work_per_week)


def _add_parts_of_day(
    day: DayModel,
    number: int,
    visits: Sequence[Visit],
    loads: Sequence[int],
    chosen: Sequence[cp_model.IntVar],
) -> None:
    """Visits that must be done by noon share the morning; those starting after, the afternoon.

    On vehicle ``number``'s day, the loads of the visits whose every window there ends (with
    the visit) by noon fit between the shift's start and noon, and those of the visits whose
    every window there starts at noon or later fit between noon and the shift's end.
    """
    shift = day.vehicles[number].shift
    noon = shift.day * DAY + NOON
    morning, afternoon = [], []
    for visit, load, x in zip(visits, loads, chosen, strict=True):
        windows = [w for w in visit.windows if w.start // DAY == shift.day]
        if windows and max(w.end for w in windows) + visit.duration <= noon:
            morning.append(load * x)
        elif windows and min(w.start for w in windows) >= noon:
            afternoon.append(load * x)
    if morning:
        day.model.add(sum(morning) <= max(0, noon - shift.window.start))
    if afternoon:
        day.model.add(sum(afternoon) <= max(0, shift.window.end + shift.max_overtime // 2 - noon))


def _add_continuity(day: DayModel) -> None:
    """Cost visits away from their primary and each clinician a care plan uses in a week.

    A care plan uses at most the rules' number of clinicians a week.
    """
    uses: dict[tuple[str, str, int], list[cp_model.IntVar]] = defaultdict(list)
    for visit in day.visits:
        primary = primary_clinician(day.problem, visit)
        group = care_group(visit)
        for number in day.options[visit.id]:
            clinician_id = day.vehicles[number].clinician.id
            if primary is not None and clinician_id != primary:
                day.costs.append(NOT_PRIMARY * day.chosen[visit.id, number])
            week = day.vehicles[number].shift.day // 7
            uses[group, clinician_id, week].append(day.chosen[visit.id, number])
    per_group: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    for (group, clinician_id, week), variables in uses.items():
        used = day.model.new_bool_var(f"uses[{group},{clinician_id},{week}]")
        day.model.add_max_equality(used, variables)
        per_group[group, week].append(used)
    for clinicians_used in per_group.values():
        day.model.add(sum(clinicians_used) <= day.problem.rules.max_clinicians_per_week)
        day.costs.append(EXTRA_CLINICIAN * sum(clinicians_used))


def _stay_with_incumbent(day: DayModel) -> None:
    """Charge the incumbent's weight for each visit chosen off its published clinician-day."""
    incumbent = day.problem.incumbent
    if not incumbent.weight:
        return
    for (visit_id, number), variable in day.chosen.items():
        vehicle = day.vehicles[number]
        if incumbent.moves(visit_id, vehicle.clinician.id, vehicle.shift.day):
            day.costs.append(incumbent.weight * variable)


def _stay_near(day: DayModel, previous: Mapping[str, int]) -> None:
    """Start from ``previous`` and charge each visit it moves to another clinician-day."""
    for (visit_id, number), variable in day.chosen.items():
        kept = previous.get(visit_id) == number
        day.model.add_hint(variable, kept)
        if visit_id in previous and kept:
            day.costs.append(MOVED * (1 - variable))


def _add_home_distance(day: DayModel, travel: TravelMatrix) -> None:
    """Prefer compact days: clinicians near the patient, and day zones.

    A clinician-day costs the drive from its zone centre, so each day of a clinician serves
    one part of their patients.
    """
    anchors = _day_anchors(day, travel)
    for visit in day.visits:
        location = day.problem.patient_by_id[visit.patient_id].location.id
        row = travel.index[location]
        for number in day.options[visit.id]:
            home = travel.index[day.vehicles[number].clinician.start.id]
            cost = HOME_DISTANCE_SHARE * travel.seconds[home, row]
            if number in anchors:
                cost += ZONE_SHARE * travel.seconds[anchors[number], row]
            day.costs.append(int(cost) * day.chosen[visit.id, number])


def _day_anchors(day: DayModel, travel: TravelMatrix) -> dict[int, int]:
    """A zone centre (travel matrix row) per clinician-day.

    The centres are k-medoids of the places of the visits whose primary is the clinician, one
    zone per working day.
    """
    places: dict[str, set[int]] = defaultdict(set)
    for visit in day.visits:
        primary = primary_clinician(day.problem, visit)
        if primary is not None:
            location = day.problem.patient_by_id[visit.patient_id].location.id
            places[primary].add(travel.index[location])
    anchors: dict[int, int] = {}
    for clinician_id, rows in places.items():
        numbers = [n for n, v in enumerate(day.vehicles) if v.clinician.id == clinician_id]
        if len(numbers) < 2 or len(rows) < len(numbers):
            continue
        medoids = _k_medoids(travel.seconds, sorted(rows), len(numbers))
        anchors.update(zip(numbers, medoids, strict=True))
    return anchors


def _k_medoids(seconds: np.ndarray, rows: list[int], count: int) -> list[int]:
    """``count`` medoid rows of ``rows`` under symmetrised travel times (farthest-first start)."""
    distance = seconds[np.ix_(rows, rows)].astype(float)
    distance = (distance + distance.T) / 2
    chosen = [0]
    while len(chosen) < count:
        chosen.append(int(np.argmax(distance[:, chosen].min(axis=1))))
    for _ in range(10):
        nearest = np.argmin(distance[:, chosen], axis=1)
        updated = []
        for cluster in range(count):
            members = np.flatnonzero(nearest == cluster)
            inner = distance[np.ix_(members, members)].sum(axis=1)
            updated.append(int(members[np.argmin(inner)]) if len(members) else chosen[cluster])
        if updated == chosen:
            break
        chosen = updated
    return [rows[k] for k in chosen]
