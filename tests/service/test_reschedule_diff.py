"""The diff of a replan: each visit's change against the published day, and what it drops."""

from __future__ import annotations

from scheduler.domain import Plan, ReasonCode, Route, Stop, Unassigned
from scheduler.service._reschedule_diff import Change, diff_day, dropped_visits
from tests.builders import ZERO_KPIS, clock, line_problem, nurse, visit

RECORD = line_problem([nurse("a"), nurse("b")], [visit(f"v{k}", k % 8) for k in range(1, 10)])
HORIZON = RECORD.horizon


def stop(visit_id: str, hours: int, minutes: int = 0) -> Stop:
    """A 45-minute stop of ``visit_id`` (at its patient) starting at the clock time."""
    start = clock(hours, minutes)
    patient = RECORD.visit_by_id[visit_id].patient_id
    return Stop(visit_id, patient, start, start, start + 2700, 600, 5000)


def route(clinician_id: str, *stops: Stop) -> Route:
    """A route of ``stops`` (times beyond the stops do not matter to the diff)."""
    return Route(clinician_id, 0, clock(8), clock(17), stops, 600, 5000)


BEFORE = (
    route("a", stop("v1", 9), stop("v2", 10), stop("v6", 12)),
    route("b", stop("v4", 9), stop("v5", 11), stop("v9", 14)),
)
LEFT_OUT = (
    Unassigned("v6", ReasonCode.CAPACITY, "No route has room for it."),
    Unassigned("v8", ReasonCode.WINDOW_TOO_SHORT, "No window fits."),
)
AFTER = Plan(
    (
        route("a", stop("v1", 9), stop("v7", 12)),
        route("b", stop("v4", 9, 30), stop("v2", 10, 30), stop("v5", 11, 10)),
    ),
    LEFT_OUT,
    ZERO_KPIS,
)
ADDED = [RECORD.visit_by_id["v7"], RECORD.visit_by_id["v8"]]


def changes() -> dict[str, Change]:
    """The diff of the example day, by visit."""
    diff = diff_day(HORIZON, BEFORE, AFTER, ADDED, {"v9"}, RECORD)
    return {change.visit_id: change for change in diff}


def test_each_visit_gets_the_one_change_that_happened_to_it():
    """Reassigned, retimed past 15 minutes, added, dropped, cancelled; the rest unchanged."""
    kinds = {visit_id: change.kind for visit_id, change in changes().items()}
    assert kinds == {
        "v2": "reassigned",
        "v4": "retimed",
        "v6": "dropped",
        "v7": "added",
        "v8": "dropped",
        "v9": "cancelled",
    }


def test_a_change_names_both_sides_in_local_time_and_a_left_out_visit_its_reason():
    """v2 goes from a at 10:00 to b at 10:30; v6 dropped says why; a cancelled visit does not."""
    by_id = changes()
    assert (by_id["v2"].clinician_before, by_id["v2"].clinician_after) == ("a", "b")
    assert by_id["v2"].start_before == HORIZON.datetime_of(clock(10))
    assert by_id["v2"].start_after == HORIZON.datetime_of(clock(10, 30))
    assert by_id["v6"].reason_code == "capacity"
    assert by_id["v6"].reason == "No route has room for it."
    assert by_id["v9"].reason is None and by_id["v9"].clinician_after is None
    assert by_id["v8"].patient_id == "p0" and by_id["v8"].clinician_before is None


def test_dropped_visits_are_the_placed_ones_left_out_each_with_a_reason():
    """v6 (placed, then left out) is dropped; v8 (added, never placed) is not listed."""
    (dropped,) = dropped_visits(changes().values())
    assert dropped.visit_id == "v6" and dropped.clinician_before == "a"
    assert dropped.start_before == HORIZON.datetime_of(clock(12))
    assert (dropped.reason_code, dropped.reason) == ("capacity", "No route has room for it.")


def test_a_dropped_visit_without_a_reason_says_so_rather_than_hiding():
    """A visit left out with no stated reason is listed as not solved, with a sentence."""
    silent = Change("v6", "p6", "dropped", "a", None, HORIZON.datetime_of(clock(12)), None)
    (dropped,) = dropped_visits([silent])
    assert dropped.reason_code == "not_solved"
    assert dropped.reason == "Left out of the new plan without a stated reason."
