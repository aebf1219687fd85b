"""The frequency orders of the demo agencies, as agencies write them."""

from __future__ import annotations

from datetime import date, timedelta

from scheduler.domain import Discipline
from scheduler.domain.frequency import FrequencyOrder, order_periods

# Orders as agencies write them, with how often each is seen, per discipline.
ORDERS: dict[Discipline, tuple[tuple[str, int], ...]] = {
    Discipline.SN: (
        ("SN 3W2, 2W3, 1W4", 3),
        ("SN 2W4, 1W5", 3),
        ("1W9", 2),
        ("2-3W4, 1W5", 2),
        ("BIW x4, 1W5", 2),
        ("SN QD x7, 2W8", 1),
    ),
    Discipline.PT: (("PT 3W3, 2W3", 3), ("2W4", 3), ("2w3, 1w3", 2)),
    Discipline.OT: (("OT 2W3, 1W2", 2), ("1W4", 1), ("2wk2", 1)),
    Discipline.ST: (("ST 1W4", 1), ("2W3", 1)),
    Discipline.MSW: (("MSW 1M2", 1), ("1W2", 1)),
    Discipline.HHA: (("HHA 3W4", 2), ("2W8", 2), ("5W2", 1)),
}


def visits_made_before(
    order: FrequencyOrder, start_of_care: date, horizon_start: date
) -> tuple[date, ...]:
    """Dates of the visits an order has had before the horizon: each period's minimum, pro rata."""
    made: list[date] = []
    for period in order_periods(order, start_of_care):
        length = (period.last - period.first).days + 1
        days_before = min((horizon_start - period.first).days, length)
        if days_before <= 0:
            break
        count = round(period.min_visits * days_before / length)
        step = max(1, days_before // max(1, count))
        made += [period.first + timedelta(days=k * step) for k in range(count)]
    return tuple(made)
