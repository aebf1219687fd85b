"""First routes for days with linked visits, built in time order.

OR-Tools' insertion heuristics place one visit at a time, so the partner of a linked visit
often lands where both must start very late. Here the visits are taken in order of their
earliest start and each is appended to the end of the clinician-day where it starts cheapest
(travel and lateness as the model prices them); a linked pair goes to the two different
clinician-days where the pair is cheapest, at start times that keep the link's gap. A
clinician-day's lunch goes before the first visit that would end past the lunch's latest
start (in the time between the visits: on the way, or waiting at the door). Times only grow
along each route, every start is inside one of its visit's windows and every pair's times
agree, so the routes load into the model (unless a rule this sketch ignores, such as a daily
cap, rejects them). The starts they give the linked visits pin those visits for PyVRP
(``_search.py``), which knows no links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scheduler.domain import Visit, VisitLink
from scheduler.solver.constraints import drop_penalty
from scheduler.solver.model import VisitModel


@dataclass(frozen=True)
class Chronological:
    """Visit positions per vehicle, in time order, and the start of each visit placed."""

    sequences: list[list[int]]
    starts: dict[int, int]


@dataclass(frozen=True)
class _Option:
    """A visit appended to one clinician-day: its start and its cost."""

    vehicle: int
    start: int
    cost: int
    lunch_before: bool = False


class _Routes:
    """Routes under construction: each vehicle's last node and when it is free again."""

    def __init__(self, model: VisitModel) -> None:
        routing, manager = model.routing, model.manager
        self.model = model
        count = len(model.vehicles)
        self.last = [manager.IndexToNode(routing.Start(v)) for v in range(count)]
        self.end = [manager.IndexToNode(routing.End(v)) for v in range(count)]
        self.free = [vehicle.shift.window.start for vehicle in model.vehicles]
        self.lunch_due = [vehicle.shift.lunch is not None for vehicle in model.vehicles]
        self.sequences: list[list[int]] = [[] for _ in range(count)]
        self.starts: dict[int, int] = {}

    def option(self, vehicle: int, node: int, *, not_before: int = 0) -> _Option | None:
        """Append ``node`` to ``vehicle`` starting no earlier than ``not_before``, if it fits.

        The lunch still due is taken before the visit when the visit would end past its
        latest start; ``None`` when that lunch could no longer start in its window.
        """
        model = self.model
        visit = model.visits[node]
        free = self.free[vehicle]
        leg = int(model.seconds[self.last[vehicle], node])
        start = first_start(visit, max(free + leg, not_before))
        lunch = model.vehicles[vehicle].shift.lunch if self.lunch_due[vehicle] else None
        lunch_before = (
            lunch is not None and start is not None and start + visit.duration > lunch.window.end
        )
        if lunch is not None and lunch_before:
            if max(free, lunch.window.start) > lunch.window.end:
                return None
            earliest = max(free + leg, lunch.window.start) + lunch.duration
            start = first_start(visit, max(earliest, not_before))
        if start is None:
            return None
        back = int(model.seconds[node, self.end[vehicle]])
        if start + visit.duration + back > model.vehicles[vehicle].shift.latest_end:
            return None
        late = max(0, start - visit.due) if visit.due is not None else 0
        cost = model.params.travel_weight * leg + model.params.lateness_weight * late
        return _Option(vehicle, start, cost, lunch_before)

    def append(self, node: int, option: _Option) -> None:
        """Make ``node`` the last stop of ``option.vehicle``."""
        self.sequences[option.vehicle].append(node)
        self.starts[node] = option.start
        self.last[option.vehicle] = node
        self.free[option.vehicle] = option.start + self.model.visits[node].duration
        if option.lunch_before:
            self.lunch_due[option.vehicle] = False


def first_start(visit: Visit, instant: int) -> int | None:
    """The first second from ``instant`` the visit may start (its pin, else a window)."""
    if visit.pinned_start is not None:
        return visit.pinned_start if instant <= visit.pinned_start else None
    return next((max(instant, w.start) for w in visit.windows if w.end >= instant), None)


def chronological_routes(
    model: VisitModel, candidates: Mapping[str, Sequence[int]]
) -> Chronological:
    """Visit positions per vehicle, built in time order, with their starts.

    Visits that fit nowhere stay out, and so do optional ones whose cheapest place (drive
    and lateness) costs more than leaving them out.
    """
    partner = dict(model.linked_pairs())  # first visit of each pair -> its second
    seconds = set(partner.values())
    routes = _Routes(model)
    order = sorted(
        (n for n in range(len(model.visits)) if n not in seconds),
        key=lambda n: model.visits[n].earliest_start,
    )
    for node in order:
        visit = model.visits[node]
        second = partner.get(node)
        if second is None:
            options = (routes.option(v, node) for v in candidates[visit.id])
            best = min((o for o in options if o), key=lambda o: o.cost, default=None)
            if best is not None and best.cost <= drop_penalty(model, visit):
                routes.append(node, best)
            continue
        link = model.problem.link_by_visit[visit.id]
        pair = _best_pair(routes, link, node, second, candidates)
        worth = drop_penalty(model, visit) + drop_penalty(model, model.visits[second])
        if pair is not None and pair[0].cost + pair[1].cost <= worth:
            routes.append(node, pair[0])
            routes.append(second, pair[1])
    return Chronological(routes.sequences, routes.starts)


def _best_pair(
    routes: _Routes,
    link: VisitLink,
    first: int,
    second: int,
    candidates: Mapping[str, Sequence[int]],
) -> tuple[_Option, _Option] | None:
    """The cheapest two different clinician-days for a linked pair, at times keeping the gap."""
    best: tuple[_Option, _Option] | None = None
    for vehicle_a in candidates[link.first]:
        alone = routes.option(vehicle_a, first)
        if alone is None:
            continue
        for vehicle_b in candidates[link.second]:
            if vehicle_b == vehicle_a:
                continue
            b = routes.option(vehicle_b, second, not_before=alone.start + link.min_gap)
            if b is None:
                continue
            a = routes.option(vehicle_a, first, not_before=b.start - link.max_gap)
            if a is None:
                continue
            b = routes.option(vehicle_b, second, not_before=a.start + link.min_gap)
            if b is None or not link.allows_gap(b.start - a.start):
                continue
            if best is None or a.cost + b.cost < best[0].cost + best[1].cost:
                best = (a, b)
    return best
