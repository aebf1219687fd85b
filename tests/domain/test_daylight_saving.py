"""Horizon seconds across New York's clock changes: the one rule at the edge, bands kept local."""

from datetime import UTC, date, datetime, timedelta

import pytest

from scheduler.domain import DAY, HOUR, MINUTE, Horizon, RushHour, RushHours

SPRING = Horizon(date(2027, 3, 13), 3, "America/New_York")  # clocks go 02:00 -> 03:00 on 14th
FALL = Horizon(date(2027, 11, 6), 3, "America/New_York")  # clocks go 02:00 -> 01:00 on 7th
MORNING = RushHours((RushHour(7 * HOUR, 9 * HOUR, 1.5),))


@pytest.mark.parametrize(
    ("horizon", "second", "shown", "utc"),
    [
        (SPRING, DAY + 1 * HOUR + 30 * MINUTE, "2027-03-14T01:30:00-05:00", "06:30"),
        (SPRING, DAY + 2 * HOUR + 30 * MINUTE, "2027-03-14T03:30:00-04:00", "07:30"),  # no 02:30
        (SPRING, DAY + 3 * HOUR + 30 * MINUTE, "2027-03-14T03:30:00-04:00", "07:30"),
        (FALL, DAY + 1 * HOUR + 30 * MINUTE, "2027-11-07T01:30:00-04:00", "05:30"),  # the first
        (FALL, DAY + 2 * HOUR + 30 * MINUTE, "2027-11-07T02:30:00-05:00", "07:30"),
    ],
)
def test_a_missing_or_repeated_local_time_follows_one_rule(horizon, second, shown, utc):
    """02:30 on spring-forward is 03:30 daylight time; 01:30 on fall-back its first occurrence."""
    moment = horizon.datetime_of(second)
    assert moment.isoformat() == shown
    assert moment.astimezone(UTC).strftime("%H:%M") == utc


def test_every_instant_reads_as_its_local_time():
    """Both 01:30s of fall-back read as 01:30; the first comes back, the second is an hour on."""
    first, second = (datetime(2027, 11, 7, hour, 30, tzinfo=UTC) for hour in (5, 6))
    assert FALL.second_of(first) == FALL.second_of(second) == DAY + 1 * HOUR + 30 * MINUTE
    assert FALL.datetime_of(FALL.second_of(first)).astimezone(UTC) == first
    assert SPRING.second_of(datetime(2027, 3, 14, 7, 30, tzinfo=UTC)) == DAY + 3 * HOUR + 30 * 60


@pytest.mark.parametrize("horizon", [SPRING, FALL], ids=["spring-forward", "fall-back"])
def test_a_shift_of_eight_local_hours_on_the_change_day_is_eight_real_hours(horizon):
    """08:00-16:00 on each day, the change's included, is 8 hours between its UTC instants."""
    for day in range(horizon.days):
        start = horizon.datetime_of(day * DAY + 8 * HOUR)
        end = horizon.datetime_of(day * DAY + 16 * HOUR)
        assert end - start == timedelta(hours=8)
        assert (start.hour, end.hour) == (8, 16)


@pytest.mark.parametrize("horizon", [SPRING, FALL], ids=["spring-forward", "fall-back"])
def test_rush_hours_follow_the_local_clock_on_both_sides_of_a_change(horizon):
    """A leg leaving 07:30 local is slower before and after the change, 09:30 local is not.

    Departures are given as UTC instants (as the API receives them), so an hour's shift would
    show: 07:30 local is 12:30 UTC on one side of the change and 11:30 UTC on the other.
    """
    for day in range(horizon.days):
        local = datetime.combine(horizon.date_of(day), datetime.min.time())
        offset = horizon.datetime_of(day * DAY + 12 * HOUR).utcoffset()
        for clock, factor in ((7.5, 1.5), (9.5, 1.0), (6.5, 1.0)):
            instant = (local + timedelta(hours=clock) - offset).replace(tzinfo=UTC)
            departure = horizon.second_of(instant)
            assert MORNING.seconds_leaving(600, departure) == round(600 * factor), (day, clock)
