"""Agencies, branches and users (admins), and who am I (everyone)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy import select

from scheduler.api.access import EveryRole, Principal, allow, branch_in_reach, branches_in_reach
from scheduler.api.deps import SessionDep
from scheduler.api.plan_schemas import (
    AgencyCreate,
    AgencyPublic,
    BranchCreate,
    BranchPublic,
    UserCreate,
    UserPublic,
    UserWithToken,
)
from scheduler.store import models
from scheduler.store.models import Role
from scheduler.store.users import create_user

router = APIRouter(prefix="/v1", tags=["admin"])
Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]
Anyone = Annotated[Principal, Depends(allow(*EveryRole))]


@router.get("/me", response_model=UserPublic, summary="Who am I")
def read_me(session: SessionDep, principal: Anyone) -> Any:
    """The user the token belongs to."""
    return session.get(models.User, principal.user_id)


@router.post("/agencies", response_model=AgencyPublic, status_code=201, summary="Add an agency")
def create_agency(session: SessionDep, principal: Admin, payload: AgencyCreate) -> Any:
    """A new agency."""
    if session.get(models.Agency, payload.id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"agency {payload.id!r} exists")
    agency = models.Agency(**payload.model_dump())
    session.add(agency)
    return agency


@router.post("/branches", response_model=BranchPublic, status_code=201, summary="Add a branch")
def create_branch(session: SessionDep, principal: Admin, payload: BranchCreate) -> Any:
    """A new branch of an agency, in its time zone."""
    if session.get(models.Agency, payload.agency_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agency {payload.agency_id!r}")
    if session.get(models.Branch, payload.id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"branch {payload.id!r} exists")
    branch = models.Branch(**payload.model_dump())
    session.add(branch)
    return branch


@router.get("/branches", response_model=list[BranchPublic], summary="List branches")
def list_branches(session: SessionDep, principal: Anyone) -> Any:
    """The branches the caller may work with."""
    query = select(models.Branch).order_by(models.Branch.id)
    reach = branches_in_reach(session, principal)
    if reach is not None:
        query = query.where(models.Branch.id.in_(reach))
    return session.scalars(query).all()


@router.post("/users", response_model=UserWithToken, status_code=201, summary="Add a user")
def create_user_with_token(session: SessionDep, principal: Admin, payload: UserCreate) -> Any:
    """A user and its API token (shown only in this answer)."""
    needs = {
        Role.ADMIN: set(),
        Role.SCHEDULER: {"branch_id"},
        Role.CLINICIAN: {"clinician_id"},
        Role.AGENCY_SYSTEM: {"agency_id"},
    }[payload.role]
    given = {key for key in ("agency_id", "branch_id", "clinician_id") if getattr(payload, key)}
    if given != needs:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"a {payload.role} user takes exactly: {', '.join(sorted(needs)) or 'no scope'}",
        )
    values = payload.model_dump()
    if payload.branch_id:
        branch = branch_in_reach(session, principal, payload.branch_id)
        values["agency_id"] = branch.agency_id
    if payload.clinician_id:
        clinician = session.get(models.Clinician, payload.clinician_id)
        if clinician is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no clinician {payload.clinician_id!r}")
        values["branch_id"] = clinician.branch_id
    if payload.agency_id and session.get(models.Agency, payload.agency_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agency {payload.agency_id!r}")
    values.pop("role")
    user, token = create_user(session, role=payload.role, **values)
    return {**UserPublic.model_validate(user).model_dump(), "token": token}
