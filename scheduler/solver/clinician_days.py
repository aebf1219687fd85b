"""Which clinician-days could take one more visit, and what blocks the others.

For a visit and a plan, every working day of a qualified clinician that meets one of the
visit's windows is listed with what stands in its way: rules of the care plan (one visit of
a discipline a day, the start of care first, the discharge last, the clinicians a patient
sees in a week) and caps (visits, points and working time per day and week). Timing inside
the route (windows, lunch, the shift's end) is ``insertion.py``'s. These checks only sort
candidates: a place is taken only once the independent validator accepts the plan with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from scheduler.domain import (
    DAY,
    Clinician,
    Plan,
    Problem,
    Route,
    Shift,
    Visit,
    VisitType,
    qualification_gap,
)
from scheduler.domain.care_plan import admission_name
from scheduler.domain.continuity import care_group


class BlockKind(StrEnum):
    """A rule keeps the visit off the day, or the day (or week) is full."""

    RULE = "rule"
    FULL = "full"


@dataclass(frozen=True)
class Blocker:
    """One reason a clinician-day cannot take the visit, as a phrase for a scheduler.

    A rule's text is a sentence; a cap's names the cap (``c07's cap of 6 visits a day``).
    """

    kind: BlockKind
    rule: str
    text: str


@dataclass(frozen=True)
class ClinicianDay:
    """A qualified clinician's working day that meets a window of the visit.

    ``work_cap`` is the most the day may work with the visit in (daily cap and the week's
    room); ``blockers`` is empty when only timing inside the route remains to be checked.
    """

    clinician: Clinician
    shift: Shift
    route: Route | None
    work_cap: int | None
    blockers: tuple[Blocker, ...]

    @property
    def open(self) -> bool:
        """Whether no rule or cap keeps the visit off this day."""
        return not self.blockers


def clinician_days(
    problem: Problem, plan: Plan, visit: Visit, *, clinicians: Collection[str] | None = None
) -> list[ClinicianDay]:
    """Every qualified clinician-day meeting a window of ``visit``, with what blocks it.

    ``visit`` is not in ``plan``'s routes: a new visit, or one the plan leaves out.
    ``clinicians`` limits the answer to those clinician ids (``None``: every one).
    """
    patient = problem.patient_by_id[visit.patient_id]
    context = _Context.of(problem, plan, visit)
    days = []
    for clinician in problem.clinicians:
        if clinicians is not None and clinician.id not in clinicians:
            continue
        if qualification_gap(clinician, visit, patient) is not None:
            continue
        for shift in sorted(clinician.shifts, key=lambda s: s.day):
            if not any(
                window.end >= shift.window.start and window.start <= shift.latest_end
                for window in visit.windows
            ):
                continue
            route = context.routes.get((clinician.id, shift.day))
            blockers = context.rule_blockers(clinician, shift.day)
            blockers += context.cap_blockers(clinician, shift.day, route)
            days.append(
                ClinicianDay(
                    clinician,
                    shift,
                    route,
                    context.work_cap(clinician, shift.day, route),
                    tuple(blockers),
                )
            )
    return days


def day_name(problem: Problem, day: int) -> str:
    """A horizon day as a scheduler reads it, e.g. ``Monday 2026-12-07``."""
    when = problem.horizon.date_of(day)
    return f"{when:%A} {when.isoformat()}"


@dataclass(frozen=True)
class _Context:
    """What the plan already holds that concerns the visit."""

    problem: Problem
    visit: Visit
    routes: dict[tuple[str, int], Route]
    same_discipline: dict[int, list[Visit]]  # day -> the patient's visits of the discipline
    team: dict[int, set[str]]  # week -> clinicians of the visit's care group
    week_visits: dict[tuple[str, int], int]
    week_work: dict[tuple[str, int], int]
    soc_day: int | None  # day of the patient's planned SOC, when the visit must follow it
    soc_missing: str | None  # id of the patient's SOC the plan leaves out
    first_other_day: int | None  # earliest day of the patient's other visits (for a SOC)
    plan_days: dict[str, int]  # the care plan's planned visits: id -> day
    discharge_day: int | None  # day of the care plan's planned discharge

    @classmethod
    def of(cls, problem: Problem, plan: Plan, visit: Visit) -> _Context:
        """Read the plan once for ``visit``."""
        visits = problem.visit_by_id
        group = care_group(visit)
        same: dict[int, list[Visit]] = defaultdict(list)
        team: dict[int, set[str]] = defaultdict(set)
        week_visits: dict[tuple[str, int], int] = defaultdict(int)
        week_work: dict[tuple[str, int], int] = defaultdict(int)
        planned_day: dict[str, int] = {}
        plan_days: dict[str, int] = {}
        discharge_day = None
        other_days = []
        for route in plan.routes:
            week_work[route.clinician_id, route.day // 7] += route.work_seconds
            for stop in route.stops:
                made = visits.get(stop.visit_id)
                day = stop.start // DAY
                week_visits[route.clinician_id, day // 7] += 1
                if made is None or made.patient_id != visit.patient_id:
                    continue
                planned_day[made.id] = day
                if not made.admits:
                    other_days.append(day)
                if made.discipline == visit.discipline:
                    same[day].append(made)
                if care_group(made) == group:
                    team[day // 7].add(route.clinician_id)
                if visit.care_plan_id is not None and made.care_plan_id == visit.care_plan_id:
                    plan_days[made.id] = day
                    if made.visit_type == VisitType.DC:
                        discharge_day = day
        soc_day = soc_missing = None
        if not visit.admits:
            for other in problem.visits_to_plan:
                if other.patient_id == visit.patient_id and other.admits:
                    if other.id in planned_day:
                        soc_day = max(soc_day or 0, planned_day[other.id])
                    else:
                        soc_missing = other.id
        return cls(
            problem, visit, {(r.clinician_id, r.day): r for r in plan.routes}, same, team,
            week_visits, week_work, soc_day, soc_missing, min(other_days, default=None),
            plan_days, discharge_day,
        )  # fmt: skip

    def rule_blockers(self, clinician: Clinician, day: int) -> list[Blocker]:
        """The care-plan rules that keep the visit off ``clinician``'s ``day``."""
        visit, found = self.visit, []
        others = [
            v
            for v in self.same_discipline.get(day, ())
            if visit.care_plan_id is not None or v.care_plan_id is not None
        ]
        if others:
            text = (
                f"patient {visit.patient_id} already has {visit.discipline} visit "
                f"{others[0].id} that day (one a day)"
            )
            found.append(Blocker(BlockKind.RULE, "one_visit_per_discipline_day", text))
        if self.soc_missing is not None:
            name = admission_name(self.problem.visit_by_id[self.soc_missing].visit_type)
            text = f"it waits for the {name} visit {self.soc_missing}, which is left out"
            found.append(Blocker(BlockKind.RULE, "soc_order", text))
        elif self.soc_day is not None and day < self.soc_day:
            text = f"the admission visit is on {day_name(self.problem, self.soc_day)}, later"
            found.append(Blocker(BlockKind.RULE, "soc_order", text))
        if visit.admits and self.first_other_day is not None and day > self.first_other_day:
            text = (
                f"the patient has a visit on {day_name(self.problem, self.first_other_day)}, "
                f"and the {admission_name(visit.visit_type)} comes first"
            )
            found.append(Blocker(BlockKind.RULE, "soc_order", text))
        if visit.visit_type == VisitType.DC:
            later = sorted(v for v, d in self.plan_days.items() if d > day)
            if later:
                text = f"the discharge comes last, and {later[0]} is on a later day"
                found.append(Blocker(BlockKind.RULE, "discharge_last", text))
        elif self.discharge_day is not None and day > self.discharge_day:
            text = f"the discharge is on {day_name(self.problem, self.discharge_day)}, earlier"
            found.append(Blocker(BlockKind.RULE, "discharge_last", text))
        team = self.team.get(day // 7, set())
        limit = self.problem.rules.max_clinicians_per_week
        if len(team | {clinician.id}) > limit:
            text = (
                f"{clinician.id} would be one clinician too many for {care_group(visit)} that "
                f"week (it has {', '.join(sorted(team))}; the limit is {limit})"
            )
            found.append(Blocker(BlockKind.RULE, "clinicians_per_week", text))
        return found

    def cap_blockers(self, clinician: Clinician, day: int, route: Route | None) -> list[Blocker]:
        """The daily and weekly caps ``clinician``'s ``day`` has reached."""
        visits = self.problem.visit_by_id
        stops = route.stops if route else ()
        points = self.visit.points + sum(visits[s.visit_id].points for s in stops)
        week = day // 7
        found = []
        if _over(len(stops) + 1, clinician.max_visits_per_day):
            text = f"{clinician.id}'s cap of {clinician.max_visits_per_day} visits a day"
            found.append(Blocker(BlockKind.FULL, "max_visits", text))
        if _over(points, clinician.max_points_per_day):
            cap = clinician.max_points_per_day
            text = f"{clinician.id}'s cap of {cap} points a day"
            found.append(Blocker(BlockKind.FULL, "max_points", text))
        if _over(self.week_visits[clinician.id, week] + 1, clinician.max_visits_per_week):
            text = f"{clinician.id}'s cap of {clinician.max_visits_per_week} visits a week"
            found.append(Blocker(BlockKind.FULL, "max_visits_week", text))
        cap = self.work_cap(clinician, day, route)
        if cap is not None and cap <= self.visit.duration:
            text = f"{clinician.id}'s weekly working time"
            found.append(Blocker(BlockKind.FULL, "max_work_week", text))
        return found

    def work_cap(self, clinician: Clinician, day: int, route: Route | None) -> int | None:
        """The most ``clinician``'s ``day`` may work: the daily cap and what the week leaves."""
        cap = clinician.max_work_per_day
        if clinician.max_work_per_week is None:
            return cap
        others = self.week_work[clinician.id, day // 7] - (route.work_seconds if route else 0)
        room = clinician.max_work_per_week - others
        return room if cap is None else min(cap, room)


def _over(value: int, cap: int | None) -> bool:
    """Whether ``value`` breaks an optional cap."""
    return cap is not None and value > cap
