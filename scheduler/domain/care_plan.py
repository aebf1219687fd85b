"""Care plans: a patient's frequency order for one discipline, expanded into visits to plan.

Weeks count from the start of care. For each period of the order that meets the horizon, the
visits still due (ordered minimum minus visits already made) become visits whose windows span
every day of the period inside the horizon on which the patient is home: the solver picks the
day. Visits the rest of the period (after the horizon) could still hold are optional here;
the others are required. Range orders (``2-3W4``) add their extra visits as low priority.

A referral adds the start of care (SOC) visit, due within the rules' hours of it, and a
return home from an inpatient stay the resumption of care (ROC), due as soon; a visit in
the last five days of the 60-day episode becomes the recertification; the order's last visit,
when the order ends in the horizon, the discharge. SOC, ROC and recertification are
assessments: they last the rules' ``assessment_duration`` (at least a routine visit).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property

from scheduler.domain.clinician import Credential, Discipline
from scheduler.domain.frequency import FrequencyOrder, Period, order_periods, parse_frequency
from scheduler.domain.patient import Patient
from scheduler.domain.time_window import DAY, HOUR, MINUTE, TimeWindow
from scheduler.domain.visit import Visit, VisitType
from scheduler.errors import ProblemError

EPISODE_DAYS = 60
RECERT_DAYS = 5  # the recertification visit falls in the last five days of the episode
# Who may open (SOC) or recertify a case, by discipline of the plan.
ASSESSING_CREDENTIAL = {Discipline.SN: Credential.RN, Discipline.PT: Credential.PT}


@dataclass(frozen=True)
class CareRules:
    """Agency rules for care plans.

    Parameters
    ----------
    soc_within_hours
        A start of care visit is made within this many hours of the referral.
    max_clinicians_per_week
        Distinct clinicians a patient may see per discipline in a week.
    assessment_duration
        Seconds a start of care or recertification visit (the OASIS assessment) lasts at
        least; routine visits last their care plan's ``visit_duration``.
    """

    soc_within_hours: int = 48
    max_clinicians_per_week: int = 2
    assessment_duration: int = 90 * MINUTE

    def __post_init__(self) -> None:
        if self.assessment_duration <= 0:
            raise ProblemError(
                f"assessment_duration must be positive, got {self.assessment_duration} s"
            )


@dataclass(frozen=True)
class CarePlan:
    """One discipline's orders for a patient in an episode.

    Parameters
    ----------
    id, patient_id
        Identifiers.
    discipline
        The discipline ordered (a written discipline in ``frequency`` must agree).
    frequency
        The order as written, e.g. ``"3W2, 2W3 + 2 PRN"`` (see ``frequency.py``).
    start_of_care
        Day one of week one.
    visit_duration
        Seconds per visit.
    primary_clinician
        The clinician who should make the visits (continuity of care).
    visits_made
        Dates of visits already made under this order.
    referral
        Horizon second the referral arrived, when the start of care visit is still to be made;
        the SOC is then due within ``CareRules.soc_within_hours``.
    resumption
        Horizon second the patient came home from an inpatient stay, when the resumption of
        care visit is still to be made; the ROC is due within the same hours, and the
        patient's other visits wait for it as for a SOC.
    episode_start
        First day of the 60-day episode; defaults to the start of care.
    taken_ids
        Ids of this plan's visits already made or booked outside the horizon: new visits
        get other ids.
    """

    id: str
    patient_id: str
    discipline: Discipline
    frequency: str
    start_of_care: date
    visit_duration: int
    primary_clinician: str | None = None
    credentials: frozenset[Credential] = field(default_factory=frozenset)
    required_skills: frozenset[str] = field(default_factory=frozenset)
    visits_made: tuple[date, ...] = ()
    referral: int | None = None
    resumption: int | None = None
    episode_start: date | None = None
    taken_ids: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        written = self.order.discipline
        if written is not None and written != self.discipline:
            raise ProblemError(
                f"care plan {self.id!r} is {self.discipline} but its order says {written}"
            )
        if self.visit_duration <= 0:
            raise ProblemError(f"care plan {self.id!r} needs a positive visit duration")
        if self.referral is not None and self.resumption is not None:
            raise ProblemError(
                f"care plan {self.id!r} has both a referral and a resumption of care: a "
                "patient is admitted once; resume care only after the start of care is made"
            )

    @cached_property
    def order(self) -> FrequencyOrder:
        """The parsed frequency order."""
        try:
            return parse_frequency(self.frequency)
        except ProblemError as error:
            raise ProblemError(f"care plan {self.id!r}: {error}") from None

    @property
    def episode_first_day(self) -> date:
        """First day of the episode."""
        return self.episode_start or self.start_of_care

    @property
    def order_last_day(self) -> date:
        """Last day the order covers."""
        return self.start_of_care + timedelta(days=self.order.days - 1)


def expand_care_plan(
    plan: CarePlan,
    patient: Patient,
    *,
    horizon_start: date,
    horizon_days: int,
    rules: CareRules,
) -> tuple[Visit, ...]:
    """The visits of ``plan`` to place in the horizon, each with a window on every candidate day.

    Raises
    ------
    ProblemError
        When the order cannot be read.
    """
    horizon_end = horizon_start + timedelta(days=horizon_days - 1)
    visits: list[Visit] = []
    admission = _admission_visit(plan, patient, horizon_start, horizon_days, rules)
    if admission is not None:
        visits.append(admission)
        admitted = horizon_start + timedelta(days=admission.earliest_start // DAY)
    for number, period in enumerate(order_periods(plan.order, plan.start_of_care)):
        if period.last < horizon_start or period.first > horizon_end:
            continue
        made = sum(period.first <= day <= period.last for day in plan.visits_made)
        if admission is not None and (
            number == 0
            if admission.visit_type == VisitType.SOC
            else period.first <= admitted <= period.last
        ):
            made += 1  # the admission visit is one of the period's visits
        visits += _period_visits(plan, patient, period, number, made, horizon_start, horizon_end)
    return tuple(_mark_recert_and_discharge(plan, visits, horizon_start, horizon_end, rules))


def visit_spacing_days(plan: CarePlan) -> int:
    """Fewest days between two visits of the plan: 2 up to three a week, else 1 (daily)."""
    densest = max(
        (segment.max_visits / segment.period_days for segment in plan.order.segments), default=0
    )
    return 2 if densest <= 3 / 7 + 1e-9 else 1


def soc_deadline(plan: CarePlan, rules: CareRules) -> int | None:
    """Horizon second by which the plan's start (or resumption) of care visit must start.

    ``None`` if none is due.
    """
    since = plan.referral if plan.referral is not None else plan.resumption
    if since is None:
        return None
    return since + rules.soc_within_hours * HOUR


def assessment_duration(plan: CarePlan, rules: CareRules) -> int:
    """Seconds of the plan's SOC or recertification visit: the rules' assessment, at least."""
    return max(rules.assessment_duration, plan.visit_duration)


def _admission_visit(
    plan: CarePlan, patient: Patient, horizon_start: date, horizon_days: int, rules: CareRules
) -> Visit | None:
    """The SOC or ROC visit still to be made: after the referral or return, by the deadline.

    Its windows are the patient's home times, earliest first, in which the longer assessment
    can start and finish. The domain does not know the drive: the solver keeps only the
    windows (and the parts of them) a qualified clinician can reach and leaves the SOC out,
    saying so, when none is left. With no home time before the deadline the one window is
    the deadline instant, when the patient is not home: the solver leaves it out too.
    """
    deadline = soc_deadline(plan, rules)
    since = plan.referral if plan.referral is not None else plan.resumption
    if since is None or deadline is None:
        return None
    kind = VisitType.SOC if plan.referral is not None else VisitType.ROC
    credential = ASSESSING_CREDENTIAL.get(plan.discipline)
    if credential is None:
        what = "a referral" if kind == VisitType.SOC else "a resumption of care due"
        raise ProblemError(
            f"care plan {plan.id!r} has {what}, but the {admission_name(kind)} is made by an "
            "RN or a PT: give it to the patient's SN or PT care plan"
        )
    duration = assessment_duration(plan, rules)
    windows = []
    for day in range(horizon_days):
        weekday = (horizon_start + timedelta(days=day)).weekday()
        for home in patient.windows_on(day, weekday):
            start, end = max(home.start, since), min(home.end - duration, deadline)
            if start <= end:
                windows.append(TimeWindow(start, end))
    if not windows:
        windows = [TimeWindow(deadline, deadline)]
    return Visit(
        id=f"{plan.id}-{kind.lower()}",
        patient_id=plan.patient_id,
        discipline=plan.discipline,
        duration=duration,
        windows=tuple(windows),
        visit_type=kind,
        credentials=frozenset({credential}),
        required_skills=plan.required_skills,
        priority=5,
        care_plan_id=plan.id,
        preferred_clinician=plan.primary_clinician,
        points=2,
    )


def admission_name(kind: VisitType) -> str:
    """The words for an admission visit type: start of care, or resumption of care."""
    return "resumption of care" if kind == VisitType.ROC else "start of care"


def _period_visits(
    plan: CarePlan,
    patient: Patient,
    period: Period,
    number: int,
    made: int,
    horizon_start: date,
    horizon_end: date,
) -> list[Visit]:
    """The visits of one period that fall to this horizon."""
    windows = _home_windows(
        plan,
        patient,
        max(period.first, horizon_start),
        min(period.last, horizon_end),
        horizon_start,
    )
    spacing = visit_spacing_days(plan)
    after_days = [
        period.last - timedelta(days=k)
        for k in range((period.last - horizon_end).days)
        if patient_home_on(patient, period.last - timedelta(days=k))
    ]
    room_later = (len(after_days) + spacing - 1) // spacing
    room_here = (len(windows) + spacing - 1) // spacing
    due_min = max(0, period.min_visits - made)
    required = max(0, due_min - room_later)  # even beyond the days here: a miss to explain
    count = max(required, min(max(0, period.max_visits - made), room_here))
    visits = []
    all_windows = tuple(window for day_windows in windows.values() for window in day_windows)
    if not all_windows:
        return []
    fresh = (f"{plan.id}-w{number + 1}-{n}" for n in range(1, count + len(plan.taken_ids) + 1))
    ids = [visit_id for visit_id in fresh if visit_id not in plan.taken_ids][:count]
    for k in range(count):
        visits.append(
            Visit(
                id=ids[k],
                patient_id=plan.patient_id,
                discipline=plan.discipline,
                duration=plan.visit_duration,
                windows=all_windows,
                credentials=plan.credentials,
                required_skills=plan.required_skills,
                priority=4 if k < due_min else 2,
                optional=k >= required,
                care_plan_id=plan.id,
                preferred_clinician=plan.primary_clinician,
            )
        )
    return visits


def _home_windows(
    plan: CarePlan, patient: Patient, first: date, last: date, horizon_start: date
) -> dict[int, tuple[TimeWindow, ...]]:
    """Start windows per horizon day from ``first`` to ``last`` when the patient is home."""
    windows = {}
    for offset in range((last - first).days + 1):
        day_date = first + timedelta(days=offset)
        day = (day_date - horizon_start).days
        starts = tuple(
            TimeWindow(home.start, home.end - plan.visit_duration)
            for home in patient.windows_on(day, day_date.weekday())
            if home.length >= plan.visit_duration
        )
        if starts:
            windows[day] = starts
    return windows


def patient_home_on(patient: Patient, day: date) -> bool:
    """Whether the patient is home at some time on a calendar day."""
    return not patient.availability or any(a.weekday == day.weekday() for a in patient.availability)


def _mark_recert_and_discharge(
    plan: CarePlan, visits: list[Visit], horizon_start: date, horizon_end: date, rules: CareRules
) -> list[Visit]:
    """Turn one routine visit into the recertification, and the order's last into discharge.

    The recertification is an assessment: it lasts the rules' assessment duration, so its
    start windows end that much earlier.
    """
    recert_first = plan.episode_first_day + timedelta(days=EPISODE_DAYS - RECERT_DAYS)
    recert_last = plan.episode_first_day + timedelta(days=EPISODE_DAYS - 1)
    credential = ASSESSING_CREDENTIAL.get(plan.discipline)
    routine = [v for v in visits if v.visit_type == VisitType.ROUTINE]
    if credential and routine and recert_first <= horizon_end and recert_last >= horizon_start:
        low = (recert_first - horizon_start).days * DAY
        high = ((recert_last - horizon_start).days + 1) * DAY
        duration = assessment_duration(plan, rules)
        longer = duration - routine[0].duration
        kept = tuple(
            TimeWindow(w.start, w.end - longer)
            for w in routine[0].windows
            if low <= w.start < high and w.length >= longer
        )
        if kept:
            recert = replace(
                routine[0],
                duration=duration,
                windows=kept,
                visit_type=VisitType.RECERT,
                credentials=frozenset({credential}),
                optional=False,
                priority=5,
            )
            visits[visits.index(routine[0])] = recert
    routine = [v for v in visits if v.visit_type == VisitType.ROUTINE and not v.optional]
    if routine and horizon_start <= plan.order_last_day <= horizon_end:
        last = routine[-1]
        visits[visits.index(last)] = replace(last, visit_type=VisitType.DC, optional=False)
    return visits
