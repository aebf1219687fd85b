"""Writing a branch's records from validated payloads: the branch they go to, their columns.

A :class:`RecordKind` says how one kind of record is written; the routers of clinicians,
patients, care plans and visits and the bulk import share these functions.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel
from sqlalchemy.orm import Session, object_session

from scheduler.api.access import Principal, branch_in_reach
from scheduler.api.reach import check_clinicians_exist, fetch_in_reach
from scheduler.store import models
from scheduler.store.records import column_values


@dataclass(frozen=True)
class RecordKind:
    """How one kind of record is written.

    ``create`` is its create payload (the bulk import reads CSV columns into it); ``parent``
    names the model whose row gives the branch (care plans and visits belong to a patient);
    ``clinicians_named`` lists the clinician ids a write refers to; ``stored_apart`` names
    payload fields that are not columns of ``model`` (its router writes them).
    """

    label: str
    model: type[Any]
    create: type[BaseModel]
    clinicians_named: Callable[[Any], set[str]]
    parent: type[Any] | None = None
    stored_apart: frozenset[str] = frozenset()


def resolve_branch(
    session: Session,
    principal: Principal,
    kind: RecordKind,
    payload: Any,
    *,
    agency_id: str | None = None,
) -> models.Branch:
    """The branch a new record goes to, checked against the caller's reach."""
    if kind.parent is None:
        branch = branch_in_reach(session, principal, payload.branch_id)
        if agency_id is not None and branch.agency_id != agency_id:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no branch {payload.branch_id!r}")
        return branch
    parent = fetch_in_reach(
        session,
        principal,
        kind.parent,
        payload.patient_id,
        label="patient",
        agency_id=agency_id,
    )
    return branch_in_reach(session, principal, parent.branch_id)


def create_record(
    session: Session,
    principal: Principal,
    kind: RecordKind,
    payload: BaseModel,
    *,
    agency_id: str | None = None,
    **extra: Any,
) -> Any:
    """Add a record from a validated create payload (409 when its agency has the id)."""
    branch = resolve_branch(session, principal, kind, payload, agency_id=agency_id)
    values = payload.model_dump(mode="json", exclude=set(kind.stored_apart))
    if session.get(kind.model, (branch.agency_id, values["id"])) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{kind.label} {values['id']!r} exists")
    check_clinicians_exist(session, branch.id, kind.clinicians_named(payload))
    values |= {"branch_id": branch.id, "agency_id": branch.agency_id} | extra
    row = kind.model(**column_values(kind.model, values))
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
