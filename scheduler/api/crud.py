"""Create, read, update and delete for the records a branch keeps, with reach checks.

One router per resource comes from ``resource_router``; every id is looked up through
``fetch_in_reach``, so a record outside the caller's branch or agency answers 404.
"""

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from scheduler.api.access import (
    DataWriters,
    Principal,
    Staff,
    allow,
    branch_in_reach,
    branches_in_reach,
)
from scheduler.api.deps import SessionDep
from scheduler.api.schemas import Id, Page
from scheduler.store import models
from scheduler.store.records import column_values, delete_record, list_records

MAX_PAGE = 500
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Items per page (1..{MAX_PAGE}).")]


def fetch_in_reach(
    session: Session, principal: Principal, model: type[Any], record_id: str, *, label: str
) -> Any:
    """The record, if it exists and its branch is within the caller's reach (404 otherwise)."""
    row = session.get(model, record_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {label} {record_id!r}")
    try:
        branch_in_reach(session, principal, row.branch_id)
    except HTTPException:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {label} {record_id!r}") from None
    return row


def check_clinicians_exist(session: Session, branch_id: str, clinician_ids: set[str]) -> None:
    """422 unless every id names a clinician of the branch."""
    if not clinician_ids:
        return
    found = set(
        session.scalars(
            select(models.Clinician.id).where(
                models.Clinician.id.in_(clinician_ids), models.Clinician.branch_id == branch_id
            )
        )
    )
    missing = sorted(clinician_ids - found)
    if missing:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown clinicians in branch {branch_id!r}: {', '.join(missing[:5])}",
        )


@dataclass(frozen=True)
class Resource:
    """How one kind of record is exposed.

    ``parent`` names the model whose row gives the branch (care plans and visits belong to a
    patient); ``clinicians_named`` lists the clinician ids a write refers to; ``stored_apart``
    names payload fields that are not columns of ``model`` (its router writes them);
    ``before_delete`` runs in the deleting transaction, and its docstring describes the delete.
    """

    name: str
    label: str
    model: type[Any]
    create: type[BaseModel]
    update: type[BaseModel]
    public: type[BaseModel]
    clinicians_named: Callable[[BaseModel], set[str]]
    parent: type[Any] | None = None
    stored_apart: frozenset[str] = frozenset()
    before_delete: Callable[[Session, Any], None] | None = None


def resolve_branch(session: Session, principal: Principal, resource: Resource, payload: Any) -> str:
    """The branch a new record goes to, checked against the caller's reach."""
    if resource.parent is None:
        branch_in_reach(session, principal, payload.branch_id)
        return payload.branch_id
    parent = fetch_in_reach(
        session, principal, resource.parent, payload.patient_id, label="patient"
    )
    return parent.branch_id


def create_record(
    session: Session, principal: Principal, resource: Resource, payload: BaseModel, **extra: Any
) -> Any:
    """Add a record from a validated create payload (409 when the id is taken)."""
    branch_id = resolve_branch(session, principal, resource, payload)
    record_id = payload.id  # type: ignore[attr-defined]
    if session.get(resource.model, record_id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{resource.label} {record_id!r} exists")
    check_clinicians_exist(session, branch_id, resource.clinicians_named(payload))
    values = payload.model_dump(mode="json", exclude=set(resource.stored_apart))
    values |= {"branch_id": branch_id} | extra
    row = resource.model(**column_values(resource.model, values))
    session.add(row)
    session.flush()
    return row


def replace_fields(
    row: Any, payload: BaseModel, *, skip: frozenset[str] = frozenset(), **extra: Any
) -> None:
    """Give ``row`` the payload's fields but ``skip`` (its ids and branch stay)."""
    values = payload.model_dump(mode="json", exclude=set(skip)) | extra
    for key, value in column_values(type(row), values).items():
        if key not in ("id", "branch_id", "patient_id"):
            setattr(row, key, value)
    session = object_session(row)
    if session is not None:
        session.flush()


def list_in_reach(
    session: Session,
    principal: Principal,
    model: type[Any],
    *,
    branch_id: str | None,
    order_by: Sequence[Any] = (),
    offset: int,
    limit: int,
) -> dict[str, Any]:
    """One page of ``model`` rows in the caller's branches (one branch if named)."""
    where = []
    if branch_id is not None:
        branch_in_reach(session, principal, branch_id)
        where.append(model.branch_id == branch_id)
    reach = branches_in_reach(session, principal)
    if reach is not None:
        where.append(model.branch_id.in_(reach))
    rows, total = list_records(
        session, model, where=where, order_by=order_by, offset=offset, limit=limit
    )
    return {"items": rows, "total": total, "offset": offset, "limit": limit}


def resource_router(resource: Resource, *, with_list: bool = True) -> APIRouter:
    """The router for ``resource``: list, create, read, replace, delete."""
    router = APIRouter(prefix=f"/v1/{resource.name}", tags=[resource.name])
    Writer = Annotated[Principal, Depends(allow(*DataWriters))]  # noqa: N806
    Deleter = Annotated[Principal, Depends(allow(*Staff))]  # noqa: N806
    RecordId = Annotated[str, Path(max_length=100)]  # noqa: N806
    Public = resource.public  # noqa: N806
    Create = resource.create  # noqa: N806
    Update = resource.update  # noqa: N806

    if with_list:

        @router.get("", response_model=Page[Public], summary=f"List {resource.name}")
        def list_items(
            session: SessionDep,
            principal: Writer,
            branch_id: Annotated[Id | None, Query()] = None,
            offset: Offset = 0,
            limit: Limit = 100,
        ) -> dict[str, Any]:
            return list_in_reach(
                session, principal, resource.model, branch_id=branch_id, offset=offset, limit=limit
            )

    @router.post(
        "",
        response_model=Public,
        status_code=status.HTTP_201_CREATED,
        summary=f"Add a {resource.label}",
    )
    def create_item(session: SessionDep, principal: Writer, payload: Create) -> Any:  # type: ignore[valid-type]
        return create_record(session, principal, resource, payload)

    @router.get("/{record_id}", response_model=Public, summary=f"Read a {resource.label}")
    def read_item(session: SessionDep, principal: Writer, record_id: RecordId) -> Any:
        return fetch_in_reach(session, principal, resource.model, record_id, label=resource.label)

    @router.put("/{record_id}", response_model=Public, summary=f"Replace a {resource.label}")
    def replace_item(
        session: SessionDep,
        principal: Writer,
        record_id: RecordId,
        payload: Update,  # type: ignore[valid-type]
    ) -> Any:
        row = fetch_in_reach(session, principal, resource.model, record_id, label=resource.label)
        check_clinicians_exist(session, row.branch_id, resource.clinicians_named(payload))
        replace_fields(row, payload)
        return row

    @router.delete(
        "/{record_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary=f"Delete a {resource.label}",
        description=inspect.getdoc(resource.before_delete) if resource.before_delete else None,
    )
    def delete_item(session: SessionDep, principal: Deleter, record_id: RecordId) -> Response:
        row = fetch_in_reach(session, principal, resource.model, record_id, label=resource.label)
        if resource.before_delete is not None:
            resource.before_delete(session, row)
        delete_record(session, row)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
