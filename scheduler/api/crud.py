"""Create, read, update and delete for the records a branch keeps, with reach checks.

One router per resource comes from ``resource_router``; every id is looked up through
``fetch_in_reach``, so a record outside the caller's branch or agency answers 404.

Ids are scoped per agency: two agencies may each have a patient ``p1``, and a caller's id
names their agency's record (a scheduler's or clinician's agency is their branch's). A global
admin names the agency with ``?agency_id=``, or leaves it out: an id one agency holds is that
record, an id several hold answers 409 asking for the agency.
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
from scheduler.api.schemas.answers import Page
from scheduler.api.schemas.fields import Id
from scheduler.store import models
from scheduler.store.models import Role
from scheduler.store.records import (
    agency_of_branch,
    column_values,
    delete_record,
    list_records,
    scoped_records,
)

MAX_PAGE = 500
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Items per page (1..{MAX_PAGE}).")]
AgencyId = Annotated[
    Id | None,
    Query(
        description="The agency whose ids the path and body name: for admins, needed when "
        "several agencies use an id (409 otherwise); for other roles their own agency."
    ),
]


def caller_agency(session: Session, principal: Principal, named: str | None = None) -> str | None:
    """The agency whose ids the caller names (``None``: a global admin who named none).

    Another agency named by a caller outside it answers 404, as an unknown one does.
    """
    if principal.role == Role.ADMIN:
        return named
    own = principal.agency_id
    if own is None and principal.branch_id is not None:
        own = agency_of_branch(session, principal.branch_id)
    if named is not None and named != own:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agency {named!r}")
    return own


def fetch_in_reach(
    session: Session,
    principal: Principal,
    model: type[Any],
    record_id: str,
    *,
    label: str,
    agency_id: str | None = None,
) -> Any:
    """The record, if it exists and its branch is within the caller's reach (404 otherwise).

    The id is looked up in the caller's agency (``agency_id`` names one for an admin); an
    admin naming none gets the one agency's record holding it, or 409 when several do.
    """
    rows = scoped_records(
        session, model, record_id, agency_id=caller_agency(session, principal, agency_id)
    )
    if len(rows) > 1:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"several agencies have a {label} {record_id!r}: name one with ?agency_id=",
        )
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {label} {record_id!r}")
    row = rows[0]
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


def resolve_branch(
    session: Session,
    principal: Principal,
    resource: Resource,
    payload: Any,
    *,
    agency_id: str | None = None,
) -> models.Branch:
    """The branch a new record goes to, checked against the caller's reach."""
    if resource.parent is None:
        branch = branch_in_reach(session, principal, payload.branch_id)
        if agency_id is not None and branch.agency_id != agency_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no branch {payload.branch_id!r}")
        return branch
    parent = fetch_in_reach(
        session,
        principal,
        resource.parent,
        payload.patient_id,
        label="patient",
        agency_id=agency_id,
    )
    return branch_in_reach(session, principal, parent.branch_id)


def create_record(
    session: Session,
    principal: Principal,
    resource: Resource,
    payload: BaseModel,
    *,
    agency_id: str | None = None,
    **extra: Any,
) -> Any:
    """Add a record from a validated create payload (409 when its agency has the id)."""
    branch = resolve_branch(session, principal, resource, payload, agency_id=agency_id)
    record_id = payload.id  # type: ignore[attr-defined]
    if session.get(resource.model, (branch.agency_id, record_id)) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{resource.label} {record_id!r} exists")
    check_clinicians_exist(session, branch.id, resource.clinicians_named(payload))
    values = payload.model_dump(mode="json", exclude=set(resource.stored_apart))
    values |= {"branch_id": branch.id, "agency_id": branch.agency_id} | extra
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
        if key not in ("id", "agency_id", "branch_id", "patient_id"):
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
    def create_item(
        session: SessionDep,
        principal: Writer,
        payload: Create,  # type: ignore[valid-type]
        agency_id: AgencyId = None,
    ) -> Any:
        return create_record(session, principal, resource, payload, agency_id=agency_id)

    def fetch(session: Session, principal: Principal, record_id: str, agency_id: str | None) -> Any:
        return fetch_in_reach(
            session, principal, resource.model, record_id, label=resource.label, agency_id=agency_id
        )

    @router.get("/{record_id}", response_model=Public, summary=f"Read a {resource.label}")
    def read_item(
        session: SessionDep, principal: Writer, record_id: RecordId, agency_id: AgencyId = None
    ) -> Any:
        return fetch(session, principal, record_id, agency_id)

    @router.put("/{record_id}", response_model=Public, summary=f"Replace a {resource.label}")
    def replace_item(
        session: SessionDep,
        principal: Writer,
        record_id: RecordId,
        payload: Update,  # type: ignore[valid-type]
        agency_id: AgencyId = None,
    ) -> Any:
        row = fetch(session, principal, record_id, agency_id)
        check_clinicians_exist(session, row.branch_id, resource.clinicians_named(payload))
        replace_fields(row, payload)
        return row

    @router.delete(
        "/{record_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        summary=f"Delete a {resource.label}",
        description=inspect.getdoc(resource.before_delete) if resource.before_delete else None,
    )
    def delete_item(
        session: SessionDep, principal: Deleter, record_id: RecordId, agency_id: AgencyId = None
    ) -> Response:
        row = fetch(session, principal, record_id, agency_id)
        if resource.before_delete is not None:
            resource.before_delete(session, row)
        delete_record(session, row)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router
