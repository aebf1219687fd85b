"""Route a set of visits over a set of clinician-days, and explain what did not fit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scheduler.domain import (
    Problem,
    ReasonCode,
    Route,
    TimeWindow,
    TravelMatrix,
    Unassigned,
    Visit,
)
from scheduler.solver._search import SearchInput, SearchOutcome, rebuild_routes, run_search
from scheduler.solver.explain import explain_dropped
from scheduler.solver.model import Vehicle
from scheduler.solver.params import SolveParams


def initial_sequences(
    visits: Sequence[Visit], vehicles: Sequence[Vehicle], routes: Sequence[Route]
) -> list[list[int]]:
    """Visit positions per vehicle in the order ``routes`` make them (unknown visits skipped)."""
    position = {visit.id: number for number, visit in enumerate(visits)}
    by_vehicle = {(route.clinician_id, route.day): route for route in routes}
    sequences = []
    for vehicle in vehicles:
        route = by_vehicle.get((vehicle.clinician.id, vehicle.shift.day))
        stops = route.stops if route else ()
        sequences.append([position[s.visit_id] for s in stops if s.visit_id in position])
    return sequences


@dataclass(frozen=True)
class Routing:
    """Routes found, visits left out with reasons, and how the search ended.

    ``routes`` is ``None`` when the search found no plan at all (``failed`` if it crashed).
    ``first_objective`` is the objective of the search's first plan (see ``SearchOutcome``).
    """

    routes: tuple[Route, ...] | None
    unassigned: tuple[Unassigned, ...]
    objective: int | None
    message: str
    failed: bool = False
    first_objective: int | None = None


def route_visits(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    *,
    deadline: float,
    start_from: Sequence[Route] = (),
    same_time: Mapping[str, TimeWindow] | None = None,
) -> Routing:
    """Route ``visits`` on ``vehicles`` (each visit only on its ``candidates``) by ``deadline``.

    ``start_from`` routes (matched to vehicles by clinician and day) seed the first worker's
    search, so a plan that changes little stays close to them. ``same_time`` gives visits
    the times of day their patient's other visits of the discipline that week ask for.
    """
    if not visits:
        return Routing((), (), 0, "nothing to route")
    search = SearchInput(
        problem,
        travel,
        params,
        list(visits),
        list(vehicles),
        candidates,
        initial_sequences(visits, vehicles, start_from) if start_from else None,
        same_time,
    )
    outcome = run_search(search, deadline=deadline)
    lone = lone_linked_visits(problem, outcome.routes or ())
    if lone:
        outcome = _without_visits(search, outcome, lone, deadline=deadline)
    if outcome.routes is None:
        unassigned = tuple(
            Unassigned(v.id, ReasonCode.NOT_SOLVED, "The search stopped before finding a plan.")
            for v in visits
        )
        return Routing(None, unassigned, None, outcome.message, outcome.failed)
    routed = {stop.visit_id for route in outcome.routes for stop in route.stops}
    dropped = [visit for visit in visits if visit.id not in routed and visit.id not in lone]
    unassigned = explain_dropped(
        problem, travel, vehicles, candidates, dropped, outcome.routes, deadline=deadline
    )
    unassigned += tuple(
        Unassigned(
            visit_id,
            ReasonCode.LINKED_VISIT_LEFT_OUT,
            f"Its linked visit {partner} could not be placed, and the two are made together "
            "or not at all.",
        )
        for visit_id, partner in lone.items()
    )
    return Routing(
        outcome.routes,
        unassigned,
        outcome.objective,
        outcome.message,
        first_objective=outcome.first_objective,
    )


def lone_linked_visits(problem: Problem, routes: Sequence[Route]) -> dict[str, str]:
    """Routed visits whose linked visit is not routed, each with the id of that partner."""
    routed = {stop.visit_id for route in routes for stop in route.stops}
    return {
        visit_id: link.partner_of(visit_id)
        for visit_id, link in problem.link_by_visit.items()
        if visit_id in routed and link.partner_of(visit_id) not in routed
    }


def _without_visits(
    search: SearchInput, outcome: SearchOutcome, visit_ids: Iterable[str], *, deadline: float
) -> SearchOutcome:
    """The outcome's routes without ``visit_ids``, times recomputed."""
    ids = set(visit_ids)
    leaving = {number for number, visit in enumerate(search.visits) if visit.id in ids}
    sequences = initial_sequences(search.visits, search.vehicles, outcome.routes or ())
    kept = [[node for node in sequence if node not in leaving] for sequence in sequences]
    return rebuild_routes(search, outcome.objective or 0, kept, deadline=deadline)
