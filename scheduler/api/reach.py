"""What a caller may reach: ids scoped per agency, records in their branches.

Ids are scoped per agency: two agencies may each have a patient ``p1``, and a caller's id
names their agency's record (a scheduler's or clinician's agency is their branch's). A global
admin names the agency with ``?agency_id=``, or leaves it out: an id one agency holds is that
record, an id several hold answers 409 asking for the agency. A record outside the caller's
branch or agency answers 404, as an unknown one does.
"""

from collections.abc import Sequence
from typing import Any

from fastapi import HTTPException, status
from sqlalchemy.orm import Session

from scheduler.api.access import Principal, branch_in_reach, branches_in_reach
from scheduler.store.models import Role
from scheduler.store.records import (
    agency_of_branch,
    clinician_ids_in_branch,
    list_branch_records,
    scoped_records,
)


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
    found = clinician_ids_in_branch(session, branch_id=branch_id, clinician_ids=clinician_ids)
    missing = sorted(clinician_ids - found)
    if missing:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown clinicians in branch {branch_id!r}: {', '.join(missing[:5])}",
        )


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
    if branch_id is not None:
        branch_in_reach(session, principal, branch_id)
    rows, total = list_branch_records(
        session,
        model,
        branch_id=branch_id,
        branch_ids=branches_in_reach(session, principal),
        order_by=order_by,
        offset=offset,
        limit=limit,
    )
    return {"items": rows, "total": total, "offset": offset, "limit": limit}
