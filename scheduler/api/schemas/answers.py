"""Answers shared by every resource: errors, an outdated plan, a page of items."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import (
    BaseModel,
    Field,
)


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
