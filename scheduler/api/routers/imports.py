"""Bulk import of clinicians, patients, care plans and visits, as JSON or CSV, all or nothing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, HTTPException, Path, Request, status
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from scheduler.api.access import DataWriter, Principal, branch_in_reach
from scheduler.api.deps import AgencyId, SessionDep
from scheduler.api.reach import check_clinicians_exist, fetch_in_reach
from scheduler.api.record_writes import RecordKind, create_record, replace_fields
from scheduler.api.routers.care_plans import CARE_PLANS
from scheduler.api.routers.clinicians import CLINICIANS
from scheduler.api.routers.patients import PATIENTS
from scheduler.api.routers.visits import (
    VISITS,
    back_to_planned,
    visit_first_day,
    write_visit_link,
)
from scheduler.api.schemas.imports import (
    MAX_IMPORT,
    ImportBatch,
    ImportSummary,
    refuse_repeated_ids,
)
from scheduler.api.schemas.visits import VisitCreate
from scheduler.service.visit_links import replace_visit_link
from scheduler.store import models

router = APIRouter(prefix="/v1/imports", tags=["imports"])
KINDS: dict[str, RecordKind] = {
    "clinicians": CLINICIANS,
    "patients": PATIENTS,
    "care-plans": CARE_PLANS,
    "visits": VISITS,
}
CSV_EXAMPLE = (
    "id,branch_id,name,latitude,longitude,address,availability,excluded_clinicians\n"
    'p1,b1,Ann Lee,39.96,-83.0,"12 Oak St",'
    '"[{""weekday"":0,""start"":""09:00"",""end"":""17:00""}]",\n'
)


@router.post("", response_model=ImportSummary, summary="Import records as JSON")
def import_json(
    session: SessionDep, principal: DataWriter, batch: ImportBatch, agency_id: AgencyId = None
) -> dict[str, Any]:
    """Add or replace records in dependency order; any error leaves nothing written.

    Visits may carry a ``link`` to a visit stored or in the same import (see ``/v1/visits``).
    Ids are the agency's own: another agency's records with the same ids are not touched.
    """
    summary: dict[str, dict[str, int]] = {"created": {}, "replaced": {}}
    visits = []
    for kind, items in (
        ("clinicians", batch.clinicians),
        ("patients", batch.patients),
        ("care-plans", batch.care_plans),
        ("visits", batch.visits),
    ):
        for item in items:
            outcome, row = _upsert(session, principal, KINDS[kind], item, agency_id)
            summary[outcome][kind] = summary[outcome].get(kind, 0) + 1
            if kind == "visits":
                visits.append((row, item))
    _write_links(session, visits)
    return summary


@router.post(
    "/{kind}.csv",
    response_model=ImportSummary,
    summary="Import one kind of record as CSV",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string", "minLength": 1}, "example": CSV_EXAMPLE}
            },
        }
    },
)
async def import_csv(
    request: Request,
    session: SessionDep,
    principal: DataWriter,
    kind: Annotated[Literal["clinicians", "patients", "care-plans", "visits"], Path()],
    agency_id: AgencyId = None,
) -> dict[str, Any]:
    """One CSV row per record, columns named as the JSON fields.

    A list of names may be written ``a;b``; a list of objects (weekly hours, availability,
    windows) or an object (a visit's link) as JSON in the cell. Empty cells take the default.
    """
    resource = KINDS[kind]
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "CSV must be UTF-8") from None
    if not text.strip():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "the CSV is empty: send a header row, then records",
        )
    reader = csv.DictReader(io.StringIO(text))
    try:
        columns, rows = set(reader.fieldnames or ()), list(reader)
    except csv.Error as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"not CSV: {error}") from None
    unknown = sorted(columns - set(resource.create.model_fields))
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"the header names columns {kind} do not have: {', '.join(unknown[:5])}",
        )
    if len(rows) > MAX_IMPORT:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, f"at most {MAX_IMPORT} rows per import"
        )
    summary: dict[str, dict[str, int]] = {"created": {}, "replaced": {}}
    items = [_csv_item(resource.create, row, number) for number, row in enumerate(rows, start=2)]
    try:
        refuse_repeated_ids(kind, [item.id for item in items])
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    visits = []
    for item in items:
        outcome, row = _upsert(session, principal, resource, item, agency_id)
        summary[outcome][kind] = summary[outcome].get(kind, 0) + 1
        if isinstance(item, VisitCreate):
            visits.append((row, item))
    _write_links(session, visits)
    return summary


def _write_links(session: Session, visits: Sequence[tuple[models.Visit, VisitCreate]]) -> None:
    """The imported visits' links, once every visit is written (a link may name a later one).

    Every imported visit is unlinked first, so the order of the visits does not matter.
    """
    for row, _ in visits:
        replace_visit_link(session, agency_id=row.agency_id, visit_id=row.id, link=None)
    for row, item in visits:
        if item.link is not None:
            write_visit_link(session, row, item)


def _csv_item(schema: type[BaseModel], row: dict[str, Any], line: int) -> BaseModel:
    """A create payload from a CSV row (422 naming the line and field when it is wrong)."""
    values: dict[str, Any] = {}
    for key, cell in row.items():
        if key is None or cell is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"line {line}: more cells than columns"
            )
        cell = cell.strip()
        if not cell:
            continue
        field = schema.model_fields.get(key)
        is_list = field is not None and "list" in str(field.annotation)
        is_object = field is not None and any(
            isinstance(kind, type) and issubclass(kind, BaseModel)
            for kind in get_args(field.annotation)
        )
        if (is_list and cell.startswith("[")) or is_object:
            try:
                values[key] = json.loads(cell)
            except (json.JSONDecodeError, RecursionError):
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT, f"line {line}: {key} is not valid JSON"
                ) from None
        elif is_list:
            values[key] = [part.strip() for part in cell.split(";") if part.strip()]
        else:
            values[key] = cell
    return validated(schema, f"line {line}", values)


def validated(schema: type[BaseModel], source: str, values: dict[str, Any]) -> Any:
    """``values`` as ``schema``; a 422 naming ``source`` and the first field at fault."""
    try:
        return schema.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"{source}: {where}: {first['msg']}"
        ) from None


def _upsert(
    session: Any, principal: Principal, resource: RecordKind, item: Any, agency_id: str | None
) -> tuple[str, Any]:
    """Create the record, or replace it when it exists in the caller's reach; and the row.

    The record's agency is its branch's, or its patient's (care plans and visits).
    """
    extra = {}
    if resource.parent is not None:
        patient = fetch_in_reach(
            session,
            principal,
            models.Patient,
            item.patient_id,
            label="patient",
            agency_id=agency_id,
        )
        agency = patient.agency_id
        if resource is VISITS:
            extra["first_day"] = visit_first_day(session, patient.branch_id, item)
    else:
        agency = branch_in_reach(session, principal, item.branch_id).agency_id
    existing = session.get(resource.model, (agency, item.id))
    if existing is None:
        row = create_record(session, principal, resource, item, agency_id=agency, **extra)
        return "created", row
    row = fetch_in_reach(
        session, principal, resource.model, item.id, label=resource.label, agency_id=agency
    )
    check_clinicians_exist(session, row.branch_id, resource.clinicians_named(item))
    if resource is VISITS:
        extra |= back_to_planned(row)
    replace_fields(row, item, skip=resource.stored_apart, **extra)
    return "replaced", row
