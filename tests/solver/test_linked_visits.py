"""Linked visits: two clinicians at once, or one after the other, or neither.

Tiny instances on the line of ``test_constraints``: every plan goes through the validator.
"""

import importlib
import time
from dataclasses import replace
from datetime import date

import pytest

from scheduler.domain import (
    DAY,
    HOUR,
    Horizon,
    LinkKind,
    Patient,
    Plan,
    Problem,
    ReasonCode,
    Route,
    Shift,
    Stop,
    TimeWindow,
    Unassigned,
    VisitLink,
    compute_kpis,
)
from scheduler.errors import ProblemError
from scheduler.solver.repair import repair_left_out
from scheduler.solver.validate import validate
from tests.builders import (
    PLACES,
    clock,
    nurse,
    reason_of,
    solve_valid,
    stop_of,
    visit,
)
from tests.builders import line_problem as problem
from tests.builders import line_travel as travel

solve_module = importlib.import_module("scheduler.solver.solve")  # the package shadows it
TRANSFER = VisitLink("lift-a", "lift-b", LinkKind.SIMULTANEOUS)
AIDE_AFTER_NURSE = VisitLink("nurse", "aide", LinkKind.SEQUENTIAL, 2 * HOUR, 3 * HOUR)


def linked(clinicians, visits, *links: VisitLink) -> Problem:
    """The tiny problem with ``links``."""
    return replace(problem(clinicians, visits), links=links)


def test_simultaneous_visits_start_together_with_two_clinicians() -> None:
    """A two-person transfer: both clinicians start at the same second, even if one waits."""
    tiny = linked(
        [nurse("near", 3), nurse("far", 0)],
        [visit("lift-a", 3), visit("lift-b", 3), visit("other", 4)],
        TRANSFER,
    )
    result = solve_valid(tiny)
    (first_by, first), (second_by, second) = stop_of(result, "lift-a"), stop_of(result, "lift-b")
    assert first.start == second.start
    assert {first_by, second_by} == {"near", "far"}


def test_sequential_visit_starts_inside_the_gap() -> None:
    """The aide starts 2 to 3 hours after the nurse, though both could go at 08:00."""
    tiny = linked(
        [nurse("rn", 2), nurse("hha", 2)],
        [visit("nurse", 2), visit("aide", 2)],
        AIDE_AFTER_NURSE,
    )
    result = solve_valid(tiny)
    gap = stop_of(result, "aide")[1].start - stop_of(result, "nurse")[1].start
    assert 2 * HOUR <= gap <= 3 * HOUR


def test_gap_that_cannot_fit_leaves_both_out() -> None:
    """A gap longer than the window allows: neither visit is made, each says why."""
    late = TimeWindow(8 * HOUR, 9 * HOUR)
    tiny = linked(
        [nurse("rn", 2), nurse("hha", 2)],
        [visit("nurse", 2, windows=(late,)), visit("aide", 2, windows=(late,))],
        AIDE_AFTER_NURSE,
    )
    result = solve_valid(tiny)
    assert result.plan.routes == ()
    assert {item.visit_id for item in result.plan.unassigned} == {"nurse", "aide"}


def test_one_clinician_cannot_make_both_visits() -> None:
    """With a single qualified clinician the pair is left out, one visit naming the other."""
    tiny = linked([nurse("only", 3)], [visit("lift-a", 3), visit("lift-b", 3)], TRANSFER)
    result = solve_valid(tiny)
    assert result.plan.routes == ()
    reasons = {reason_of(result, "lift-a"), reason_of(result, "lift-b")}
    assert ReasonCode.LINKED_VISIT_LEFT_OUT in reasons


def test_partner_that_cannot_be_planned_keeps_the_other_out() -> None:
    """No clinician has the skill one visit needs: its linked visit is screened out too."""
    tiny = linked(
        [nurse("a", 3), nurse("b", 3)],
        [visit("lift-a", 3), visit("lift-b", 3, required_skills=frozenset({"bariatric"}))],
        TRANSFER,
    )
    result = solve_valid(tiny)
    assert reason_of(result, "lift-a") is ReasonCode.LINKED_VISIT_LEFT_OUT
    assert reason_of(result, "lift-b") is ReasonCode.NO_QUALIFIED_CLINICIAN


def test_validator_flags_a_broken_link() -> None:
    """Same clinician for both visits, and a gap outside the bounds, are link violations."""
    tiny = linked([nurse("rn", 2)], [visit("nurse", 2), visit("aide", 2)], AIDE_AFTER_NURSE)
    stops = (
        Stop("nurse", "p2", 9 * HOUR, 9 * HOUR, 9 * HOUR + 2700, 1200, 10000),
        Stop("aide", "p2", 9 * HOUR + 2700, 10 * HOUR, 10 * HOUR + 2700, 0, 0),
    )
    route = Route("rn", 0, 8 * HOUR + 2400, 11 * HOUR, stops, 1200, 10000)
    plan = Plan((route,), (), compute_kpis(tiny, (route,), ()))
    found = [v for v in validate(tiny, plan, travel()) if v.rule == "link"]
    messages = " ".join(v.message for v in found)
    assert "both visits are made by rn" in messages
    assert "not 7200..10800" in messages


@pytest.mark.parametrize(
    ("links", "message"),
    [
        ((VisitLink("nurse", "ghost", LinkKind.SIMULTANEOUS),), "unknown visit 'ghost'"),
        ((VisitLink("nurse", "other", LinkKind.SIMULTANEOUS),), "different patients"),
        (
            (
                VisitLink("nurse", "aide", LinkKind.SIMULTANEOUS),
                VisitLink("aide", "nurse", LinkKind.SIMULTANEOUS),
            ),
            "more than one link",
        ),
    ],
)
def test_problem_rejects_bad_links(links: tuple[VisitLink, ...], message: str) -> None:
    """Links must join two known visits of one patient, each visit in one link at most."""
    with pytest.raises(ProblemError, match=message):
        linked([nurse("rn", 2)], [visit("nurse", 2), visit("aide", 2), visit("other", 4)], *links)


def test_link_rejects_a_reversed_gap() -> None:
    """A sequential link needs min_gap <= max_gap."""
    with pytest.raises(ProblemError, match="min_gap <= max_gap"):
        VisitLink("a", "b", LinkKind.SEQUENTIAL, 3 * HOUR, HOUR)


def test_linked_visits_share_a_day_across_the_horizon() -> None:
    """Over three days, day choice puts both visits of a pair on one day, two clinicians."""
    days = tuple(
        Shift(day, TimeWindow(day * DAY + 8 * HOUR, day * DAY + 17 * HOUR)) for day in (0, 1, 2)
    )
    either = tuple(TimeWindow(day * DAY + 8 * HOUR, day * DAY + 16 * HOUR) for day in (1, 2))
    tiny = Problem(
        Horizon(date(2026, 12, 7), days=3),
        (nurse("a", 1, shifts=days), nurse("b", 5, shifts=days)),
        tuple(Patient(f"p{k}", f"P{k}", place) for k, place in enumerate(PLACES)),
        (
            visit("lift-a", 3, windows=either),
            visit("lift-b", 3, windows=either),
            *(visit(f"v{k}", k) for k in (2, 4, 6)),
        ),
        links=(TRANSFER,),
    )
    result = solve_valid(tiny)
    made = {
        stop.visit_id: (route.clinician_id, route.day, stop.start)
        for route in result.plan.routes
        for stop in route.stops
    }
    first, second = made["lift-a"], made["lift-b"]
    assert first[1] == second[1] in (1, 2)
    assert first[2] == second[2]
    assert first[0] != second[0]


def _lift_pair_with_one_far_clinician() -> Problem:
    """``lift-a`` only ``near`` can make (on site), ``lift-b`` only ``far`` (30 min away)."""
    return linked(
        [nurse("near", 3, skills=frozenset({"a"})), nurse("far", 0, skills=frozenset({"b"}))],
        [
            visit("lift-a", 3, 8, 10, required_skills=frozenset({"a"})),
            visit("lift-b", 3, 8, 10, required_skills=frozenset({"b"})),
        ],
        TRANSFER,
    )


def test_repair_places_a_pair_from_the_visit_that_can_start_later() -> None:
    """Anchored first, lift-a's 08:00 is a start far cannot reach; anchored second, both 08:30."""
    tiny = _lift_pair_with_one_far_clinician()
    left = tuple(Unassigned(v.id, ReasonCode.NOT_SOLVED, "left by the search") for v in tiny.visits)
    empty = Plan((), left, compute_kpis(tiny, (), left))
    repair = repair_left_out(tiny, travel(), empty, tiny.visits, deadline=time.monotonic() + 5)
    assert sorted(repair.placed) == ["lift-a", "lift-b"]
    assert validate(tiny, repair.plan, travel()) == []
    starts = {s.visit_id: s.start for r in repair.plan.routes for s in r.stops}
    assert starts == {"lift-a": clock(8, 30), "lift-b": clock(8, 30)}


def test_repair_leaves_a_pair_out_when_its_partner_cannot_come_in_time() -> None:
    """Far starts at 09:45: it reaches the patient after 10:00, so neither visit is placed."""
    tiny = _lift_pair_with_one_far_clinician()
    late = replace(
        tiny.clinician_by_id["far"], shifts=(Shift(0, TimeWindow(clock(9, 45), 17 * HOUR)),)
    )
    tiny = replace(tiny, clinicians=(tiny.clinician_by_id["near"], late))
    left = tuple(Unassigned(v.id, ReasonCode.NOT_SOLVED, "left by the search") for v in tiny.visits)
    empty = Plan((), left, compute_kpis(tiny, (), left))
    repair = repair_left_out(tiny, travel(), empty, tiny.visits, deadline=time.monotonic() + 5)
    assert repair.placed == [] and repair.plan.routes == ()


def test_a_required_pair_the_days_search_left_out_is_put_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A day's search that returns no route for a required pair: solve puts both back, valid."""
    tiny = _lift_pair_with_one_far_clinician()
    routed = solve_module.route_visits

    def search_leaving_everything_out(problem, travel, params, visits, *args, **kwargs):
        found = routed(problem, travel, params, visits, *args, **kwargs)
        left = tuple(Unassigned(v.id, ReasonCode.NOT_SOLVED, "left by the search") for v in visits)
        return replace(found, routes=(), unassigned=left)

    monkeypatch.setattr(solve_module, "route_visits", search_leaving_everything_out)
    result = solve_valid(tiny)
    assert result.plan.unassigned == ()
    assert {stop_of(result, "lift-a")[1].start, stop_of(result, "lift-b")[1].start} == {
        clock(8, 30)
    }
