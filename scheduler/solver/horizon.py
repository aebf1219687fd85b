"""Plan several days: choose days and clinicians, route each day, then move what overflowed.

A week of a large agency is too big for one routing model holding every visit on every
candidate day, so the horizon is decomposed (DESIGN.md): CP-SAT picks a clinician-day per
visit (``day_choice``); each day is routed on its own, days in parallel, every qualified
clinician working that day offered each visit (the chosen one preferred through the
objective) as far as the clinicians-per-week rule allows (``_day_routing.py``). A share of
the time limit, whatever the limit, is kept for repair: visits a day's routes could not hold
are barred from that day and the choice and the changed days are redone (kept only if fewer
required visits, then fewer optional ones by priority, are left out), then each visit still
left out is inserted wherever a qualified clinician's route on a day its order allows takes
it, moving another visit out of its way if need be (``repair.py``). A plan built by insertion
alone competes (it wins when the day choice had too little time); the plan kept is improved
by moving visits to cheaper places (another position, clinician or day) and routing its days
again, and the reasons of the visits left out are checked on the final routes
(``explain.py``).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence

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
from scheduler.solver.day_choice import DayChoice, choose_days
from scheduler.solver.explain import explain_left_out
from scheduler.solver.improve import improve_by_moves, plan_score
from scheduler.solver.model import Vehicle
from scheduler.solver.params import SolveParams
from scheduler.solver.repair import Repair, repair_left_out
from scheduler.solver.routing import Routing

log = logging.getLogger("scheduler")

DAY_CHOICE_SHARE = 0.15  # of the time left, for CP-SAT's choice of days
REPAIR_SHARE = 0.4  # of the time left after the day choice, kept for repair at any limit
# Where each step of the repair must end, as the share of the repair time still left then:
# choosing days again, inserting left-out visits, a plan by insertion alone (kept if better),
# moving visits of the plan kept to cheaper places and routing its days again; the rest
# checks the reasons.
RECHOSEN_BY, INSERTED_BY, GREEDY_BY, IMPROVED_BY = 0.85, 0.35, 0.15, 0.03
EXPLAIN_SECONDS = 0.01  # kept per left-out visit (25 clinicians) for checking its reason
LAST_INSERT = 0.1  # of the improving time, kept for inserting into the room moves made
POLISH_SECONDS = 1.0  # a day's routing again is worth starting with this much time
GREEDY_MARGIN = 1.3  # insertion alone runs when the time left holds this times its estimate
MAX_REPAIRS = 2


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
    choice = choose_days(
        problem,
        travel,
        params,
        visits,
        vehicles,
        candidates,
        deadline=_share_of(deadline, DAY_CHOICE_SHARE),
    )
    log.info("day choice %s: %d placed", choice.status, len(choice.vehicle_of))
    repair_seconds = REPAIR_SHARE * max(0.0, deadline - time.monotonic())
    by_day = route_days(
        problem, travel, params, choice, visits, vehicles, candidates, set(),
        deadline - repair_seconds,
    )  # fmt: skip
    log.info("days routed, %.1f s left", deadline - time.monotonic())

    def until(share_left: float) -> float:
        return deadline - share_left * repair_seconds

    choice, by_day = _choose_again(
        problem, travel, params, visits, vehicles, candidates, choice, by_day,
        deadline=until(RECHOSEN_BY),
    )  # fmt: skip
    routes, message = _merge(choice, by_day)
    placed = {stop.visit_id for route in routes for stop in route.stops}
    started = time.monotonic()
    repair = repair_left_out(
        problem, travel, _checkable(problem, routes, placed),
        [visit for visit in visits if visit.id not in placed], deadline=until(INSERTED_BY),
    )  # fmt: skip
    per_visit = (time.monotonic() - started) / max(1, len(repair.placed))
    log.info("repaired, %.1f s left", deadline - time.monotonic())
    if placed and (
        len(repair.placed) < 20
        or GREEDY_MARGIN * per_visit * len(visits) < until(GREEDY_BY) - time.monotonic()
    ):  # (with nothing placed by the days, the repair was insertion alone already)
        greedy = repair_left_out(
            problem, travel, _checkable(problem, (), set()), visits, deadline=until(GREEDY_BY)
        )
        ours = plan_score(problem, repair.plan, params)
        theirs = plan_score(problem, greedy.plan, params)
        log.info("planned by the days %s, by insertion alone %s", ours, theirs)
        if theirs < ours:
            repair, message = greedy, "insertion alone (better than the day choice's plan)"
    repair = _insert_rest(problem, travel, repair, visits, deadline=until(IMPROVED_BY))
    left_out = len(visits) - sum(len(route.stops) for route in repair.plan.routes)
    explaining = EXPLAIN_SECONDS * left_out * len(problem.clinicians) / 25
    end = min(until(IMPROVED_BY), deadline - min(explaining, 0.25 * (deadline - time.monotonic())))
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
    planned = {stop.visit_id for route in repair.plan.routes for stop in route.stops}
    left = [visit for visit in visits if visit.id not in planned]
    routes = tuple(sorted(repair.plan.routes, key=lambda route: (route.day, route.clinician_id)))
    unassigned = explain_left_out(
        problem, travel, repair.plan, left, refused=repair.refused, deadline=deadline
    )
    log.info("reasons checked, %.1f s left", deadline - time.monotonic())
    if repair.placed:
        message += f"; {len(repair.placed)} visit(s) placed by repair"
    return Routing(routes, unassigned, None, message)


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
    optional priority.
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
            deadline=_share_of(deadline, DAY_CHOICE_SHARE),
            forbidden=frozenset(forbidden), previous=choice.vehicle_of,
        )  # fmt: skip
        changed = _changed_days(choice, repaired, vehicles)
        log.info("repair: %d overflowing visits, %d days to redo", len(overflow), len(changed))
        if not changed:
            break
        redone = route_days(
            problem, travel, params, repaired, visits, vehicles, candidates, changed, deadline
        )
        candidate = {**by_day, **redone}
        if not _better(problem, (repaired, candidate), (choice, by_day)):
            break
        choice, by_day = repaired, candidate
    return choice, by_day


def _share_of(deadline: float, share: float) -> float:
    """The instant when ``share`` of the time left until ``deadline`` has passed."""
    now = time.monotonic()
    return now + share * max(0.0, deadline - now)


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
