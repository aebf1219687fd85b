"""A visit whose linked visit is frozen in a replan: timed from it, and by someone else."""

from __future__ import annotations

from scheduler.domain import (
    HOUR,
    Discipline,
    LinkKind,
    Location,
    Patient,
    ReasonCode,
    TimeWindow,
    Visit,
    VisitLink,
)
from scheduler.service._reschedule_links import bind_to_frozen, links_among

NURSE_THEN_AIDE = VisitLink("nurse", "aide", LinkKind.SEQUENTIAL, HOUR, 2 * HOUR)
PATIENTS = (Patient("p", "P", Location("p", 0.0, 0.0)), Patient("q", "Q", Location("q", 0.0, 0.0)))


def visit(visit_id: str, *windows: tuple[int, int], patient: str = "p") -> Visit:
    """A 30-minute nursing visit starting in ``windows`` (hours of day 0)."""
    return Visit(
        visit_id,
        patient,
        Discipline.SN,
        1800,
        tuple(TimeWindow(start * HOUR, end * HOUR) for start, end in windows),
    )


def test_a_visit_after_a_frozen_one_starts_within_the_gap_by_someone_else():
    """The nurse started at 09:00 with rn-a: the aide starts 10:00 to 11:00, not with rn-a."""
    bound = bind_to_frozen(
        [visit("aide", (8, 10), (11, 17)), visit("other", (8, 17), patient="q")],
        [NURSE_THEN_AIDE],
        {"nurse": ("rn-a", 9 * HOUR)},
        PATIENTS,
    )
    aide, other = bound.visits
    assert aide.windows == (TimeWindow(10 * HOUR, 10 * HOUR), TimeWindow(11 * HOUR, 11 * HOUR))
    assert other.windows == (TimeWindow(8 * HOUR, 17 * HOUR),) and bound.left_out == ()
    assert [patient.excluded_clinicians for patient in bound.patients] == [{"rn-a"}, set()]


def test_a_first_visit_ends_before_its_frozen_second_and_without_room_is_left_out():
    """With the aide frozen at 11:00 the nurse fits 09:00-10:00; with no such window, left out."""
    frozen = {"aide": ("hha", 11 * HOUR)}
    early = bind_to_frozen([visit("nurse", (8, 17))], [NURSE_THEN_AIDE], frozen, PATIENTS)
    assert early.visits[0].windows == (TimeWindow(9 * HOUR, 10 * HOUR),)
    late = bind_to_frozen([visit("nurse", (14, 17))], [NURSE_THEN_AIDE], frozen, PATIENTS)
    assert late.visits == ()
    ((left_out, reason),) = late.left_out
    assert left_out.id == "nurse" and reason.reason is ReasonCode.LINKED_VISIT_LEFT_OUT


def test_links_among_keeps_only_links_with_both_visits():
    """A link loses its place when one of its visits is not in the replan."""
    visits = [visit("nurse", (8, 17)), visit("aide", (8, 17))]
    assert links_among([NURSE_THEN_AIDE], visits) == (NURSE_THEN_AIDE,)
    assert links_among([NURSE_THEN_AIDE], visits[:1]) == ()
