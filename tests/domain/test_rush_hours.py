"""Rush hours: parsed from settings text, factors by departure time, legs rounded to seconds."""

import pytest

from scheduler.domain import DAY, HOUR, MINUTE, RushHour, RushHours, parse_rush_hours
from scheduler.errors import TravelError
from scheduler.settings import Settings

MORNING = RushHour(7 * HOUR, 9 * HOUR, 1.3)
EVENING = RushHour(16 * HOUR, 18 * HOUR + 30 * MINUTE, 1.5)
RUSH = RushHours((MORNING, EVENING))


def test_text_parses_into_bands_and_empty_is_off() -> None:
    """'07:00-09:00 x1.3, 16:00-18:30 x1.5' gives both bands; empty text gives none."""
    assert parse_rush_hours("07:00-09:00 x1.3, 16:00-18:30 x1.5") == RUSH
    assert parse_rush_hours(" 07:00 - 09:00 *1.3 ,") == RushHours((MORNING,))
    assert parse_rush_hours("") == RushHours()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("7h-9h x1.3", "HH:MM-HH:MM xFACTOR"),
        ("09:00-07:00 x1.3", "start before end"),
        ("07:00-25:00 x1.3", "within one day"),
        ("07:00-09:00 x0.8", "between 1 and"),
    ],
)
def test_bad_text_says_how_to_write_it(text: str, error: str) -> None:
    """A band badly written, reversed, past midnight or faster than off peak is refused."""
    with pytest.raises(TravelError, match=error):
        parse_rush_hours(text)


def test_settings_read_rush_hours_from_the_environment(monkeypatch) -> None:
    """SCHEDULER_RUSH_HOURS is parsed when settings load; unset, travel is the same all day."""
    monkeypatch.delenv("SCHEDULER_RUSH_HOURS", raising=False)
    assert Settings().rush_hours == RushHours()
    monkeypatch.setenv("SCHEDULER_RUSH_HOURS", "07:00-09:00 x1.3, 16:00-18:30 x1.5")
    assert Settings().rush_hours == RUSH


def test_factor_at_a_departure_counts_the_clock_of_any_day() -> None:
    """Inside a band its factor, at its end none; day 2 at 08:00 is rush hour too."""
    assert RUSH.factor_between(8 * HOUR, 8 * HOUR) == 1.3
    assert RUSH.factor_between(9 * HOUR, 9 * HOUR) == 1.0
    assert RUSH.factor_between(2 * DAY + 8 * HOUR, 2 * DAY + 8 * HOUR) == 1.3
    assert RUSH.factor_between(2 * DAY + 12 * HOUR, 2 * DAY + 12 * HOUR) == 1.0


def test_factor_over_a_span_is_the_slowest_it_touches() -> None:
    """A span reaching into the evening band gets 1.5; one across midnight reaches 07:00."""
    assert RUSH.factor_between(9 * HOUR, 16 * HOUR) == 1.5
    assert RUSH.factor_between(9 * HOUR, 16 * HOUR - 1) == 1.0
    assert RUSH.factor_between(20 * HOUR, DAY + 7 * HOUR) == 1.3
    assert RUSH.factor_between(0, DAY) == 1.5


def test_leg_is_rounded_and_latest_prices_the_slowest_departure() -> None:
    """1000 s off peak: 1300 s at 08:00, 1000 s at noon, 1500 s if it may leave until 17:00."""
    assert RUSH.seconds_leaving(1000, 8 * HOUR) == 1300
    assert RUSH.seconds_leaving(1000, 12 * HOUR) == 1000
    assert RUSH.seconds_leaving(1000, 12 * HOUR, latest=17 * HOUR) == 1500
    assert RUSH.seconds_leaving(7, 8 * HOUR) == 9
