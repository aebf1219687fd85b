"""Visits, their windows, links and status reports."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from scheduler.api.schemas.fields import GapMinutes, Id, Minutes, Moment, Tag, WriteModel
from scheduler.domain import Credential, Discipline, LinkKind, VisitLink, VisitType


class VisitWindow(WriteModel):
    """When a visit may start (ISO 8601 with an offset)."""

    start: Moment
    end: Moment

    @model_validator(mode="after")
    def _check(self) -> VisitWindow:
        if self.start > self.end:
            raise ValueError("a visit window must not end before it starts")
        return self


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
