"""Making room for a visit: the visits in its way, and a visit's cheapest places.

Shared by the repair of single visits (``repair.py``) and of linked pairs
(``_pair_repair.py``).
"""

from __future__ import annotations

from scheduler.domain import DAY, Plan, Problem, TravelMatrix, Visit
from scheduler.domain.continuity import primary_clinician
from scheduler.solver._placement import Placed, extra_costs, placement_cost, wanted_from
from scheduler.solver.insertion import InsertionOption, candidate_insertions, with_insertion

SWAP_OPTIONAL = 20  # optional visits at most tried as room for one required visit
SWAP_REQUIRED = 20  # required visits at most tried, moved elsewhere, as room for one


def put_back(problem: Problem, travel: TravelMatrix, plan: Plan, visit: Visit) -> Plan | None:
    """``plan`` with ``visit`` at its cheapest place, or ``None`` where it fits nowhere."""
    places = cheapest_places(problem, travel, plan, visit)
    return with_insertion(problem, plan, places[0]) if places else None


def cheapest_places(
    problem: Problem, travel: TravelMatrix, plan: Plan, visit: Visit
) -> list[InsertionOption]:
    """Every place of ``visit`` in ``plan``'s routes, cheapest first (``placement_cost``)."""
    placed = Placed.of(problem, plan)
    extra = extra_costs(problem, plan, visit, placed)
    primary = primary_clinician(problem, visit)
    return sorted(
        candidate_insertions(
            problem, plan, visit, travel, wanted=wanted_from(problem, visit, placed)
        ),
        key=lambda o: placement_cost(o, primary, extra),
    )


def in_the_way(problem: Problem, plan: Plan, visit: Visit) -> list[Visit]:
    """Planned visits whose move could make room.

    The patient's own, then optional ones of the discipline on the visit's days, then
    required ones there that start inside the visit's windows (moved elsewhere, never out).
    """
    own = []
    optional = []
    required = []
    days = {window.start // DAY for window in visit.windows}
    for route in plan.routes:
        for stop in route.stops:
            other = problem.visit_by_id[stop.visit_id]
            if other.id in problem.link_by_visit:
                continue
            if other.patient_id == visit.patient_id and other.discipline == visit.discipline:
                own.append(other)
            elif other.discipline != visit.discipline or route.day not in days:
                continue
            elif other.optional and not visit.optional:
                optional.append(other)
            elif any(w.start <= stop.start <= w.end for w in visit.windows):
                required.append(other)
    optional.sort(key=lambda other: (other.priority, other.id))
    return own + optional[:SWAP_OPTIONAL] + sorted(required, key=lambda o: o.id)[:SWAP_REQUIRED]
