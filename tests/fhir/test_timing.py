"""Timing.repeat as frequency orders."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.timing import Timing

from scheduler.errors import ProblemError
from scheduler.fhir.timing import repeat_to_frequency


def _read(repeat):
    return repeat_to_frequency(Timing.model_validate({"repeat": repeat}).repeat, where="SR/x.t")


@pytest.mark.parametrize(
    ("repeat", "order"),
    [
        ({"frequency": 3, "period": 1, "periodUnit": "wk", "count": 6}, "3W2"),
        (
            {
                "frequency": 2,
                "frequencyMax": 3,
                "period": 1,
                "periodUnit": "wk",
                "boundsDuration": {"value": 4, "code": "wk"},
            },
            "2-3W4",
        ),
        ({"frequency": 1, "period": 1, "periodUnit": "d", "count": 7}, "1D7"),
        ({"frequency": 1, "period": 2, "periodUnit": "d", "count": 7}, "QOD x14"),
        ({"frequency": 1, "period": 1, "periodUnit": "mo", "count": 2}, "1M2"),
        (
            {
                "frequency": 3,
                "period": 1,
                "periodUnit": "wk",
                "boundsPeriod": {"start": "2026-12-07", "end": "2026-12-27"},
            },
            "3W3",
        ),
    ],
)
def test_repeats_read_as_orders(repeat, order):
    """A frequency per period periodUnit, for count or bounds, is our order."""
    assert _read(repeat)[0] == order


def test_start_and_minutes_come_from_bounds_and_duration():
    """boundsPeriod.start is the start of care, duration the visit's minutes."""
    repeat = {
        "frequency": 3,
        "period": 1,
        "periodUnit": "wk",
        "count": 6,
        "boundsPeriod": {"start": "2026-12-07T08:00:00-05:00"},
        "duration": 1.5,
        "durationUnit": "h",
    }
    assert _read(repeat) == ("3W2", date(2026, 12, 7), 90)


@pytest.mark.parametrize(
    ("repeat", "field"),
    [
        ({"frequency": 3, "period": 1, "periodUnit": "wk"}, "SR/x.t.repeat.count"),
        ({"frequency": 3, "period": 1, "periodUnit": "wk", "count": 5}, "SR/x.t.repeat.count"),
        ({"frequency": 1, "period": 3, "periodUnit": "wk", "count": 2}, "SR/x.t.repeat.period"),
        ({"frequency": 1, "period": 1, "periodUnit": "h", "count": 2}, "SR/x.t.repeat.periodUnit"),
        (
            {
                "frequency": 1,
                "period": 1,
                "periodUnit": "wk",
                "count": 2,
                "duration": 1,
                "durationUnit": "s",
            },
            "SR/x.t.repeat.durationUnit",
        ),
    ],
)
def test_repeats_we_do_not_plan_are_refused_naming_the_field(repeat, field):
    """A repeat that is no order names its field."""
    with pytest.raises(ProblemError, match=f"^{field}"):
        _read(repeat)
