"""Route a set of visits over a set of clinician-days, and explain what did not fit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.domain import Problem, ReasonCode, Route, TravelMatrix, Unassigned, Visit
from scheduler.solver._search import SearchInput, run_search
from scheduler.solver.explain import explain_dropped
from scheduler.solver.model import Vehicle
from scheduler.solver.params import SolveParams


@dataclass(frozen=True)
class Routing:
    """Routes found, visits left out with reasons, and how the search ended.

    ``routes`` is ``None`` when the search found no plan at all (``failed`` if it crashed).
    """

    routes: tuple[Route, ...] | None
    unassigned: tuple[Unassigned, ...]
    objective: int | None
    message: str
    failed: bool = False


def route_visits(
    problem: Problem,
    travel: TravelMatrix,
    params: SolveParams,
    visits: Sequence[Visit],
    vehicles: Sequence[Vehicle],
    candidates: Mapping[str, Sequence[int]],
    *,
    deadline: float,
) -> Routing:
    """Route ``visits`` on ``vehicles`` (each visit only on its ``candidates``) by ``deadline``."""
    if not visits:
        return Routing((), (), 0, "nothing to route")
    search = SearchInput(problem, travel, params, list(visits), list(vehicles), candidates)
    outcome = run_search(search, deadline=deadline)
    if outcome.routes is None:
        unassigned = tuple(
            Unassigned(v.id, ReasonCode.NOT_SOLVED, "The search stopped before finding a plan.")
            for v in visits
        )
        return Routing(None, unassigned, None, outcome.message, outcome.failed)
    routed = {stop.visit_id for route in outcome.routes for stop in route.stops}
    dropped = [visit for visit in visits if visit.id not in routed]
    unassigned = explain_dropped(problem, travel, vehicles, candidates, dropped, outcome.routes)
    return Routing(outcome.routes, unassigned, outcome.objective, outcome.message)
