"""First routes built in time order: lunch breaks kept, windows respected, routes that load."""

from dataclasses import replace

from scheduler.domain import HOUR, LinkKind, LunchBreak, Shift, TimeWindow, VisitLink
from scheduler.solver import SolveParams
from scheduler.solver._chronological import chronological_routes, first_start
from scheduler.solver.constraints import build_model
from scheduler.solver.explain import screen_visits
from scheduler.solver.model import list_vehicles
from tests.builders import clock, line_problem, line_travel, nurse, visit

LUNCH_DAY = Shift(
    0,
    TimeWindow(8 * HOUR, 17 * HOUR),
    lunch=LunchBreak(TimeWindow(clock(12), clock(12, 30)), 1800),
)


def test_first_start_skips_to_the_next_window_and_ends_after_the_last() -> None:
    """A visit open 08-09 and 10-11: asked at 09:30 it starts at 10:00; at 11:30 never."""
    two = visit("v", 1, windows=(TimeWindow(8 * HOUR, 9 * HOUR), TimeWindow(10 * HOUR, 11 * HOUR)))
    assert first_start(two, clock(8, 30)) == clock(8, 30)
    assert first_start(two, clock(9, 30)) == clock(10)
    assert first_start(two, clock(11, 30)) is None


def test_lunch_goes_before_a_visit_that_would_end_past_its_latest_start() -> None:
    """Visits at 11:00 and from 12:15: the second waits for lunch (12:00-12:30), the routes load.

    Appended at 12:15 it would end at 13:00 with no room left for the lunch, and the model
    would refuse the routes.
    """
    late = TimeWindow(clock(12, 15), 16 * HOUR)
    tiny = replace(
        line_problem(
            [nurse("rn", 0, LUNCH_DAY), nurse("lpn", 0, LUNCH_DAY)],
            [
                visit("morning", 1, windows=(TimeWindow(11 * HOUR, 11 * HOUR),)),
                visit("noon-a", 1, windows=(late,)),
                visit("noon-b", 1, windows=(late,)),
            ],
        ),
        links=(VisitLink("noon-a", "noon-b", LinkKind.SIMULTANEOUS),),
    )
    vehicles = list_vehicles(tiny)
    candidates = screen_visits(tiny, vehicles).candidates
    model = build_model(tiny, line_travel(), SolveParams(), list(tiny.visits), vehicles, candidates)
    sequences = chronological_routes(model, candidates).sequences
    assert sorted(node for sequence in sequences for node in sequence) == [0, 1, 2]
    model.routing.CloseModel()
    routes = [[model.visit_index(node) for node in sequence] for sequence in sequences]
    assignment = model.routing.ReadAssignmentFromRoutes(routes, True)
    assert assignment is not None
    starts = {
        model.visits[node].id: assignment.Value(model.time.CumulVar(model.visit_index(node)))
        for sequence in sequences
        for node in sequence
    }
    assert starts["noon-a"] == starts["noon-b"] >= clock(12, 30)


def test_an_optional_visit_costing_more_than_its_drop_price_stays_out() -> None:
    """Optional visits 10 and 70 minutes away, worth 30 minutes of driving: only the near one."""
    tiny = replace(
        line_problem(
            [nurse("rn", 0), nurse("lpn", 0)],
            [
                visit("near", 1, optional=True, priority=1),
                visit("far", 7, optional=True, priority=1),
                visit("pair-a", 1),
                visit("pair-b", 1),
            ],
        ),
        links=(VisitLink("pair-a", "pair-b", LinkKind.SIMULTANEOUS),),
    )
    params = SolveParams(travel_weight=1, optional_penalty=1800)
    vehicles = list_vehicles(tiny)
    candidates = screen_visits(tiny, vehicles).candidates
    model = build_model(tiny, line_travel(), params, list(tiny.visits), vehicles, candidates)
    sequences = chronological_routes(model, candidates).sequences
    made = {model.visits[node].id for sequence in sequences for node in sequence}
    assert made == {"near", "pair-a", "pair-b"}
