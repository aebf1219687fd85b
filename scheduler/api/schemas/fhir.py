"""FHIR R4 Bundles in and out (their resources are checked by the R4B models, not here)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scheduler.api.schemas.imports import MAX_IMPORT


class FhirBundle(BaseModel):
    """A FHIR R4 Bundle (resources: people and orders in, Appointments out)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    resource_type: Literal["Bundle"] = Field(alias="resourceType")
    type: str = Field(description="The Bundle's type, e.g. collection, transaction, searchset.")
    entry: list[dict[str, Any]] = Field(default_factory=list, max_length=3 * MAX_IMPORT)
