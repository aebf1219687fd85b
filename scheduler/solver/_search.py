"""Run the OR-Tools search in a child process that can be stopped at a wall-clock deadline.

OR-Tools holds the GIL while it searches and may overshoot its own time limit (first solution
on a large model, a long LNS step). The child reports every improving solution's visit order
over a pipe; it cancels itself at a soft deadline, and the parent kills it at the hard one and
rebuilds the times of the last reported solution.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from scheduler.domain import Problem, Route, TravelMatrix, Visit
from scheduler.solver.constraints import build_model
from scheduler.solver.model import Vehicle, VisitModel, read_routes, read_sequences
from scheduler.solver.params import SolveParams

log = logging.getLogger("scheduler")

SEARCH_SHARE = 0.85  # of the remaining time, for the OR-Tools search in the child
KILL_MARGIN = 0.25  # seconds kept after the kill to rebuild the last plan


@dataclass(frozen=True)
class SearchOutcome:
    """The routes found (``None`` when none were), their objective and how the search ended."""

    routes: tuple[Route, ...] | None
    objective: int | None
    message: str
    failed: bool = False


@dataclass(frozen=True)
class SearchInput:
    """Everything the child needs to build the model."""

    problem: Problem
    travel: TravelMatrix
    params: SolveParams
    visits: list[Visit]
    vehicles: list[Vehicle]
    candidates: Mapping[str, Sequence[int]]

    def build(self) -> VisitModel:
        """Build the routing model."""
        return build_model(
            self.problem, self.travel, self.params, self.visits, self.vehicles, self.candidates
        )


def run_search(search: SearchInput, *, deadline: float) -> SearchOutcome:
    """Search until ``deadline`` (a ``time.monotonic()`` instant) at the latest.

    Returns
    -------
    SearchOutcome
        The best plan found, or no routes when the search found none in time.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    soft_deadline = time.monotonic() + SEARCH_SHARE * max(0.0, deadline - time.monotonic())
    child = context.Process(
        target=_search_in_child, args=(search, soft_deadline, sender), daemon=True
    )
    child.start()
    sender.close()
    hard_deadline = deadline - KILL_MARGIN
    best: tuple[int, list[list[int]]] | None = None
    try:
        while (remaining := hard_deadline - time.monotonic()) > 0:
            if not receiver.poll(remaining):
                break
            try:
                message = receiver.recv()
            except EOFError:
                break
            if message[0] == "improved":
                best = (message[1], message[2])
            elif message[0] == "failed":
                log.error("the search failed in its process:\n%s", message[1])
                return SearchOutcome(None, None, f"the search failed: {message[2]}", failed=True)
            else:
                return SearchOutcome(routes=message[1], objective=message[2], message=message[3])
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if best is None:
        return SearchOutcome(None, None, "the search found no plan before the time limit")
    log.info("search stopped at the wall-clock limit; rebuilding the last plan's times")
    model = search.build()
    routes = [[model.visit_index(node) for node in sequence] for sequence in best[1]]
    assignment = model.routing.ReadAssignmentFromRoutes(routes, True)
    if assignment is None:
        return SearchOutcome(None, None, "the last plan found could not be rebuilt")
    return SearchOutcome(
        read_routes(model, assignment),
        best[0],
        "stopped at the wall-clock limit; the best plan found so far is returned",
    )


def _search_in_child(search: SearchInput, soft_deadline: float, sender: Connection) -> None:
    """Child process body: run the search and report a crash instead of dying silently."""
    try:
        _search_and_report(search, soft_deadline, sender)
    except Exception as error:  # a crash must reach the parent as a status, not a hang
        sender.send(("failed", traceback.format_exc(), f"{type(error).__name__}: {error}"))
    finally:
        sender.close()


def _search_and_report(search: SearchInput, soft_deadline: float, sender: Connection) -> None:
    """Build, search, report improvements, then the final plan."""
    model = search.build()
    routing = model.routing
    best_cost = [None]

    def on_solution() -> None:
        cost = routing.CostVar().Value()
        if best_cost[0] is None or cost < best_cost[0]:
            best_cost[0] = cost
            sender.send(("improved", cost, read_sequences(model, lambda var: var.Value())))
        if time.monotonic() > soft_deadline:
            routing.CancelSearch()

    routing.AddAtSolutionCallback(on_solution)
    parameters = search_parameters(search.params, max(0.05, soft_deadline - time.monotonic()))
    assignment = routing.SolveWithParameters(parameters)
    status = routing_enums_pb2.RoutingSearchStatus.Value.Name(routing.status())
    if assignment is None:
        sender.send(("final", None, None, f"no plan found ({status})"))
    else:
        message = f"search ended ({status})"
        sender.send(("final", read_routes(model, assignment), assignment.ObjectiveValue(), message))


def search_parameters(params: SolveParams, seconds: float) -> pywrapcp.RoutingSearchParameters:
    """OR-Tools search parameters for a search of ``seconds``."""
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.Value.Value(
        params.first_solution
    )
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.Value.Value(
        params.metaheuristic
    )
    parameters.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    return parameters
