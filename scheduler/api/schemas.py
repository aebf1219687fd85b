"""What the API reads and writes: ``XCreate`` / ``XUpdate`` / ``XPublic`` per resource.

Writes forbid unknown fields. Field names follow the storage columns, so a validated create is
a row's keyword arguments; nested values (weekly hours, availability, windows) are validated
here and stored as JSON.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from scheduler.domain import Credential, Discipline, LinkKind, VisitLink, VisitType
from scheduler.domain.care_plan import ASSESSING_CREDENTIAL
from scheduler.domain.frequency import parse_frequency
from scheduler.errors import ProblemError

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]


def _not_blank(value: str) -> str:
    """Strip the spaces around a name, and refuse one made of spaces only."""
    if not value.strip():
        raise ValueError("a name needs a character other than spaces")
    return value.strip()


# Python's str.strip() blanks; spelled out so the schema's pattern and the handler agree. A
# name has one character besides them, and no NUL (no database keeps it).
_BLANK = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
Name = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=200, pattern=f"^[^\\x00]*[^{_BLANK}\\x00][^\\x00]*$"
    ),
    AfterValidator(_not_blank),
]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=60)]


def _no_bool(value: object) -> object:
    """Refuse ``true``/``false`` where a number is due (pydantic would read them as 1 and 0)."""
    if isinstance(value, bool):
        raise ValueError("give a number, not true or false")
    return value


def _readable_frequency(value: str) -> str:
    """Refuse a frequency order the planner cannot read, with the parser's message."""
    try:
        parse_frequency(value)
    except ProblemError as error:
        raise ValueError(str(error)) from None
    return value


Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False), BeforeValidator(_no_bool)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False), BeforeValidator(_no_bool)]
Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday")]
Minutes = Annotated[int, Field(ge=1, le=24 * 60)]
Address = Annotated[str, StringConstraints(max_length=500)]
GapMinutes = Annotated[int, Field(ge=0, le=24 * 60)]


def _without_offset(value: time) -> time:
    """Refuse a UTC offset: weekly hours and home windows are the branch's wall-clock times."""
    if value.tzinfo is not None:
        raise ValueError("give the branch's local time, without a UTC offset")
    return value


def _iso_date(value: object) -> object:
    """Read text as an ISO 8601 date only (pydantic would read ``"0"`` or ``0`` as Unix time 0)."""
    if isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, date):
        return value
    raise ValueError("give an ISO 8601 date as text, e.g. 2026-11-30")


def _iso_moment(value: object) -> object:
    """Take a moment only as ISO 8601 text (the schema's string), never a number of seconds."""
    if isinstance(value, str | datetime):
        return value
    raise ValueError("give an ISO 8601 date and time with its UTC offset as text")


LocalTime = Annotated[
    time,
    AfterValidator(_without_offset),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "A local time of day, HH:MM[:SS], without a UTC offset.",
            "examples": ["08:30"],
        }
    ),
]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def _date_in_our_era(value: date) -> date:
    """Refuse dates so far out that a horizon or an episode from them overflows."""
    if not 1900 <= value.year <= 2999:
        raise ValueError("give a date between the years 1900 and 2999")
    return value


CareDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    AfterValidator(_date_in_our_era),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": r"^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$",
            "description": "An ISO 8601 date between the years 1900 and 2999.",
        }
    ),
]


def _in_our_era(value: datetime) -> datetime:
    """Refuse moments so far out that moving them to the branch's zone overflows."""
    if not 1900 <= value.year <= 2999:
        raise ValueError("give a time between the years 1900 and 2999")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_iso_moment), AfterValidator(_in_our_era)]


def refuse_unstorable_text(value: object) -> object:
    """Refuse text holding a NUL character or an unpaired surrogate, in any nesting.

    Neither can be stored (PostgreSQL refuses NUL, UTF-8 has no lone surrogates): a 422 here
    instead of a failed write.
    """
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text may not contain a NUL character (\\u0000)")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                "text may not contain an unpaired surrogate (\\ud800-\\udfff)"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_unstorable_text(key)
            refuse_unstorable_text(item)
    elif isinstance(value, list | tuple):
        for item in value:
            refuse_unstorable_text(item)
    return value


class WriteModel(BaseModel):
    """Base of request bodies: unknown fields are an error, and so is text no store can keep."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, value: object) -> object:
        return refuse_unstorable_text(value)


class WeeklyHours(WriteModel):
    """A clinician's hours on one weekday, with an optional lunch break."""

    weekday: Weekday
    start: LocalTime
    end: LocalTime
    lunch_start: LocalTime | None = None
    lunch_end: LocalTime | None = None
    lunch_minutes: Annotated[int, Field(ge=1, le=180)] | None = None
    max_overtime_minutes: Annotated[int, Field(ge=0, le=600)] = 0

    @model_validator(mode="after")
    def _check(self) -> WeeklyHours:
        if self.start >= self.end:
            raise ValueError("hours must end after they start")
        lunch = (self.lunch_start, self.lunch_end, self.lunch_minutes)
        if any(part is not None for part in lunch) and None in lunch:
            raise ValueError("a lunch break needs lunch_start, lunch_end and lunch_minutes")
        if (
            self.lunch_start is not None
            and self.lunch_end is not None
            and not self.start <= self.lunch_start <= self.lunch_end <= self.end
        ):
            raise ValueError("the lunch window must lie inside the hours")
        return self


class HomeWindow(WriteModel):
    """The patient is home from ``start`` to ``end`` on ``weekday``."""

    weekday: Weekday
    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _check(self) -> HomeWindow:
        if self.start >= self.end:
            raise ValueError("a home window must end after it starts")
        return self


class VisitWindow(WriteModel):
    """When a visit may start (ISO 8601 with an offset)."""

    start: Moment
    end: Moment

    @model_validator(mode="after")
    def _check(self) -> VisitWindow:
        if self.start > self.end:
            raise ValueError("a visit window must not end before it starts")
        return self


class ClinicianFields(WriteModel):
    """Fields a clinician may change."""

    name: Name
    credential: Credential
    skills: list[Tag] = Field(default_factory=list, max_length=50)
    home_latitude: Latitude
    home_longitude: Longitude
    home_address: Address | None = None
    end_latitude: Latitude | None = None
    end_longitude: Longitude | None = None
    end_address: Address | None = None
    weekly_hours: list[WeeklyHours] = Field(default_factory=list, max_length=7)
    max_visits_per_day: Annotated[int, Field(ge=1, le=50)] | None = None
    max_work_minutes_per_day: Minutes | None = None
    max_points_per_day: Annotated[int, Field(ge=1, le=500)] | None = None
    max_visits_per_week: Annotated[int, Field(ge=1, le=300)] | None = None
    max_work_minutes_per_week: Annotated[int, Field(ge=1, le=7 * 24 * 60)] | None = None

    @model_validator(mode="after")
    def _check(self) -> ClinicianFields:
        weekdays = [hours.weekday for hours in self.weekly_hours]
        if len(weekdays) != len(set(weekdays)):
            raise ValueError("weekly_hours has two entries for the same weekday")
        if (self.end_latitude is None) != (self.end_longitude is None):
            raise ValueError("give both end_latitude and end_longitude, or neither")
        return self


class ClinicianCreate(ClinicianFields):
    """A new clinician."""

    id: Id
    branch_id: Id


class ClinicianUpdate(ClinicianFields):
    """A clinician's new fields (the whole record; ids do not change)."""


class ClinicianPublic(ClinicianCreate):
    """A clinician as stored."""

    model_config = ConfigDict(from_attributes=True)


class PatientFields(WriteModel):
    """Fields a patient record may change."""

    name: Name
    latitude: Latitude
    longitude: Longitude
    address: Address | None = None
    availability: list[HomeWindow] = Field(default_factory=list, max_length=50)
    preferred_clinicians: list[Id] = Field(default_factory=list, max_length=20)
    excluded_clinicians: list[Id] = Field(default_factory=list, max_length=100)


class PatientCreate(PatientFields):
    """A new patient."""

    id: Id
    branch_id: Id


class PatientUpdate(PatientFields):
    """A patient's new fields."""


class PatientPublic(PatientCreate):
    """A patient as stored."""

    model_config = ConfigDict(from_attributes=True)


class CarePlanFields(WriteModel):
    """Fields a care plan may change."""

    discipline: Discipline
    frequency: Annotated[
        str, StringConstraints(min_length=1, max_length=200), AfterValidator(_readable_frequency)
    ] = Field(
        examples=["3W2, 2W3"],
        description="A frequency order: segments like 3W2, 2-3W4, QD x7, BIW x4, 1M2, + 2 PRN.",
    )
    start_of_care: CareDate
    visit_minutes: Minutes
    primary_clinician_id: Id | None = None
    credentials: list[Credential] = Field(default_factory=list, max_length=7)
    required_skills: list[Tag] = Field(default_factory=list, max_length=20)
    visits_made: list[CareDate] = Field(default_factory=list, max_length=500)
    referral_at: Moment | None = None
    episode_start: CareDate | None = None

    model_config = ConfigDict(
        json_schema_extra={
            # A referral starts care with an assessment, which only an RN (SN) or a PT makes.
            "if": {"properties": {"referral_at": {"type": "string"}}, "required": ["referral_at"]},
            "then": {"properties": {"discipline": {"enum": ["SN", "PT"]}}},
        }
    )

    @model_validator(mode="after")
    def _referral_to_an_assessor(self) -> CarePlanFields:
        if self.referral_at is not None and self.discipline not in ASSESSING_CREDENTIAL:
            raise ValueError(
                "a referral starts care with an assessment by an RN or a PT: give it to the "
                "patient's SN or PT care plan"
            )
        return self


class CarePlanCreate(CarePlanFields):
    """A new care plan for a patient."""

    id: Id
    patient_id: Id


class CarePlanUpdate(CarePlanFields):
    """A care plan's new fields."""


class CarePlanPublic(CarePlanCreate):
    """A care plan as stored."""

    model_config = ConfigDict(from_attributes=True)
    branch_id: Id


class VisitLinkFields(WriteModel):
    """The visit this one is linked to: same patient, another clinician, timed together.

    ``simultaneous``: both start at the same minute (a two-person transfer); no gaps.
    ``sequential``: this visit starts ``min_gap_minutes`` (default 0) to ``max_gap_minutes``
    after the linked one starts (an aide after the nurse).
    """

    model_config = ConfigDict(
        json_schema_extra={
            # The kind decides the gaps: a sequential link names its max_gap_minutes; a
            # simultaneous one gives none (0 or null). min <= max is checked by the handler.
            "if": {"properties": {"kind": {"const": "sequential"}}, "required": ["kind"]},
            "then": {
                "properties": {"max_gap_minutes": {"type": "integer"}},
                "required": ["max_gap_minutes"],
            },
            "else": {
                "properties": {
                    "min_gap_minutes": {"enum": [0, None]},
                    "max_gap_minutes": {"enum": [0, None]},
                }
            },
        }
    )

    visit_id: Id
    kind: LinkKind
    min_gap_minutes: GapMinutes | None = None
    max_gap_minutes: GapMinutes | None = None

    @model_validator(mode="after")
    def _check(self) -> VisitLinkFields:
        if self.kind == LinkKind.SIMULTANEOUS and (self.min_gap_minutes or self.max_gap_minutes):
            raise ValueError("a simultaneous link starts both visits together: give no gaps")
        if self.kind == LinkKind.SEQUENTIAL and self.max_gap_minutes is None:
            raise ValueError("a sequential link needs max_gap_minutes")
        if (self.min_gap_minutes or 0) > (self.max_gap_minutes or 0):
            raise ValueError("min_gap_minutes must not be more than max_gap_minutes")
        return self

    def link_for(self, visit_id: str) -> VisitLink:
        """The domain link with ``visit_id`` as its second visit."""
        return VisitLink(
            first=self.visit_id,
            second=visit_id,
            kind=self.kind,
            min_gap=(self.min_gap_minutes or 0) * 60,
            max_gap=(self.max_gap_minutes or 0) * 60,
        )


class VisitLinkPublic(BaseModel):
    """A visit's link as stored, seen from the visit: the other visit and the timing."""

    visit_id: Id = Field(description="The other visit of the link.")
    role: Literal["first", "second"] = Field(
        description="``second``: this visit is timed after the other one (the link is written "
        "on it); ``first``: the other visit is timed after this one."
    )
    kind: LinkKind
    min_gap_minutes: int
    max_gap_minutes: int

    @classmethod
    def of(cls, link: VisitLink, *, visit_id: str) -> VisitLinkPublic:
        """``link`` as seen from ``visit_id``, one of its two visits."""
        second = visit_id == link.second
        return cls(
            visit_id=link.first if second else link.second,
            role="second" if second else "first",
            kind=link.kind,
            min_gap_minutes=link.min_gap // 60,
            max_gap_minutes=link.max_gap // 60,
        )


class VisitFields(WriteModel):
    """Fields a visit may change."""

    discipline: Discipline
    visit_type: VisitType = VisitType.ROUTINE
    minutes: Minutes
    windows: list[VisitWindow] = Field(min_length=1, max_length=28)
    credentials: list[Credential] = Field(default_factory=list, max_length=7)
    required_skills: list[Tag] = Field(default_factory=list, max_length=20)
    due_at: Moment | None = None
    priority: Annotated[int, Field(ge=1, le=5)] = 3
    optional: StrictBool = False
    pinned_clinician_id: Id | None = None
    pinned_start_at: Moment | None = None
    preferred_clinician_id: Id | None = None
    link: VisitLinkFields | None = Field(
        default=None,
        description="Link this visit to another open visit of the same patient, given one by "
        "one: both are made by two different clinicians, or neither. Replacing the visit "
        "without a link unlinks it (a link is kept on its second visit: replacing the first "
        "leaves it as is).",
    )


class VisitCreate(VisitFields):
    """A visit given one by one (an urgent SOC, a lab draw)."""

    id: Id
    patient_id: Id


class VisitUpdate(VisitFields):
    """A visit's new fields."""


class VisitStatusUpdate(WriteModel):
    """What a clinician reports about a visit."""

    status: Annotated[str, StringConstraints(pattern="^(completed|missed|cancelled)$")]


class VisitPublic(VisitCreate):
    """A visit as stored, with its status and, once published, who makes it when."""

    model_config = ConfigDict(from_attributes=True)
    branch_id: Id
    care_plan_id: Id | None
    status: str
    clinician_id: Id | None
    start_at: AwareDatetime | None
    link: VisitLinkPublic | None = None  # type: ignore[assignment]


class ErrorMessage(BaseModel):
    """An error answer: what went wrong, in a sentence."""

    detail: str


class OutdatedStop(BaseModel):
    """A planned stop that no longer matches the records, and why."""

    visit_id: str
    patient_id: str
    clinician_id: str
    day: str = Field(description="The stop's local date (YYYY-MM-DD).")
    reason: str = Field(
        description="deleted, cancelled, completed, missed, changed, clinician_deleted, "
        "patient_deleted, care_plan_deleted, care_plan_changed, start_of_care_outdated or "
        "linked_visit_outdated"
    )
    message: str


class OutdatedPlan(BaseModel):
    """A plan refused because some of its stops no longer match the records."""

    detail: str
    outdated: list[OutdatedStop] = Field(
        default_factory=list, description="The outdated stops (none for the other conflicts)."
    )


class InputProblem(BaseModel):
    """One problem found in a request: where, what, and its kind."""

    loc: list[str | int]
    msg: str
    type: str


class InvalidRequest(BaseModel):
    """A 422 answer: a sentence, or each problem found in the request."""

    detail: str | list[InputProblem]


Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One page of a list, with the total count across pages."""

    items: list[Item]
    total: int
    offset: int
    limit: int
