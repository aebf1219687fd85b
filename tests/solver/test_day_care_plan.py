"""Each care-plan rule of the day choice, alone on a tiny CP-SAT model that places all it can."""

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from ortools.sat.python import cp_model

from scheduler.domain import (
    DAY,
    HOUR,
    CarePlan,
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
from scheduler.solver import _day_care_plan as rules
from scheduler.solver._day_model import DayModel
from scheduler.solver.explain import screen_visits
from scheduler.solver.model import list_vehicles
from tests.builders import MONDAY, weekday_shifts

HOME = Location("home", 40.0, -83.0)
Rule = Callable[[DayModel], None]


def week(*plans: CarePlan, visits: tuple[Visit, ...] = ()) -> Problem:
    """An RN and a PT working Monday to Friday 08:00-17:00; patient p, home any time."""
    shifts = weekday_shifts()
    staff = (
        Clinician("rn", "RN", Credential.RN, HOME, shifts),
        Clinician("pt", "PT", Credential.PT, HOME, shifts),
    )
    patient = Patient("p", "P", Location("p-home", 40.01, -83.0))
    return Problem(Horizon(MONDAY, 7), staff, (patient,), visits, care_plans=plans)


def nursing(order: str, **changes: object) -> CarePlan:
    """An SN care plan of patient p from Monday."""
    return replace(CarePlan("cp", "p", Discipline.SN, order, MONDAY, 3600), **changes)


def place(problem: Problem, *added: Rule, visits: Sequence[Visit] | None = None) -> dict[str, int]:
    """The day of each visit placed when as many as possible are, under ``added`` rules only.

    Each visit goes to at most one clinician-day; placing one is worth more than any cost.
    """
    vehicles = list_vehicles(problem)
    screening = screen_visits(problem, vehicles)
    chosen_visits = list(visits if visits is not None else problem.visits_to_plan)
    day = DayModel(
        problem,
        chosen_visits,
        vehicles,
        {
            v.id: [
                n
                for n in screening.candidates[v.id]
                if any(w.start // DAY == vehicles[n].shift.day for w in v.windows)
            ]
            for v in chosen_visits
        },
        lambda visit, clinician: 0,
    )
    for visit in chosen_visits:
        day.placed[visit.id] = day.model.NewBoolVar(visit.id)
        for number in day.options[visit.id]:
            day.chosen[visit.id, number] = day.model.NewBoolVar(f"{visit.id},{number}")
        options = [day.chosen[visit.id, n] for n in day.options[visit.id]]
        day.model.Add(sum(options) == day.placed[visit.id])
    for rule in added:
        rule(day)
    day.model.Minimize(sum(day.costs) - 1_000_000 * sum(day.placed.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 2.0
    solver.parameters.num_workers = 1
    assert solver.Solve(day.model) == cp_model.OPTIMAL
    return {
        visit_id: vehicles[number].shift.day
        for (visit_id, number), variable in day.chosen.items()
        if solver.Value(variable)
    }


def test_one_visit_a_day_keeps_a_care_plan_visit_off_a_given_visits_day() -> None:
    """A given SN visit on Monday only: the care plan's one visit goes to another day."""
    lab = Visit("lab", "p", Discipline.SN, 1800, (TimeWindow(9 * HOUR, 15 * HOUR),))
    days = place(week(nursing("1W1"), visits=(lab,)), rules.add_one_visit_a_day)
    assert days["lab"] == 0 and days["cp-w1-1"] != 0


def test_period_count_holds_against_an_extra_visit_of_the_plan() -> None:
    """A 2W order with one visit made: of two visits of the plan, only one is placed."""
    problem = week(nursing("2W1", visits_made=(MONDAY,)))
    extra = replace(problem.visits_to_plan[0], id="extra")
    problem = replace(problem, visits=(extra,))
    assert len(place(problem, rules.add_period_counts)) == 1
    assert len(place(problem)) == 2  # without the rule, both would be


def test_spacing_spreads_three_a_week() -> None:
    """Three a week land at least two days apart when the week has room (Mon, Wed, Fri)."""
    assert sorted(place(week(nursing("3W1")), rules.add_spacing).values()) == [0, 2, 4]


def test_spacing_is_soft_when_days_are_few() -> None:
    """Home Monday and Tuesday only: both days get a visit despite the spacing."""
    problem = week(nursing("3W1"))
    monday_tuesday = tuple(TimeWindow(d * DAY + 9 * HOUR, d * DAY + 15 * HOUR) for d in (0, 1))
    visits = [replace(v, windows=monday_tuesday) for v in problem.visits_to_plan]
    days = place(problem, rules.add_one_visit_a_day, rules.add_spacing, visits=visits)
    assert sorted(days.values()) == [0, 1]


def test_discharge_comes_after_the_plan_s_other_visits() -> None:
    """When the order ends this week, the discharge visit is on the latest day."""
    problem = week(nursing("3W1"))
    days = place(problem, rules.add_one_visit_a_day, rules.add_discharge_last)
    discharge = next(v.id for v in problem.visits_to_plan if v.visit_type == VisitType.DC)
    assert days[discharge] == max(days.values()) and len(days) == 3


def test_recert_stays_in_the_episode_s_last_five_days() -> None:
    """A recert offered every weekday still lands on Mon..Wed, the episode's last days."""
    plan = nursing("3W2", episode_start=MONDAY - timedelta(days=57))
    problem = week(plan)
    recert = next(v for v in problem.visits_to_plan if v.visit_type == VisitType.RECERT)
    anyday = replace(
        recert, windows=tuple(TimeWindow(d * DAY, d * DAY + 8 * HOUR) for d in range(5))
    )
    days = place(problem, rules.add_recert_window, visits=[anyday])
    assert days[recert.id] <= 2


def test_soc_comes_on_an_earlier_day_than_every_other_visit() -> None:
    """With a referral, nursing and therapy visits come on days after the SOC's."""
    therapy = CarePlan("pt-plan", "p", Discipline.PT, "2W1", MONDAY, 3600)
    problem = week(nursing("2W1", referral=8 * HOUR), therapy)
    days = place(problem, rules.add_soc_first)
    assert len(days) == 4
    assert all(day > days["cp-soc"] for visit_id, day in days.items() if visit_id != "cp-soc")


def test_without_its_soc_no_visit_of_the_patient_is_placed() -> None:
    """A SOC missing from the choice keeps the patient's other visits out."""
    problem = week(nursing("3W1", referral=8 * HOUR))
    others = [v for v in problem.visits_to_plan if v.visit_type != VisitType.SOC]
    assert place(problem, rules.add_soc_first, visits=others) == {}


def test_soc_goes_on_its_earliest_day() -> None:
    """A SOC that could be made Monday to Wednesday is made on Monday."""
    problem = week(nursing("1W1", referral=8 * HOUR))
    soc = [v for v in problem.visits_to_plan if v.visit_type == VisitType.SOC]
    assert place(problem, rules.prefer_early_soc, visits=soc) == {"cp-soc": 0}
