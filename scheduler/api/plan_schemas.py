"""What the API says about agencies, users, planning jobs, plans, itineraries and webhooks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from scheduler.api.schemas import (
    CareDate,
    CarePlanCreate,
    ClinicianCreate,
    Id,
    Name,
    PatientCreate,
    VisitCreate,
    WriteModel,
)
from scheduler.store.models import Role

MAX_IMPORT = 5_000
# IANA zones a branch may be in: not the machine's own "localtime", nor tzdata's "Factory".
TIME_ZONES = frozenset(available_timezones() - {"Factory", "localtime", "posixrules"})


def _known_zone(value: str) -> str:
    """Refuse a name that is not an IANA time zone."""
    if value not in TIME_ZONES:
        raise ValueError(f"unknown time zone {value[:64]!r}; use an IANA name like America/Chicago")
    return value


TimeZoneName = Annotated[
    str,
    AfterValidator(_known_zone),
    WithJsonSchema(
        {"type": "string", "enum": sorted(TIME_ZONES), "description": "An IANA time zone name."}
    ),
]


class AgencyCreate(WriteModel):
    """A new agency."""

    id: Id
    name: Name


class AgencyPublic(AgencyCreate):
    """An agency."""

    model_config = ConfigDict(from_attributes=True)


class BranchCreate(WriteModel):
    """A new branch of an agency."""

    id: Id
    agency_id: Id
    name: Name
    timezone: TimeZoneName


class BranchPublic(BranchCreate):
    """A branch."""

    model_config = ConfigDict(from_attributes=True)


class UserCreate(WriteModel):
    """A new user; the role decides which of the scope fields it needs."""

    name: Name
    role: Role
    agency_id: Id | None = None
    branch_id: Id | None = None
    clinician_id: Id | None = None


class UserUpdate(WriteModel):
    """A change to a user: a new name, or disabled (its token refused) or enabled again."""

    name: Name | None = None
    disabled: StrictBool | None = None


class UserPublic(BaseModel):
    """A user and the state of its token (never the token or its hash)."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    role: Role
    agency_id: str | None
    branch_id: str | None
    clinician_id: str | None
    disabled: bool
    expires_at: datetime | None = Field(description="When the token stops working (null: never).")
    revoked_at: datetime | None = Field(description="When the token was revoked (null: never).")
    last_used_at: datetime | None = Field(description="Last call with the token (to the minute).")


class UserWithToken(UserPublic):
    """A new user and its token: shown this once, stored only hashed."""

    token: str


class ImportBatch(WriteModel):
    """Records to add or replace in one transaction (all or nothing)."""

    clinicians: list[ClinicianCreate] = Field(default_factory=list, max_length=MAX_IMPORT)
    patients: list[PatientCreate] = Field(default_factory=list, max_length=MAX_IMPORT)
    care_plans: list[CarePlanCreate] = Field(default_factory=list, max_length=MAX_IMPORT)
    visits: list[VisitCreate] = Field(default_factory=list, max_length=MAX_IMPORT)

    @model_validator(mode="after")
    def _ids_once(self) -> ImportBatch:
        for kind in ("clinicians", "patients", "care_plans", "visits"):
            refuse_repeated_ids(kind, [item.id for item in getattr(self, kind)])
        return self


def refuse_repeated_ids(kind: str, ids: list[str]) -> None:
    """Refuse an import naming one record twice (which of the two would win is a guess)."""
    seen: set[str] = set()
    for record_id in ids:
        if record_id in seen:
            raise ValueError(f"{kind}: id {record_id!r} appears twice in one import")
        seen.add(record_id)


class ImportSummary(BaseModel):
    """How many records an import added and replaced, per kind."""

    created: dict[str, int]
    replaced: dict[str, int]


class PlanningJobCreate(WriteModel):
    """Plan a branch for some days."""

    branch_id: Id
    start_date: CareDate
    days: Annotated[int, Field(ge=1, le=28)] = 7
    time_limit_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0


class PlanningJobPublic(BaseModel):
    """A planning job: where it is, and the plan it wrote."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    branch_id: str
    start_date: date
    days: int
    time_limit: float
    status: str
    phase: str
    progress: float
    error: str | None
    plan_id: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RouteSummary(BaseModel):
    """A clinician's day in a plan."""

    model_config = ConfigDict(from_attributes=True)
    clinician_id: str
    day: date
    visits: int
    travel_seconds: int


class PlanPublic(BaseModel):
    """A plan version with its KPIs."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    branch_id: str
    version: int
    start_date: date
    days: int
    status: str
    solver_status: str
    kpis: dict[str, Any]
    created_at: AwareDatetime
    published_at: AwareDatetime | None


class PlanDetail(PlanPublic):
    """A plan version with its routes."""

    routes: list[RouteSummary]


class UnassignedPublic(BaseModel):
    """A visit a plan leaves out, and why."""

    model_config = ConfigDict(from_attributes=True)
    visit_id: str
    patient_id: str
    reason: str
    message: str


class WebhookCreate(WriteModel):
    """Where to send the agency's plan events (an agency system leaves ``agency_id`` out)."""

    agency_id: Id | None = None
    url: Annotated[
        str,
        Field(
            max_length=500,
            # NEL and BOM spelled out: JSON Schema's \s lacks the one, pydantic's the other.
            pattern="^[Hh][Tt][Tt][Pp][Ss]?://[^\\s\x85\ufeff/?#@]+([/?#][^\\s\x85\ufeff]*)?$",
            examples=["https://ehr.example.com/hooks/scheduler"],
            description="An https URL whose host resolves to public addresses only (http and "
            "loopback only where the server's webhooks_allow_loopback setting, for tests, is "
            "on); an internal address, a metadata host or a name that does not resolve is 422.",
        ),
    ]

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("give an http:// or https:// URL with a host name")
        if parts.username is not None or parts.password is not None:
            raise ValueError("leave credentials out of the URL; the signature authenticates")
        return value


class WebhookPublic(BaseModel):
    """A webhook (never its secret)."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    url: str
    created_at: AwareDatetime


class WebhookWithSecret(WebhookPublic):
    """A new webhook and the secret its deliveries are signed with: shown this once."""

    secret: str


class WebhookDeliveryPublic(BaseModel):
    """One event sent to a webhook: where it stands and how its attempts went."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: AwareDatetime
    last_status_code: int | None
    last_error: str | None
    created_at: AwareDatetime
    delivered_at: AwareDatetime | None
