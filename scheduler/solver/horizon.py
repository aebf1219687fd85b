"""Plan several days: insert every visit, try a day choice, then improve the plan kept.

A week of a large agency is too big for one routing model holding every visit on every
candidate day, so the horizon is decomposed (DESIGN.md). First each visit is inserted, hardest
first, at its cheapest place on any qualified clinician's route on a day its order allows
(``repair.py``: driving, the primary clinician, spacing, overtime, the patient's preferred
hours and the same time each visit), moving another visit out of its way if need be. When the
time left holds it, a plan by the day choice competes: CP-SAT picks a clinician-day per visit
(``day_choice``), each day is routed on its own, days in parallel (``_day_routing.py``), visits
a day could not hold are barred from it and the choice redone, and the visits still left out
are inserted; the better plan by ``plan_score`` is kept. A share of the time limit, whatever
the limit, is kept for improving it: moving visits to cheaper places (another position,
clinician or day), routing its days again, and inserting into the room made. The reasons of
the visits left out are checked on the final routes (``explain.py``). ``TimeBudget`` owns
the shares of the limit.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.domain import (
    Plan,
    Problem,
    ReasonCode,
    Route,
    TravelMatrix,
    Unassigned,
    Visit,
    compute_kpis,
)
from scheduler.solver._day_routing import polish_days, route_days
from scheduler.solver._placement import same_time_bands
from scheduler.solver.day_choice import DayChoice, choose_days
from scheduler.solver.explain import explain_left_out
from scheduler.solver.improve import improve_by_moves, plan_score
from scheduler.solver.model import Vehicle
from scheduler.solver.params import SolveParams
from scheduler.solver.repair import Repair, repair_left_out
from scheduler.solver.routing import Routing

log = logging.getLogger("scheduler")

GREEDY_SHARE = 0.4  # of the time, for the plan by insertion alone
IMPROVE_SHARE = 0.35  # of the time, kept for improving the plan kept
DAYS_WORTH = 2.0  # the day choice's plan is tried when the time left holds this many times
# what insertion alone took
DAY_CHOICE_SHARE = 0.15  # of the day choice's time, for CP-SAT's choice of days
REPAIR_SHARE = 0.4  # of the day choice's time after choosing, kept for its repair
RECHOSEN_BY = 0.85  # of that repair time still left when choosing days again must end
EXPLAIN_SECONDS = 0.01  # kept per left-out visit (25 clinicians) for checking its reason
REINSERT_SHARE = 0.2  # of the improving time, for inserting what the first plan left out
LAST_INSERT = 0.1  # of the improving time, kept for inserting into the room moves made
POLISH_SECONDS = 1.0  # a day's routing again is worth starting with this much time
MAX_REPAIRS = 2


@dataclass(frozen=True)
class TimeBudget:
    """The solve's time, from ``start`` to ``deadline`` (monotonic seconds), and its shares."""

    start: float
    deadline: float

    @classmethod
    def until(cls, deadline: float) -> TimeBudget:
        """The time from now to ``deadline`` (none if it has passed)."""
        now = time.monotonic()
        return cls(now, max(now, deadline))

    def at(self, share: float) -> float:
        """The instant when ``share`` of the whole time has passed."""
        return self.start + share * (self.deadline - self.start)


def plan_horizon(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    *,
    deadline: float,
) -> Routing:
    """Plan ``visits`` over the horizon's clinician-days by ``deadline``."""
    budget = TimeBudget(time.monotonic(), deadline)
    repair = repair_left_out(
        problem, travel, _checkable(problem, (), set()), visits, deadline=budget.at(GREEDY_SHARE)
    )
    message = "insertion"
    greedy_seconds = time.monotonic() - budget.start
    days_end = budget.at(1 - IMPROVE_SHARE)
    if days_end - time.monotonic() > DAYS_WORTH * greedy_seconds:
        by_days = _plan_by_days(
            problem, travel, params, visits, vehicles, candidates, deadline=days_end
        )
        if by_days is not None:
            ours = plan_score(problem, by_days[0].plan, params)
            theirs = plan_score(problem, repair.plan, params)
            log.info("planned by the days %s, by insertion alone %s", ours, theirs)
            if ours < theirs:
                repair, message = by_days
    repair = _improve(problem, travel, params, repair, visits, vehicles, candidates, deadline)
    planned = {stop.visit_id for route in repair.plan.routes for stop in route.stops}
    left = [visit for visit in visits if visit.id not in planned]
    routes = tuple(sorted(repair.plan.routes, key=lambda route: (route.day, route.clinician_id)))
    unassigned = explain_left_out(
        problem, travel, repair.plan, left, refused=repair.refused, deadline=deadline
    )
    log.info("reasons checked, %.1f s left", deadline - time.monotonic())
    if repair.placed:
        message += f"; {len(repair.placed)} visit(s) placed by insertion"
    return Routing(routes, unassigned, None, message)


def _plan_by_days(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    *,
    deadline: float,
) -> tuple[Repair, str] | None:
    """A plan by the day choice, and how its searches ended (``None``: nothing chosen).

    Days are chosen, each day routed, the overflow chosen again, and the visits still left
    out inserted.
    """
    choice = choose_days(
        problem,
        travel,
        params,
        visits,
        vehicles,
        candidates,
        deadline=TimeBudget.until(deadline).at(DAY_CHOICE_SHARE),
    )
    log.info("day choice %s: %d placed", choice.status, len(choice.vehicle_of))
    if not choice.vehicle_of:
        return None  # nothing chosen: its plan would be insertion alone again
    repair_seconds = REPAIR_SHARE * max(0.0, deadline - time.monotonic())
    by_day = route_days(
        problem, travel, params, choice, visits, vehicles, candidates, set(),
        deadline - repair_seconds,
    )  # fmt: skip
    log.info("days routed, %.1f s left", deadline - time.monotonic())
    choice, by_day = _choose_again(
        problem, travel, params, visits, vehicles, candidates, choice, by_day,
        deadline=deadline - RECHOSEN_BY * repair_seconds,
    )  # fmt: skip
    routes, message = _merge(choice, by_day)
    placed = {stop.visit_id for route in routes for stop in route.stops}
    repair = repair_left_out(
        problem, travel, _checkable(problem, routes, placed),
        [visit for visit in visits if visit.id not in placed], deadline=deadline,
    )  # fmt: skip
    return repair, message


def _improve(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    repair: Repair,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    deadline: float,
) -> Repair:
    """Improve the plan kept until the time for checking reasons is left.

    Visits are moved to cheaper places and the days routed again, then the visits still left
    out are inserted where the moves made room.
    """
    first = TimeBudget.until(deadline).at(REINSERT_SHARE)
    repair = _insert_rest(problem, travel, repair, visits, deadline=first)
    left_out = len(visits) - sum(len(route.stops) for route in repair.plan.routes)
    explaining = EXPLAIN_SECONDS * left_out * len(problem.clinicians) / 25
    end = deadline - min(explaining, 0.25 * (deadline - time.monotonic()))
    improve_end = end - LAST_INSERT * (end - time.monotonic())
    moved = 1
    while moved and time.monotonic() < improve_end:
        repair.plan, moved = improve_by_moves(problem, travel, repair.plan, deadline=improve_end)
    waves = -(-problem.horizon.days // params.workers)
    if improve_end - time.monotonic() > POLISH_SECONDS * waves:
        repair.plan = polish_days(
            problem, travel, params, repair.plan, vehicles, candidates, deadline=improve_end
        )
    repair = _insert_rest(problem, travel, repair, visits, deadline=end)
    log.info(
        "improved %s, %.1f s left",
        plan_score(problem, repair.plan, params),
        deadline - time.monotonic(),
    )
    return repair


def _insert_rest(
    problem: Problem,
    travel: TravelMatrix,
    repair: Repair,
    visits: Sequence[Visit],
    *,
    deadline: float,
) -> Repair:
    """Go on inserting the visits ``repair`` left out.

    The time may have cut the insertion short, or moves may have made room.
    """
    planned = {stop.visit_id for route in repair.plan.routes for stop in route.stops}
    left = [visit for visit in visits if visit.id not in planned]
    if not left:
        return repair
    more = repair_left_out(problem, travel, repair.plan, left, deadline=deadline)
    for visit_id, refusals in repair.refused.items():
        more.refused[visit_id] = [*refusals, *more.refused.get(visit_id, [])]
    more.placed = [*repair.placed, *more.placed]
    return more


def _choose_again(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    choice: DayChoice,
    by_day: dict[int, Routing],
    *,
    deadline: float,
) -> tuple[DayChoice, dict[int, Routing]]:
    """Bar visits from the days that could not hold them, choose and route again by ``deadline``.

    A new choice is kept only when it leaves out fewer required visits, or as many and less
    optional priority. Days routed again prefer the times of day the other days' routes give
    each patient's visits of a discipline (``same_time_bands``).
    """
    forbidden: set[tuple[str, int]] = set()
    for _ in range(MAX_REPAIRS):
        overflow = [u.visit_id for day in by_day.values() for u in day.unassigned]
        if not overflow or time.monotonic() >= deadline:
            break
        for visit_id in overflow:
            if visit_id not in choice.vehicle_of:
                continue
            day = vehicles[choice.vehicle_of[visit_id]].shift.day
            forbidden.update(
                (visit_id, n) for n in candidates[visit_id] if vehicles[n].shift.day == day
            )
        repaired = choose_days(
            problem, travel, params, visits, vehicles, candidates,
            deadline=TimeBudget.until(deadline).at(DAY_CHOICE_SHARE),
            forbidden=frozenset(forbidden), previous=choice.vehicle_of,
        )  # fmt: skip
        changed = _changed_days(choice, repaired, vehicles)
        log.info("repair: %d overflowing visits, %d days to redo", len(overflow), len(changed))
        if not changed:
            break
        redone = route_days(
            problem, travel, params, repaired, visits, vehicles, candidates, changed, deadline,
            same_time=same_time_bands(problem, _merge(choice, by_day)[0]),
        )  # fmt: skip
        candidate = {**by_day, **redone}
        if not _better(problem, (repaired, candidate), (choice, by_day)):
            break
        choice, by_day = repaired, candidate
    return choice, by_day


def _better(
    problem: Problem,
    after: tuple[DayChoice, Mapping[int, Routing]],
    before: tuple[DayChoice, Mapping[int, Routing]],
) -> bool:
    """Whether every day of ``after`` has a plan and it leaves out less.

    Fewer required visits left out wins; as many, then less optional priority left out.
    """
    if any(routing.routes is None for routing in after[1].values()):
        return False
    return left_out_weight(problem, after) < left_out_weight(problem, before)


def left_out_weight(
    problem: Problem, state: tuple[DayChoice, Mapping[int, Routing]]
) -> tuple[int, int]:
    """Required visits left out, then the summed priority of optional ones left out."""
    choice, by_day = state
    ids = set(choice.left_out) | {u.visit_id for r in by_day.values() for u in r.unassigned}
    left = [problem.visit_by_id[visit_id] for visit_id in ids]
    required = sum(not visit.optional for visit in left)
    return required, sum(visit.priority for visit in left if visit.optional)


def _changed_days(before: DayChoice, after: DayChoice, vehicles: Sequence[Vehicle]) -> set[int]:
    """Days whose set of visits differs between two choices."""

    def visits_by_day(choice: DayChoice) -> dict[int, set[str]]:
        days: dict[int, set[str]] = defaultdict(set)
        for visit_id, number in choice.vehicle_of.items():
            days[vehicles[number].shift.day].add(visit_id)
        return days

    old, new = visits_by_day(before), visits_by_day(after)
    return {day for day in old.keys() | new.keys() if old.get(day) != new.get(day)}


def _merge(choice: DayChoice, by_day: Mapping[int, Routing]) -> tuple[tuple[Route, ...], str]:
    """The routes of every day, and how the searches ended."""
    routes: list[Route] = []
    messages = set()
    for routing in by_day.values():
        routes += routing.routes or ()
        messages.add(routing.message)
    return tuple(routes), "; ".join(sorted(messages)) or choice.status


def _checkable(problem: Problem, routes: tuple[Route, ...], placed: set[str]) -> Plan:
    """A plan of ``routes`` the validator can read: every other visit marked as left out.

    Its reasons are placeholders; the final ones come from ``explain_left_out``.
    """
    unassigned = tuple(
        Unassigned(visit.id, ReasonCode.NOT_SOLVED, "Not placed yet.")
        for visit in problem.visits_to_plan
        if visit.id not in placed
    )
    return Plan(routes, unassigned, compute_kpis(problem, routes, unassigned))
