"""Frequency orders as agencies write them parse into segments, periods and PRN allowances."""

import re
from datetime import date
from itertools import pairwise

import pytest

from scheduler.domain import Discipline
from scheduler.domain.frequency import (
    FrequencyOrder,
    FrequencySegment,
    Period,
    order_periods,
    parse_frequency,
)
from scheduler.errors import ProblemError

SN, PT, OT, HHA, MSW, ST = (
    Discipline.SN,
    Discipline.PT,
    Discipline.OT,
    Discipline.HHA,
    Discipline.MSW,
    Discipline.ST,
)

# (order as written, discipline, [(min_visits, max_visits, period_days, periods), ...], prn)
ORDERS = [
    ("3W2", None, [(3, 3, 7, 2)], 0),
    ("SN 3W2, 2W3", SN, [(3, 3, 7, 2), (2, 2, 7, 3)], 0),
    ("1W1, 3W2, 2W6", None, [(1, 1, 7, 1), (3, 3, 7, 2), (2, 2, 7, 6)], 0),
    ("2-3W4", None, [(2, 3, 7, 4)], 0),
    ("QD x7", None, [(1, 1, 1, 7)], 0),
    ("QDx7", None, [(1, 1, 1, 7)], 0),
    ("QD X 7 DAYS", None, [(1, 1, 1, 7)], 0),
    ("QD x 2 wks", None, [(1, 1, 1, 14)], 0),
    ("daily x 5", None, [(1, 1, 1, 5)], 0),
    ("BIW x4", None, [(2, 2, 7, 4)], 0),
    ("BIW X 4 WKS", None, [(2, 2, 7, 4)], 0),
    ("TIW x2", None, [(3, 3, 7, 2)], 0),
    ("TIW X 2 WEEKS", None, [(3, 3, 7, 2)], 0),
    ("QOD x14", None, [(1, 1, 2, 7)], 0),
    ("QOD x 2 wks", None, [(1, 1, 2, 7)], 0),
    ("QOD X 14 DAYS", None, [(1, 1, 2, 7)], 0),
    ("QW x 6 weeks", None, [(1, 1, 7, 6)], 0),
    ("weekly x4", None, [(1, 1, 7, 4)], 0),
    ("Q2W x4", None, [(1, 1, 14, 4)], 0),
    ("1M2", None, [(1, 1, 30, 2)], 0),
    ("QM x2", None, [(1, 1, 30, 2)], 0),
    ("3W2 + 3 PRN", None, [(3, 3, 7, 2)], 3),
    ("3W1 + 2PRN", None, [(3, 3, 7, 1)], 2),
    ("3W2, 2 PRN", None, [(3, 3, 7, 2)], 2),
    ("2 PRN", None, [], 2),
    ("SN 3w2 then 2w2", SN, [(3, 3, 7, 2), (2, 2, 7, 2)], 0),
    ("3W2 then 2W2 then 1W3", None, [(3, 3, 7, 2), (2, 2, 7, 2), (1, 1, 7, 3)], 0),
    ("3W2 followed by 2W3", None, [(3, 3, 7, 2), (2, 2, 7, 3)], 0),
    ("3wk2", None, [(3, 3, 7, 2)], 0),
    ("3 W 2", None, [(3, 3, 7, 2)], 0),
    ("3X/WK X 2 WKS", None, [(3, 3, 7, 2)], 0),
    ("3x/wk x2wks", None, [(3, 3, 7, 2)], 0),
    ("PT: 2W1 1W8", PT, [(2, 2, 7, 1), (1, 1, 7, 8)], 0),
    ("sn 1w1;2w4", SN, [(1, 1, 7, 1), (2, 2, 7, 4)], 0),
    ("1D7", None, [(1, 1, 1, 7)], 0),
    ("HHA 5W2", HHA, [(5, 5, 7, 2)], 0),
    ("MSW 1M2", MSW, [(1, 1, 30, 2)], 0),
    ("OT 2W3, 1W2", OT, [(2, 2, 7, 3), (1, 1, 7, 2)], 0),
    ("ST 2W4", ST, [(2, 2, 7, 4)], 0),
    ("PT 2-3w4", PT, [(2, 3, 7, 4)], 0),
    ("2W4, 1W5 + 2 PRN", None, [(2, 2, 7, 4), (1, 1, 7, 5)], 2),
    ("SN 3W2, 2W3 + 2 PRN", SN, [(3, 3, 7, 2), (2, 2, 7, 3)], 2),
    ("SN 2-3W4, 1W5", SN, [(2, 3, 7, 4), (1, 1, 7, 5)], 0),
    ("sn 3w2, 2w3", SN, [(3, 3, 7, 2), (2, 2, 7, 3)], 0),
    ("Sn 3W2", SN, [(3, 3, 7, 2)], 0),
    ("  sn   3w2 ,  2w3  ", SN, [(3, 3, 7, 2), (2, 2, 7, 3)], 0),
    ("SN:  3W2", SN, [(3, 3, 7, 2)], 0),
]


@pytest.mark.parametrize(("text", "discipline", "segments", "prn"), ORDERS)
def test_parse_frequency_reads_real_orders(
    text: str,
    discipline: Discipline | None,
    segments: list[tuple[int, int, int, int]],
    prn: int,
) -> None:
    """Each order as agencies write it parses to its discipline, segments and PRN count."""
    order = parse_frequency(text)
    assert order.discipline == discipline
    assert [
        (s.min_visits, s.max_visits, s.period_days, s.periods) for s in order.segments
    ] == segments
    assert order.prn == prn
    assert order.text == text


def test_order_table_is_large_enough() -> None:
    """The table above covers at least 32 distinct real-world order strings."""
    assert len({text for text, *_ in ORDERS}) >= 32


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3W", "cannot read '3W'"),
        ("SN 3Q2", "cannot read '3Q2'"),
        ("BIW", "BIW in 'BIW' needs a duration"),
        ("8W2", "segment '8W2' in '8W2' asks 8 visits in 7 day(s)"),
        ("2D1", "segment '2D1' in '2D1' asks 2 visits in 1 day(s)"),
        ("3-2W4", "range '3-2W4' in '3-2W4' goes down"),
        ("2 PRM", "cannot read '2 PRM'"),
        ("3W2 + PRN", "cannot read the PRN part 'PRN'"),
        ("", "empty frequency order"),
        ("   ", "empty frequency order"),
        ("XX 3W2", "cannot read 'XX 3W2'"),
        ("0W2", "segment '0W2' in '0W2' orders zero visits"),
        ("3W0", "segment '3W0' in '3W0' orders zero visits or periods"),
        (
            "QOD x1",
            "segment 'QOD X1' in 'QOD x1' lasts 1 days, not a whole number of 2-day periods",
        ),
        ("SN", "frequency order 'SN' orders no visits"),
        ("3W2 3Q", "cannot read '3W2 3Q'"),
    ],
)
def test_parse_frequency_refuses_malformed_orders(text: str, message: str) -> None:
    """A malformed order raises ProblemError naming the part that could not be read."""
    with pytest.raises(ProblemError, match=re.escape(message)):
        parse_frequency(text)


@pytest.mark.parametrize(
    ("text", "part", "days_written"),
    [
        ("QOD x 1 wk", "QOD X 1 WK", 7),
        ("QOD x7", "QOD X7", 7),
        ("Q2W x 3 weeks", "Q2W X 3 WEEKS", 21),
    ],
)
def test_parse_frequency_does_not_silently_cut_a_duration_short(
    text: str, part: str, days_written: int
) -> None:
    """A duration that is not whole periods is refused or fully covered, never truncated."""
    try:
        order = parse_frequency(text)
    except ProblemError as error:
        assert part in str(error)
    else:
        assert order.days >= days_written


def test_order_periods_lays_out_consecutive_weeks_from_start_of_care() -> None:
    """`3W2, 2W3` from a Thursday start of care is five Thursday-to-Wednesday weeks."""
    order = parse_frequency("3W2, 2W3")
    periods = order_periods(order, date(2026, 12, 3))
    assert len(periods) == 5
    assert periods[0] == Period(date(2026, 12, 3), date(2026, 12, 9), 3, 3)
    assert periods[1] == Period(date(2026, 12, 10), date(2026, 12, 16), 3, 3)
    assert periods[2] == Period(date(2026, 12, 17), date(2026, 12, 23), 2, 2)
    assert periods[-1] == Period(date(2026, 12, 31), date(2027, 1, 6), 2, 2)
    for before, after in pairwise(periods):
        assert (after.first - before.last).days == 1
        assert (before.last - before.first).days == 6


def test_order_periods_keeps_range_bounds_and_month_lengths() -> None:
    """A range keeps its min and max per period, and a month period lasts 30 days."""
    ranged = order_periods(parse_frequency("2-3W2"), date(2026, 12, 7))
    assert [(p.min_visits, p.max_visits) for p in ranged] == [(2, 3), (2, 3)]
    monthly = order_periods(parse_frequency("1M2"), date(2026, 12, 7))
    assert [(p.first, p.last) for p in monthly] == [
        (date(2026, 12, 7), date(2027, 1, 5)),
        (date(2027, 1, 6), date(2027, 2, 4)),
    ]


def test_order_periods_of_a_prn_only_order_is_empty() -> None:
    """An order of PRN visits only has no periods to schedule."""
    assert order_periods(parse_frequency("2 PRN"), date(2026, 12, 7)) == []


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("3W2", 14),
        ("3W2, 2W3", 35),
        ("1W1, 3W2, 2W6", 63),
        ("QD x7", 7),
        ("QOD x14", 14),
        ("BIW x4", 28),
        ("1M2", 60),
        ("Q2W x4", 56),
        ("3W2 + 3 PRN", 14),
        ("2 PRN", 0),
    ],
)
def test_frequency_order_days_sums_its_segments(text: str, days: int) -> None:
    """FrequencyOrder.days is the order's length in days from the start of care."""
    assert parse_frequency(text).days == days


def test_frequency_order_days_from_hand_built_segments() -> None:
    """Days add each segment's period length times its number of periods."""
    order = FrequencyOrder(
        text="hand",
        discipline=None,
        segments=(FrequencySegment(1, 1, 30, 2), FrequencySegment(1, 1, 2, 3)),
    )
    assert order.segments[0].days == 60
    assert order.days == 66
    assert order.prn == 0
