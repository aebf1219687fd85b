"""Week KPIs on hand-made plans whose answers are known by hand."""

import math
from datetime import date

from scheduler.domain import (
    DAY,
    HOUR,
    MINUTE,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    LunchBreak,
    Patient,
    Problem,
    Route,
    Shift,
    Stop,
    TimeWindow,
    Visit,
)
from scheduler.domain.kpis import (
    fairness_by_discipline,
    median_start_spread,
    paid_seconds,
    preferred_hours_met,
    week_kpis,
)

HOME = Location("home", 40.0, -83.0)


def _shift(day: int, start: float, end: float) -> Shift:
    lunch = LunchBreak(TimeWindow(day * DAY + 11 * HOUR, day * DAY + 13 * HOUR), 30 * MINUTE)
    return Shift(day, TimeWindow(int(day * DAY + start * HOUR), int(day * DAY + end * HOUR)), lunch)


def _clinician(cid: str, credential: Credential, days: range, hours=(8, 16.5)) -> Clinician:
    return Clinician(cid, cid, credential, HOME, tuple(_shift(d, *hours) for d in days))


def _problem() -> Problem:
    """Three nurses (two with 8 h x 2 days, one with 8 h x 1 day), one PT, three patients."""
    clinicians = (
        _clinician("n1", Credential.RN, range(2)),
        _clinician("n2", Credential.LPN, range(2)),
        _clinician("n3", Credential.RN, range(1)),
        _clinician("t1", Credential.PT, range(2)),
    )
    patients = (
        Patient(
            "pa", "A", Location("la", 40.01, -83.0), preferred_hours=TimeWindow(8 * HOUR, 12 * HOUR)
        ),
        Patient("pb", "B", Location("lb", 40.02, -83.0)),
        Patient(
            "pc",
            "C",
            Location("lc", 40.03, -83.0),
            preferred_hours=TimeWindow(12 * HOUR, 17 * HOUR),
        ),
    )
    week = (TimeWindow(0, 2 * DAY - 1),)
    visits = (
        Visit("a1", "pa", Discipline.SN, 3600, week),
        Visit("a2", "pa", Discipline.SN, 3600, week),
        Visit("b1", "pb", Discipline.SN, 3600, week),
        Visit("b2", "pb", Discipline.SN, 3600, week),
        Visit("b3", "pb", Discipline.SN, 3600, week),
        Visit("c1", "pc", Discipline.PT, 3600, week),
    )
    return Problem(Horizon(date(2026, 12, 7), 2), clinicians, patients, visits)


def _stop(visit_id: str, patient_id: str, start: int, duration: int = HOUR, drive: int = 0) -> Stop:
    return Stop(visit_id, patient_id, start - drive, start, start + duration, drive, drive * 10)


def _route(cid: str, day: int, stops: tuple[Stop, ...], back: int = 0) -> Route:
    end = stops[-1].end + back
    return Route(cid, day, stops[0].arrival - 0, end, stops, back, back * 10)


def test_paid_seconds_leave_out_lunch() -> None:
    """Two 8.5 h shifts with 30 min lunch are 16 paid hours; a week filter keeps its days."""
    nurse = _problem().clinicians[0]
    assert paid_seconds(nurse) == 16 * HOUR
    assert paid_seconds(nurse, week=0) == 16 * HOUR and paid_seconds(nurse, week=1) == 0


def test_shares_over_paid_time() -> None:
    """Service 4 h and travel 1 h over 56 paid hours; route time counts idle but not lunch."""
    problem = _problem()
    routes = (
        _route(
            "n1",
            0,
            (
                _stop("a1", "pa", 9 * HOUR, drive=20 * MINUTE),
                _stop("b1", "pb", 11 * HOUR, drive=10 * MINUTE),
            ),
            back=10 * MINUTE,
        ),
        _route("t1", 1, (_stop("c1", "pc", DAY + 13 * HOUR, drive=10 * MINUTE),), back=10 * MINUTE),
        _route("n2", 1, (_stop("a2", "pa", DAY + 9 * HOUR),)),
    )
    kpis = week_kpis(problem, routes)
    paid = (16 + 16 + 8 + 16) * HOUR
    assert kpis.paid_seconds == paid
    assert math.isclose(kpis.service_share, 4 * HOUR / paid)
    assert math.isclose(kpis.service_travel_share, (4 * HOUR + HOUR) / paid)
    # n1 leaves 8:40 and is back 12:10 (3.5 h), t1 12:50-14:10, n2 9:00-10:00
    work = 3.5 * HOUR + (1 + 1 / 3) * HOUR + HOUR
    assert math.isclose(kpis.utilisation, work / paid)


def test_fairness_compares_only_equal_hours() -> None:
    """n1 works 3 h and n2 2 h (same 16 h): 1.5; n3 (8 h) is alone in its group; PT has one."""
    problem = _problem()
    routes = (
        _route("n1", 0, (_stop("a1", "pa", 9 * HOUR), _stop("b1", "pb", 11 * HOUR, drive=HOUR))),
        _route("n2", 1, (_stop("a2", "pa", DAY + 9 * HOUR), _stop("b2", "pb", DAY + 11 * HOUR))),
        _route("n3", 0, (_stop("b3", "pb", 14 * HOUR, duration=HOUR),)),
    )
    assert fairness_by_discipline(problem, routes) == {"SN": 1.5}


def test_fairness_is_infinite_when_an_equal_colleague_has_nothing() -> None:
    """n2 has no visits while n1 has some: max/min is infinite."""
    problem = _problem()
    routes = (_route("n1", 0, (_stop("a1", "pa", 9 * HOUR),)),)
    assert fairness_by_discipline(problem, routes)["SN"] == math.inf
    assert fairness_by_discipline(problem, ()) == {}  # nobody works: nothing to compare


def test_median_start_spread() -> None:
    """Pa at 9:00 and 10:30 (90 min), pb at 11:00, 13:00, 11:30 (120 min): median 105 min."""
    problem = _problem()
    routes = (
        _route("n1", 0, (_stop("a1", "pa", 9 * HOUR), _stop("b1", "pb", 11 * HOUR))),
        _route(
            "n2",
            1,
            (_stop("a2", "pa", DAY + 10 * HOUR + 30 * MINUTE), _stop("b2", "pb", DAY + 13 * HOUR)),
        ),
        _route("n3", 0, (_stop("b3", "pb", 11 * HOUR + 30 * MINUTE),)),
        _route("t1", 0, (_stop("c1", "pc", 15 * HOUR),)),
    )
    assert median_start_spread(problem, routes) == 105.0
    assert median_start_spread(problem, routes[2:]) is None


def test_preferred_hours_met() -> None:
    """Pa wants mornings: 9:00 yes, 12:30 no; pc wants afternoons: 13:00 yes -> 2 of 3."""
    problem = _problem()
    routes = (
        _route("n1", 0, (_stop("a1", "pa", 9 * HOUR), _stop("b1", "pb", 11 * HOUR))),
        _route("n2", 1, (_stop("a2", "pa", DAY + 12 * HOUR + 30 * MINUTE),)),
        _route("t1", 0, (_stop("c1", "pc", 13 * HOUR),)),
    )
    assert math.isclose(preferred_hours_met(problem, routes), 2 / 3)
    assert preferred_hours_met(problem, routes[:0]) is None
