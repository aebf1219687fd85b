"""The day choice gives the morning only as many visits that must end by noon as it holds."""

from __future__ import annotations

import time

from scheduler.domain import HOUR, TimeWindow
from scheduler.solver import SolveParams
from scheduler.solver.day_choice import choose_days
from scheduler.solver.explain import screen_visits
from scheduler.solver.model import list_vehicles
from tests.builders import line_problem, line_travel, nurse, visit

MORNING_ONLY = (TimeWindow(8 * HOUR, 11 * HOUR),)  # 55 minutes from 11:00 at the latest: by noon


def chosen(*visits) -> set[str]:
    """The visits the day choice places on nurse a's one day (08:00-17:00)."""
    problem = line_problem([nurse("a", 0)], list(visits))
    vehicles = list_vehicles(problem)
    candidates = screen_visits(problem, vehicles).candidates
    choice = choose_days(
        problem, line_travel(), SolveParams(workers=1), problem.visits_to_plan, vehicles,
        candidates, deadline=time.monotonic() + 5,
    )  # fmt: skip
    return set(choice.vehicle_of)


def test_five_visits_that_must_end_by_noon_get_the_mornings_room_only() -> None:
    """Five 55-minute visits next door that must end by noon: the morning (4 h) holds three.

    Each counts 55 minutes and about 13 of driving; the whole day would hold all five.
    """
    visits = [visit(f"m{k}", 1, duration=55 * 60, windows=MORNING_ONLY) for k in range(5)]
    assert len(chosen(*visits)) == 3


def test_visits_free_all_day_are_not_held_to_the_morning() -> None:
    """The same five visits startable until 15:00 all fit the day."""
    visits = [visit(f"d{k}", 1, 8, 15, duration=55 * 60) for k in range(5)]
    assert len(chosen(*visits)) == 5


def test_a_day_the_visit_cannot_fit_alone_is_no_candidate() -> None:
    """Startable 08:00-08:10, 30 minutes from the nurse leaving at 08:00: not chosen at all.

    The same visit next door to her fits alone and is chosen.
    """
    early = (TimeWindow(8 * HOUR, 8 * HOUR + 600),)
    assert chosen(visit("far", 3, windows=early)) == set()
    assert chosen(visit("near", 0, windows=early)) == {"near"}
