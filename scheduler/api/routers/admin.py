"""Agencies and branches (admins add them; everyone lists the branches in reach)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy import select

from scheduler.api.access import EveryRole, Principal, allow, branches_in_reach
from scheduler.api.deps import SessionDep
from scheduler.api.schemas.branches import AgencyCreate, AgencyPublic, BranchCreate, BranchPublic
from scheduler.store import models
from scheduler.store.models import Role

router = APIRouter(prefix="/v1", tags=["admin"])
Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]
Anyone = Annotated[Principal, Depends(allow(*EveryRole))]


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
