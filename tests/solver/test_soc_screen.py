"""A start of care keeps the windows a clinician can reach; without any, its patient waits."""

import numpy as np

from scheduler.domain import (
    DAY,
    HOUR,
    MINUTE,
    Availability,
    CarePlan,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    Patient,
    Problem,
    ReasonCode,
    TimeWindow,
    TravelMatrix,
    VisitType,
)
from scheduler.solver._soc_screen import reachable_windows, screen_start_of_care
from scheduler.solver.explain import screen_visits
from scheduler.solver.model import list_vehicles
from tests.builders import MONDAY, weekday_shifts

DRIVE = 20 * MINUTE  # from the nurse's home to the patient


def admission(*, days: int = 7, home_until: int = 17 * HOUR) -> tuple[Problem, TravelMatrix]:
    """A Monday 08:00 referral; the RN starts 08:00 on weekdays, 20 minutes away; a PT plan."""
    office, house = Location("office", 40.0, -83.0), Location("house", 40.1, -83.0)
    shifts = weekday_shifts(range(min(days, 5)))
    staff = (
        Clinician("rn", "RN", Credential.RN, office, shifts),
        Clinician("pt", "PT", Credential.PT, office, shifts),
    )
    home = tuple(Availability(w, TimeWindow(8 * HOUR, home_until)) for w in range(5))
    patient = Patient("p", "P", house, availability=home)
    plans = (
        CarePlan("sn", "p", Discipline.SN, "2W1", MONDAY, HOUR, referral=8 * HOUR),
        CarePlan("pt", "p", Discipline.PT, "2W1", MONDAY, HOUR),
    )
    problem = Problem(Horizon(MONDAY, days), staff, (patient,), (), care_plans=plans)
    travel = TravelMatrix(
        ("office", "house"),
        np.array([[0, DRIVE], [DRIVE, 0]], dtype=np.int64),
        np.array([[0, 9000], [9000, 0]], dtype=np.int64),
    )
    return problem, travel


def screened(problem: Problem, travel: TravelMatrix):
    """The SOC screening after the ordinary screening, as ``solve`` runs them."""
    vehicles = list_vehicles(problem)
    screening = screen_visits(problem, vehicles)
    visits = [v for v in problem.visits_to_plan if v.id in screening.candidates]
    return screen_start_of_care(problem, travel, vehicles, visits, screening.candidates)


def test_soc_windows_start_when_a_clinician_can_arrive() -> None:
    """Monday's window opens at 08:20 (08:00 plus the drive); Wednesday's instant is dropped."""
    problem, travel = admission()
    soc = problem.visit_by_id["sn-soc"]
    assert soc.windows[-1] == TimeWindow(2 * DAY + 8 * HOUR, 2 * DAY + 8 * HOUR)
    vehicles = list_vehicles(problem)
    numbers = [n for n, v in enumerate(vehicles) if v.clinician.id == "rn"]
    windows, able = reachable_windows(problem, travel, vehicles, soc, numbers)
    assert windows[0].start == 8 * HOUR + DRIVE
    assert [w.start // DAY for w in windows] == [0, 1]
    assert {vehicles[n].shift.day for n in able} == {0, 1}


def test_reachable_soc_is_kept_and_the_patient_s_visits_stay() -> None:
    """With reachable windows, the SOC is solved with them and nothing waits."""
    screening = screened(*admission())
    soc = next(v for v in screening.visits if v.visit_type == VisitType.SOC)
    assert soc.windows[0].start == 8 * HOUR + DRIVE
    assert screening.unassigned == ()
    assert len(screening.visits) == 4


def test_unreachable_soc_is_left_out_and_the_other_visits_wait() -> None:
    """Home 08:00-09:40: a 90-minute SOC must start by 08:10, before anyone arrives (08:20)."""
    screening = screened(*admission(home_until=9 * HOUR + 40 * MINUTE))
    reasons = {u.visit_id: u for u in screening.unassigned}
    assert reasons["sn-soc"].reason == ReasonCode.UNREACHABLE_IN_WINDOW
    assert "2026-12-09 08:00" in reasons["sn-soc"].message  # the 48 h deadline
    waiting = {v for v, u in reasons.items() if u.reason == ReasonCode.WAITS_FOR_SOC}
    assert waiting == {"sn-w1-1", "pt-w1-1", "pt-w1-2"}
    assert screening.visits == [] and screening.candidates == {}


def test_on_a_one_day_horizon_the_other_visits_wait_for_a_later_day() -> None:
    """Planning Monday alone: the SOC is solved, the patient's other visits wait for it."""
    screening = screened(*admission(days=1))
    assert [v.id for v in screening.visits] == ["sn-soc"]
    assert {u.reason for u in screening.unassigned} == {ReasonCode.WAITS_FOR_SOC}
    assert all("later day" in u.message for u in screening.unassigned)
