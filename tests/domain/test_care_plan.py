"""Care plans expand into the visits due in a horizon, and problems collect them."""

from datetime import date, timedelta

import pytest

from scheduler.domain import (
    DAY,
    HOUR,
    Availability,
    CarePlan,
    CareRules,
    Clinician,
    Credential,
    Discipline,
    Horizon,
    Location,
    Patient,
    Problem,
    TimeWindow,
    Visit,
    VisitType,
)
from scheduler.domain.care_plan import expand_care_plan, soc_deadline, visit_spacing_days
from scheduler.errors import ProblemError
from tests.builders import MONDAY, weekday_shifts

HORIZON_DAYS = 7
DURATION = 45 * 60
OPENS, CLOSES = 8 * HOUR, 17 * HOUR
HOME = Location("home-p1", 40.0, -83.0)
OFFICE = Location("office", 40.1, -83.1)
PATIENT = Patient(
    id="p1",
    name="Pat",
    location=HOME,
    availability=tuple(Availability(day, TimeWindow(OPENS, CLOSES)) for day in range(5)),
)
NURSE = Clinician(
    id="c1",
    name="Nurse",
    credential=Credential.RN,
    start=OFFICE,
    shifts=weekday_shifts(opens=OPENS // HOUR, closes=CLOSES // HOUR),
)
WEEKDAY_STARTS = tuple(
    TimeWindow(day * DAY + OPENS, day * DAY + CLOSES - DURATION) for day in range(5)
)
ASSESSMENT = 90 * 60  # the default length of a SOC or recertification visit
ASSESSMENT_STARTS = tuple(
    TimeWindow(day * DAY + OPENS, day * DAY + CLOSES - ASSESSMENT) for day in range(5)
)


def make_plan(frequency: str, start_of_care: date = MONDAY, **changes: object) -> CarePlan:
    """An SN care plan for ``p1`` with primary clinician ``c1``, with ``changes`` applied."""
    fields: dict[str, object] = {
        "id": "cp1",
        "patient_id": "p1",
        "discipline": Discipline.SN,
        "frequency": frequency,
        "start_of_care": start_of_care,
        "visit_duration": DURATION,
        "primary_clinician": "c1",
    }
    fields.update(changes)
    return CarePlan(**fields)


def expand(plan: CarePlan, patient: Patient = PATIENT) -> tuple[Visit, ...]:
    """The plan's visits in the 7-day horizon starting Monday 2026-12-07."""
    return expand_care_plan(
        plan, patient, horizon_start=MONDAY, horizon_days=HORIZON_DAYS, rules=CareRules()
    )


def week_visits(visits: tuple[Visit, ...], week: int) -> list[Visit]:
    """The visits of the order's ``week`` (1-based), by their id."""
    return [v for v in visits if f"-w{week}-" in v.id]


def day_of(instant: int) -> date:
    """Calendar date of a horizon second."""
    return MONDAY + timedelta(days=instant // DAY)


def test_three_a_week_from_horizon_start_gives_three_required_visits() -> None:
    """`3W2` starting on the horizon's first day asks 3 required visits, any weekday."""
    visits = expand(make_plan("3W2"))
    assert len(visits) == 3
    assert [v.id for v in visits] == ["cp1-w1-1", "cp1-w1-2", "cp1-w1-3"]
    for visit in visits:
        assert visit.windows == WEEKDAY_STARTS
        assert not visit.optional
        assert visit.priority == 4
        assert visit.visit_type == VisitType.ROUTINE
        assert visit.discipline == Discipline.SN
        assert visit.duration == DURATION
        assert visit.care_plan_id == "cp1"
        assert visit.preferred_clinician == "c1"
        assert visit.patient_id == "p1"


def test_start_windows_end_a_visit_duration_before_the_patient_leaves() -> None:
    """Every start window lets the visit finish by 17:00 on a weekday the patient is home."""
    for visit in expand(make_plan("3W2")):
        for window in visit.windows:
            day = window.start // DAY
            assert day_of(window.start).weekday() < 5
            assert window.start == day * DAY + OPENS
            assert window.end + visit.duration == day * DAY + CLOSES


@pytest.mark.parametrize(
    ("made", "due"),
    [
        ((), 3),
        ((date(2026, 12, 4),), 2),
        ((date(2026, 12, 4), date(2026, 12, 5)), 1),
        ((date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6)), 0),
        ((date(2026, 12, 2), date(2026, 12, 11)), 3),  # before the SOC, and in week 2
    ],
)
def test_visits_made_in_the_period_reduce_what_is_due(made: tuple[date, ...], due: int) -> None:
    """Visits already made in the current week count against its order; others do not."""
    plan = make_plan("3W2", start_of_care=date(2026, 12, 4), visits_made=made)  # weeks Fri..Thu
    week_one = week_visits(expand(plan), 1)
    assert len(week_one) == due
    assert all(not v.optional for v in week_one)
    # week one runs Fri 12-04 .. Thu 12-10: Mon..Thu of the horizon are the candidate days
    for visit in week_one:
        assert [day_of(w.start) for w in visit.windows] == [MONDAY + timedelta(d) for d in range(4)]


@pytest.mark.parametrize(
    ("discipline", "frequency", "required", "optional"),
    [
        # Thu 12-10 .. Wed 12-16: here Thu, Fri (2 days); after the horizon Mon, Tue, Wed (3).
        # 3W, spacing 2: later days hold ceil(3/2) = 2, so 3 - 2 = 1 required; room here 1.
        (Discipline.SN, "3W2", 1, 0),
        # 2W, spacing 2: later days hold 2 = all due, so none required; room here 1 optional.
        (Discipline.SN, "2W2", 0, 1),
        # 4W, spacing 1: later days hold 3, so 4 - 3 = 1 required; room here 2, so 1 optional.
        (Discipline.HHA, "4W2", 1, 1),
    ],
)
def test_week_straddling_the_horizon_end_leaves_later_visits_optional(
    discipline: Discipline, frequency: str, required: int, optional: int
) -> None:
    """Visits the days after the horizon could hold are optional; the rest are required."""
    plan = make_plan(frequency, start_of_care=date(2026, 12, 3), discipline=discipline)
    week_two = week_visits(expand(plan), 2)
    assert sum(not v.optional for v in week_two) == required
    assert sum(v.optional for v in week_two) == optional
    for visit in week_two:
        assert visit.priority == 4  # still within the ordered minimum
        assert [day_of(w.start) for w in visit.windows] == [date(2026, 12, 10), date(2026, 12, 11)]


def test_week_ending_inside_the_horizon_is_all_required() -> None:
    """Week one (Thu..Wed) ends on horizon day 3, so its 3 visits are all required on Mon-Wed."""
    week_one = week_visits(expand(make_plan("3W2", start_of_care=date(2026, 12, 3))), 1)
    assert len(week_one) == 3
    assert all(not v.optional for v in week_one)
    assert all(v.windows == WEEKDAY_STARTS[:3] for v in week_one)


def test_range_order_adds_its_extra_visits_as_low_priority_optional() -> None:
    """`2-3W4` asks 2 required visits at priority 4 and 1 optional at priority 2."""
    visits = expand(make_plan("2-3W4"))
    assert [(v.optional, v.priority) for v in visits] == [(False, 4), (False, 4), (True, 2)]


def test_prn_allowance_adds_no_visit() -> None:
    """`+ 2 PRN` is never scheduled in advance: the visits equal those of the bare order."""
    assert expand(make_plan("3W2 + 2 PRN")) == expand(make_plan("3W2"))
    assert expand(make_plan("2 PRN")) == ()


def test_order_outside_the_horizon_gives_no_visit() -> None:
    """An order that ended before the horizon or starts after it has nothing due."""
    assert expand(make_plan("3W2", start_of_care=date(2026, 11, 2))) == ()
    assert expand(make_plan("3W2", start_of_care=date(2026, 12, 14))) == ()


REFERRAL = 10 * HOUR  # Monday 10:00


@pytest.mark.parametrize(
    ("discipline", "credential"), [(Discipline.SN, Credential.RN), (Discipline.PT, Credential.PT)]
)
def test_referral_adds_a_start_of_care_visit_within_48_hours(
    discipline: Discipline, credential: Credential
) -> None:
    """A referral adds a longer, top-priority SOC by an RN or PT, due within 48 h of it."""
    plan = make_plan("3W2", discipline=discipline, referral=REFERRAL)
    visits = expand(plan)
    soc = visits[0]
    assert soc.id == "cp1-soc"
    assert soc.visit_type == VisitType.SOC
    assert soc.credentials == frozenset({credential})
    assert soc.priority == 5
    assert not soc.optional
    assert soc.duration > DURATION
    assert soc.care_plan_id == "cp1"
    assert soc.preferred_clinician == "c1"
    assert soc.windows
    for window in soc.windows:
        assert REFERRAL <= window.start <= window.end <= REFERRAL + 48 * HOUR
    assert soc.windows[0].start == REFERRAL
    assert soc.windows[-1].end == REFERRAL + 48 * HOUR  # Wednesday 10:00
    # the SOC counts as one of week one's three visits
    assert [v.visit_type for v in visits[1:]] == [VisitType.ROUTINE, VisitType.ROUTINE]


def test_soc_windows_leave_room_for_the_longer_soc_visit() -> None:
    """A SOC started at the end of a window still finishes by 17:00, when the patient leaves."""
    soc = expand(make_plan("3W2", referral=REFERRAL))[0]
    for window in soc.windows:
        closes = window.start // DAY * DAY + CLOSES
        assert window.end + soc.duration <= closes


def test_soc_lasts_the_rules_assessment_duration() -> None:
    """The SOC lasts the rules' assessment time, and its windows leave room for all of it."""
    rules = CareRules(assessment_duration=2 * HOUR)
    plan = make_plan("3W2", referral=REFERRAL)
    soc = expand_care_plan(
        plan, PATIENT, horizon_start=MONDAY, horizon_days=HORIZON_DAYS, rules=rules
    )[0]
    assert soc.duration == 2 * HOUR
    assert soc.windows[0] == TimeWindow(REFERRAL, CLOSES - 2 * HOUR)


def test_soc_never_shorter_than_a_routine_visit() -> None:
    """A plan whose routine visits outlast the assessment time gets a SOC as long as them."""
    soc = expand(make_plan("3W2", referral=REFERRAL, visit_duration=2 * HOUR))[0]
    assert soc.duration == 2 * HOUR


def test_soc_windows_lie_between_the_referral_and_the_deadline_earliest_first() -> None:
    """A Monday 10:00 referral: windows on Monday, Tuesday and Wednesday up to 10:00."""
    plan = make_plan("3W2", referral=REFERRAL)
    soc = expand(plan)[0]
    assert soc_deadline(plan, CareRules()) == REFERRAL + 48 * HOUR
    assert [w.start // DAY for w in soc.windows] == [0, 1, 2]
    assert soc.windows[-1] == TimeWindow(2 * DAY + OPENS, 2 * DAY + REFERRAL)


def test_soc_with_no_home_time_before_its_deadline_has_only_the_deadline_instant() -> None:
    """Referred Friday 16:00, home on weekdays only: the SOC's one window is the deadline."""
    friday = 4 * DAY + 16 * HOUR
    soc = expand(make_plan("3W2", referral=friday))[0]
    assert soc.windows == (TimeWindow(friday + 48 * HOUR, friday + 48 * HOUR),)


def test_care_rules_refuse_a_non_positive_assessment_duration() -> None:
    """An assessment of zero seconds is a configuration error, said at once."""
    with pytest.raises(ProblemError, match="assessment_duration"):
        CareRules(assessment_duration=0)


def test_referral_on_a_plan_no_rn_or_pt_can_open_is_refused() -> None:
    """A start of care is made by an RN or PT, so a referral on an OT plan raises."""
    plan = make_plan("2W4", discipline=Discipline.OT, referral=REFERRAL)
    with pytest.raises(ProblemError, match=r"cp1.*has a referral"):
        expand(plan)


EPISODE_START = MONDAY - timedelta(days=57)  # Sun 2026-10-11; the episode ends Wed 12-09


def test_recert_visit_falls_in_the_last_five_days_of_the_episode() -> None:
    """An episode started 57 days ago gets one required RN recert on its last days only."""
    plan = make_plan("3W12", start_of_care=EPISODE_START)
    visits = expand(plan)
    recerts = [v for v in visits if v.visit_type == VisitType.RECERT]
    assert len(recerts) == 1
    recert = recerts[0]
    assert recert.credentials == frozenset({Credential.RN})
    assert not recert.optional
    first, last = EPISODE_START + timedelta(days=55), EPISODE_START + timedelta(days=59)
    assert recert.windows
    for window in recert.windows:
        assert first <= day_of(window.start) <= last
        assert first <= day_of(window.end) <= last
    assert recert.windows == ASSESSMENT_STARTS[:3]  # Mon 12-07 .. Wed 12-09
    assert recert.duration == ASSESSMENT
    assert len(visits) == 3  # the recert is one of the week's three, not an extra


def test_recert_uses_an_explicit_episode_start() -> None:
    """`episode_start` rather than the start of care decides when the recert falls."""
    plan = make_plan("3W4", start_of_care=date(2026, 11, 30), episode_start=EPISODE_START)
    recerts = [v for v in expand(plan) if v.visit_type == VisitType.RECERT]
    assert len(recerts) == 1
    assert recerts[0].windows == ASSESSMENT_STARTS[:3]
    assert not any(v.visit_type == VisitType.RECERT for v in expand(make_plan("3W4")))


def test_no_recert_on_a_plan_no_rn_or_pt_can_recertify() -> None:
    """An OT plan at the end of its episode keeps routine visits only."""
    plan = make_plan("2W12", start_of_care=EPISODE_START, discipline=Discipline.OT)
    visits = expand(plan)
    assert visits
    assert all(v.visit_type == VisitType.ROUTINE for v in visits)


def test_last_visit_of_an_order_ending_in_the_horizon_is_the_discharge() -> None:
    """`3W2` from Mon 11-30 ends Sun 12-13: its last visit is a required DC."""
    visits = expand(make_plan("3W2", start_of_care=date(2026, 11, 30)))
    assert [v.visit_type for v in visits] == [VisitType.ROUTINE, VisitType.ROUTINE, VisitType.DC]
    assert visits[-1].id == "cp1-w2-3"
    assert not visits[-1].optional


def test_discharge_of_a_range_order_keeps_the_extra_visit_optional() -> None:
    """`2-3W2` ending in the horizon still requires only 2 visits, one of them the DC."""
    visits = expand(make_plan("2-3W2", start_of_care=date(2026, 11, 30)))
    discharges = [v for v in visits if v.visit_type == VisitType.DC]
    assert len(discharges) == 1
    assert not discharges[0].optional
    assert sum(not v.optional for v in visits) == 2


def test_order_ending_after_the_horizon_has_no_discharge() -> None:
    """While the order runs past the horizon no visit is a discharge."""
    visits = expand(make_plan("3W2"))
    assert all(v.visit_type != VisitType.DC for v in visits)


@pytest.mark.parametrize(
    ("frequency", "spacing"),
    [
        ("3W2", 2),
        ("TIW x2", 2),
        ("BIW x4", 2),
        ("1W4", 2),
        ("1M2", 2),
        ("2-3W4", 2),
        ("2 PRN", 2),
        ("QD x7", 1),
        ("HHA 5W2", 1),
        ("3-4W2", 1),
        ("3W1, 4W1", 1),
    ],
)
def test_visit_spacing_days(frequency: str, spacing: int) -> None:
    """Visits are 2 days apart up to three a week, 1 day apart for denser orders."""
    discipline = Discipline.HHA if frequency.startswith("HHA") else Discipline.SN
    assert visit_spacing_days(make_plan(frequency, discipline=discipline)) == spacing


def test_care_plan_refuses_an_order_for_another_discipline() -> None:
    """An SN plan whose order is written `PT 2W4` is refused."""
    with pytest.raises(ProblemError, match=r"cp1.*is SN but its order says PT"):
        make_plan("PT 2W4")


def test_care_plan_refuses_an_unreadable_order_naming_the_plan() -> None:
    """An order that cannot be parsed is refused with the plan id and the offending part."""
    with pytest.raises(ProblemError, match=r"care plan 'cp1': cannot read '3Q2'"):
        make_plan("SN 3Q2")


def test_care_plan_refuses_a_non_positive_visit_duration() -> None:
    """A visit needs a positive duration."""
    with pytest.raises(ProblemError, match="positive visit duration"):
        make_plan("3W2", visit_duration=0)


def make_problem(*plans: CarePlan, visits: tuple[Visit, ...] = ()) -> Problem:
    """A one-week problem with nurse ``c1`` and patient ``p1``."""
    return Problem(
        horizon=Horizon(MONDAY, HORIZON_DAYS),
        clinicians=(NURSE,),
        patients=(PATIENT,),
        visits=visits,
        care_plans=plans,
    )


LAB_DRAW = Visit(
    id="lab-1",
    patient_id="p1",
    discipline=Discipline.SN,
    duration=20 * 60,
    windows=(TimeWindow(OPENS, 12 * HOUR),),
)


def test_visits_to_plan_lists_given_visits_then_expanded_ones() -> None:
    """The problem plans its explicit visits first, then each care plan's due visits."""
    sn = make_plan("3W2")
    pt = make_plan("2W4", id="cp2", discipline=Discipline.PT, primary_clinician=None)
    problem = make_problem(sn, pt, visits=(LAB_DRAW,))
    ids = [v.id for v in problem.visits_to_plan]
    assert ids == ["lab-1", "cp1-w1-1", "cp1-w1-2", "cp1-w1-3", "cp2-w1-1", "cp2-w1-2"]
    assert problem.visit_by_id["cp2-w1-1"].discipline == Discipline.PT
    assert problem.care_plan_by_id["cp2"] is pt


def test_problem_refuses_duplicate_care_plan_ids() -> None:
    """Two care plans with one id are refused."""
    with pytest.raises(ProblemError, match="duplicate care plan ids: cp1"):
        make_problem(make_plan("3W2"), make_plan("2W4", discipline=Discipline.PT))


def test_problem_refuses_a_given_visit_clashing_with_an_expanded_one() -> None:
    """A given visit whose id a care plan also produces is a duplicate visit id."""
    clash = Visit(
        id="cp1-w1-1",
        patient_id="p1",
        discipline=Discipline.SN,
        duration=DURATION,
        windows=(TimeWindow(OPENS, 12 * HOUR),),
    )
    with pytest.raises(ProblemError, match="duplicate visit ids: cp1-w1-1"):
        make_problem(make_plan("3W2"), visits=(clash,))


def test_problem_refuses_a_care_plan_for_an_unknown_patient() -> None:
    """A care plan naming a patient the problem does not hold is refused."""
    with pytest.raises(ProblemError, match="care plan 'cp1' names unknown patient 'p9'"):
        make_problem(make_plan("3W2", patient_id="p9"))


def test_problem_refuses_a_primary_clinician_it_does_not_know() -> None:
    """Expanded visits preferring an unknown clinician are refused like given ones."""
    with pytest.raises(ProblemError, match="assigned to unknown clinician 'c9'"):
        make_problem(make_plan("3W2", primary_clinician="c9"))


def test_visit_ids_skip_those_already_taken():
    """Visits booked elsewhere keep their ids: the plan's new visits get other ones."""
    plan = CarePlan(
        "cp1",
        "p1",
        Discipline.SN,
        "3W2",
        MONDAY,
        2700,
        visits_made=(MONDAY,),
        taken_ids=frozenset({"cp1-w1-1"}),
    )
    visits = expand_care_plan(
        plan, PATIENT, horizon_start=MONDAY + timedelta(days=1), horizon_days=6, rules=CareRules()
    )
    assert [v.id for v in visits] == ["cp1-w1-2", "cp1-w1-3"]
