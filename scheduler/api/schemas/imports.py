"""Imports of many records at once (JSON), and what they did."""

from __future__ import annotations

from pydantic import (
    BaseModel,
    Field,
    model_validator,
)

from scheduler.api.schemas.care_plans import CarePlanCreate
from scheduler.api.schemas.clinicians import ClinicianCreate
from scheduler.api.schemas.fields import WriteModel
from scheduler.api.schemas.patients import PatientCreate
from scheduler.api.schemas.visits import VisitCreate

MAX_IMPORT = 5_000


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
