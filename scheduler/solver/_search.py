"""Run the OR-Tools search in a child process that can be stopped at a wall-clock deadline.

OR-Tools holds the GIL while it searches and may overshoot its own time limit (first solution
on a large model, a long LNS step). The child reports every improving solution's routes, with
their times, over a pipe; it cancels itself at a soft deadline, and the parent kills it at the
hard one and keeps the last reported routes (timing them again took OR-Tools longer than the
time kept for it on large days with lunch breaks).
"""

from __future__ import annotations

import logging
import multiprocessing
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait

from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2

from scheduler.domain import Problem, Route, TimeWindow, TravelMatrix, Visit
from scheduler.solver._chronological import chronological_routes
from scheduler.solver._pyvrp_seed import seed_sequences
from scheduler.solver.constraints import build_model
from scheduler.solver.model import CurrentValues, Vehicle, VisitModel, read_routes
from scheduler.solver.params import SolveParams

log = logging.getLogger("scheduler")

SEARCH_SHARE = 0.95  # of the time before the kill, for the OR-Tools search in the child
REBUILD_SHARE = 0.05  # of the time, kept after the kill (re-timing routes, left-out reasons)
REBUILD_SECONDS = (0.3, 3.0)  # the least and most time kept after the kill
TIMING_SECONDS = 3.0  # the LNS limit while given routes are timed: at least this (or the search)
TIMING_SHARE = 0.3  # ... or up to this share of the search on days with lunch breaks
REPORT_SECONDS = 0.5  # between two improving plans sent (reading one with its times costs)
GLOP_SCHEDULING = routing_parameters_pb2.RoutingSearchParameters.SCHEDULING_GLOP
LINKED_PYVRP_SHARE = 0.3  # of the first worker's time, for PyVRP's routes of a day with links
PORTFOLIO = ("PARALLEL_CHEAPEST_INSERTION", "SAVINGS", "LOCAL_CHEAPEST_INSERTION")


@dataclass(frozen=True)
class SearchOutcome:
    """The routes found (``None`` when none were), their objective and how the search ended.

    ``first_objective`` is the objective of the first plan the search reported (the best of
    the workers' first ones): the first routes, before the search improved them.
    """

    routes: tuple[Route, ...] | None
    objective: int | None
    message: str
    failed: bool = False
    first_objective: int | None = None


@dataclass(frozen=True)
class SearchInput:
    """Everything the child needs to build the model."""

    problem: Problem
    travel: TravelMatrix
    params: SolveParams
    visits: list[Visit]
    vehicles: list[Vehicle]
    candidates: Mapping[str, Sequence[int]]
    initial: list[list[int]] | None = None  # visit positions per vehicle to start from
    same_time: Mapping[str, TimeWindow] | None = None  # per visit id (add_same_time)

    def build(self) -> VisitModel:
        """Build the routing model."""
        return build_model(
            self.problem, self.travel, self.params, self.visits, self.vehicles, self.candidates,
            same_time=self.same_time,
        )  # fmt: skip


def run_search(search: SearchInput, *, deadline: float) -> SearchOutcome:
    """Search until ``deadline`` (a ``time.monotonic()`` instant) at the latest.

    ``search.params.workers`` processes search at once, each from its own first solution
    strategy; the best plan of any of them wins.

    Returns
    -------
    SearchOutcome
        The best plan found, or no routes when the search found none in time.
    """
    outcome, firsts = _search_workers(search, deadline=deadline)
    return replace(outcome, first_objective=min(firsts, default=None))


def _search_workers(search: SearchInput, *, deadline: float) -> tuple[SearchOutcome, list[int]]:
    """The best plan of the workers' searches and each worker's first reported objective."""
    context = multiprocessing.get_context("fork")
    now = time.monotonic()
    reserve = min(max(REBUILD_SHARE * (deadline - now), REBUILD_SECONDS[0]), REBUILD_SECONDS[1])
    kill_at = deadline - reserve
    soft_deadline = now + SEARCH_SHARE * max(0.0, kill_at - now)
    children, receivers = [], []
    for strategy in first_solution_portfolio(search.params):
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(
            target=_search_in_child,
            args=(search, strategy, soft_deadline, sender),
            daemon=True,
        )
        child.start()
        sender.close()
        children.append(child)
        receivers.append(receiver)
    improved: dict[Connection, tuple[int, tuple[Route, ...]]] = {}
    first: dict[Connection, int] = {}
    finals: list[SearchOutcome] = []
    failure: str | None = None
    pending = list(receivers)
    try:
        while pending and (remaining := kill_at - time.monotonic()) > 0:
            for receiver in _readable(pending, remaining):
                try:
                    message = receiver.recv()
                except EOFError:
                    pending.remove(receiver)
                    continue
                if message[0] == "improved":
                    improved[receiver] = (message[1], message[2])
                    first.setdefault(receiver, message[1])
                    continue
                pending.remove(receiver)
                if message[0] == "failed":
                    log.error("a search process failed:\n%s", message[1])
                    failure = message[2]
                elif message[1] is not None:
                    finals.append(SearchOutcome(message[1], message[2], message[3]))
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
            child.join()
        for receiver in receivers:
            receiver.close()
    best_final = min(finals, key=lambda outcome: outcome.objective or 0, default=None)
    stopped = [improved[r] for r in pending if r in improved]
    best_stopped = min(stopped, key=lambda pair: pair[0], default=None)
    final_objective = None if best_final is None else best_final.objective
    if best_stopped is not None and (final_objective is None or best_stopped[0] < final_objective):
        message = "stopped at the wall-clock limit; the best plan found so far is returned"
        return SearchOutcome(best_stopped[1], best_stopped[0], message), list(first.values())
    if best_final is not None:
        return best_final, list(first.values())
    if failure is not None:
        return SearchOutcome(None, None, f"the search failed: {failure}", failed=True), []
    return SearchOutcome(None, None, "the search found no plan before the time limit"), []


def _readable(pending: list[Connection], timeout: float) -> list[Connection]:
    """The connections of ``pending`` with a message or end of file, waiting up to ``timeout``."""
    return [ready for ready in wait(pending, timeout) if isinstance(ready, Connection)]


def first_solution_portfolio(params: SolveParams) -> list[str]:
    """One first solution strategy per worker: the chosen one, then the portfolio's others."""
    others = [name for name in PORTFOLIO if name != params.first_solution]
    return [params.first_solution, *others][: params.workers]


def rebuild_routes(
    search: SearchInput, objective: int, sequences: list[list[int]], *, deadline: float
) -> SearchOutcome:
    """The plan of a visit order (routes some visits left), times recomputed in a child.

    Restoring routes can itself take long (breaks, cumul optimisation), so it runs where it
    can be stopped at ``deadline`` too.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_rebuild_in_child, args=(search, sequences, sender), daemon=True)
    child.start()
    sender.close()
    try:
        routes = receiver.recv() if receiver.poll(max(0.0, deadline - time.monotonic())) else None
    except EOFError:
        routes = None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if routes is None:
        return SearchOutcome(None, None, "the last plan found could not be rebuilt in time")
    return SearchOutcome(
        routes, objective, "stopped at the wall-clock limit; the best plan found so far is returned"
    )


def _rebuild_in_child(search: SearchInput, sequences: list[list[int]], sender: Connection) -> None:
    """Child process body: restore the routes and send them with their times (or ``None``)."""
    try:
        model = search.build()
        parameters = pywrapcp.DefaultRoutingSearchParameters()  # greedy: stops once timed
        parameters.lns_time_limit.FromMilliseconds(_timing_milliseconds(TIMING_SECONDS))
        parameters.mixed_integer_scheduling_solver = GLOP_SCHEDULING  # as for a warm start
        model.routing.CloseModelWithParameters(parameters)
        routes = [[model.visit_index(node) for node in sequence] for sequence in sequences]
        assignment = model.routing.ReadAssignmentFromRoutes(routes, True)
        sender.send(None if assignment is None else read_routes(model, assignment))
    except Exception:  # a crash must reach the parent as "no plan", not a hang
        log.exception("rebuilding the last plan failed")
        sender.send(None)
    finally:
        sender.close()


def _search_in_child(
    search: SearchInput, strategy: str, soft_deadline: float, sender: Connection
) -> None:
    """Child process body: run the search and report a crash instead of dying silently."""
    try:
        _search_and_report(search, strategy, soft_deadline, sender)
    except Exception as error:  # a crash must reach the parent as a status, not a hang
        sender.send(("failed", traceback.format_exc(), f"{type(error).__name__}: {error}"))
    finally:
        sender.close()


def _search_and_report(
    search: SearchInput, strategy: str, soft_deadline: float, sender: Connection
) -> None:
    """Build, search, report improvements, then the final plan."""
    model = search.build()
    routing = model.routing
    best_cost = [None]
    last_report = [-REPORT_SECONDS]

    def on_solution() -> None:
        cost = routing.CostVar().Value()
        now = time.monotonic()
        if (best_cost[0] is None or cost < best_cost[0]) and now - last_report[0] >= REPORT_SECONDS:
            best_cost[0], last_report[0] = cost, now
            sender.send(("improved", cost, read_routes(model, CurrentValues())))
        if now > soft_deadline:
            routing.CancelSearch()

    routing.AddAtSolutionCallback(on_solution)

    def parameters() -> pywrapcp.RoutingSearchParameters:
        seconds = max(0.05, soft_deadline - time.monotonic())
        return search_parameters(search.params, strategy, seconds, lunches=bool(model.lunches))

    assignment = None
    for initial in _first_routes(search, model, strategy, soft_deadline):
        assignment = _search_from_routes(model, initial, parameters(), soft_deadline)
        if assignment is not None or best_cost[0] is not None:
            break
        log.info("first routes break a rule of the model; %s tries the next", strategy)
    else:
        assignment = routing.SolveWithParameters(parameters())
    status = routing_enums_pb2.RoutingSearchStatus.Value.Name(routing.status())
    message = f"search ended ({status})"
    if assignment is not None:
        sender.send(("final", read_routes(model, assignment), assignment.ObjectiveValue(), message))
    else:
        sender.send(("final", None, None, f"no plan found ({status})"))


def _search_from_routes(
    model: VisitModel,
    initial: list[list[int]],
    parameters: pywrapcp.RoutingSearchParameters,
    soft_deadline: float,
) -> pywrapcp.Assignment | None:
    """Time the routes ``initial`` (visit positions per vehicle), then search from them.

    The routes are loaded as they are and timed by GLOP under a long LNS limit
    (``_timing_milliseconds``): under the default 0.1 s a busy machine failed valid warm
    starts, and a MIP (CP-SAT) failed half those of days with lunches within 0.3 s.
    (ReadAssignmentFromRoutes would time them by a search that, under guided local search,
    runs to the limit it closes with.) A day without lunches is then searched under those
    settings. A day with lunches is timed apart, stopping at its first plan (reported at
    once), and searched under ``parameters``, for one long LNS step there costs a long step
    on every move; if the timed routes cannot be restored that way (the 460-patient i-053),
    under the timing's settings. Returns the timed routes when no search from them ran,
    ``None`` when they break a rule of the model.
    """
    routing = model.routing
    timing = routing_parameters_pb2.RoutingSearchParameters()
    timing.CopyFrom(parameters)
    timing.solution_limit = 1
    timing.disable_scheduling_beware_this_may_degrade_performance = False
    timing.mixed_integer_scheduling_solver = GLOP_SCHEDULING
    seconds = max(0.05, soft_deadline - time.monotonic())
    timing.lns_time_limit.FromMilliseconds(
        _timing_milliseconds(seconds, lunches=bool(model.lunches))
    )
    routing.CloseModelWithParameters(timing)
    routes = [[model.visit_index(node) for node in sequence] for sequence in initial]
    start = routing.solver().Assignment()
    if not routing.RoutesToAssignment(routes, True, True, start):
        return None
    if not model.lunches:
        # One search from the routes under the long LNS limit, as before lunches were
        # searched apart: on the Mankowska days its LNS steps move linked pairs (timed
        # apart, then searched at 0.1 s, F and G came out 0.5 and 1.2 points further from
        # the reference BRKGA's mean, in runs on the same machine the same evening).
        timing.solution_limit = parameters.solution_limit
        return routing.SolveFromAssignmentWithParameters(start, timing)
    timed = routing.SolveFromAssignmentWithParameters(start, timing)
    if timed is None:
        return None
    timing.solution_limit = parameters.solution_limit
    for limits in (parameters, timing):
        limits.time_limit.FromMilliseconds(max(1, int(1000 * (soft_deadline - time.monotonic()))))
        found = routing.SolveFromAssignmentWithParameters(timed, limits)
        if found is not None:
            return found
    return timed


def _first_routes(
    search: SearchInput, model: VisitModel, strategy: str, soft_deadline: float
) -> list[list[list[int]]]:
    """Routes the first worker starts from, best first; none for the other workers.

    The caller's if given. Else, on a day with linked visits, PyVRP's routes with each linked
    visit pinned where the routes built in time order start it (PyVRP knows no links), in
    ``pyvrp_share`` of the time left before ``soft_deadline`` (``LINKED_PYVRP_SHARE`` if 0),
    then those time-ordered routes; on such a day with lunch breaks, the time-ordered routes
    only (PyVRP's lowered the UHHC total of 6 of 25 generated days and raised it on 13, by
    leaving one clinician's day emptier: the highest idle time, which the model does not
    price). Else PyVRP's, in ``pyvrp_share`` of the time.
    """
    params = search.params
    if strategy != params.first_solution:
        return []
    if search.initial is not None:
        return [search.initial]
    share = params.pyvrp_share
    if search.problem.links:
        chronological = chronological_routes(model, search.candidates)
        if model.lunches:
            return [chronological.sequences]
        linked = {n for pair in model.linked_pairs() for n in pair}
        pins = {n: start for n, start in chronological.starts.items() if n in linked}
        seconds = (share or LINKED_PYVRP_SHARE) * max(0.0, soft_deadline - time.monotonic())
        seeded = seed_sequences(
            model, search.candidates, seconds=seconds, seed=params.seed, pins=pins
        )
        if seeded is None:
            return [chronological.sequences]
        return [_without_lone_partners(model, seeded), chronological.sequences]
    if share == 0:
        return []
    seconds = share * max(0.0, soft_deadline - time.monotonic())
    seeded = seed_sequences(model, search.candidates, seconds=seconds, seed=params.seed)
    return [] if seeded is None else [seeded]


def _without_lone_partners(model: VisitModel, sequences: list[list[int]]) -> list[list[int]]:
    """``sequences`` without the linked visits whose partner they do not hold."""
    held = {n for sequence in sequences for n in sequence}
    lone = {n for pair in model.linked_pairs() if not set(pair) <= held for n in pair}
    return [[n for n in sequence if n not in lone] for sequence in sequences]


def _timing_milliseconds(seconds: float, *, lunches: bool = False) -> int:
    """The LNS limit while given routes get their times, for a search of ``seconds``.

    3 s, or on a day with lunch breaks a share of a long search: the 74 first routes of a
    500-patient day with lunches took OR-Tools 3 to 20 s to time. Never more than the search.
    """
    longest = max(TIMING_SECONDS, TIMING_SHARE * seconds) if lunches else TIMING_SECONDS
    return int(1000 * max(0.1, min(longest, seconds)))


def search_parameters(
    params: SolveParams, strategy: str, seconds: float, *, lunches: bool = False
) -> pywrapcp.RoutingSearchParameters:
    """OR-Tools search parameters for a search of ``seconds`` from first solution ``strategy``.

    On a day with ``lunches`` (break intervals), routes are timed by constraint propagation
    rather than by a linear program on each move: with the program, OR-Tools' log showed 673
    moves tried in 18 s on a 75-patient day with lunches, without it 1,033; on the 53
    generated UHHC days at 60 s the format's totals fell by 9.5 % (docs/benchmarks.md).
    """
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.disable_scheduling_beware_this_may_degrade_performance = lunches
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.Value.Value(
        strategy
    )
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.Value.Value(
        params.metaheuristic
    )
    parameters.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    return parameters
