"""Agencies and branches (admins add them; everyone lists the branches in reach)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from scheduler.api.access import AdminUser, AnyUser, branches_in_reach
from scheduler.api.deps import SessionDep
from scheduler.api.schemas.branches import AgencyCreate, AgencyPublic, BranchCreate, BranchPublic
from scheduler.store import models
from scheduler.store.branches import find_branches

router = APIRouter(prefix="/v1", tags=["admin"])


@router.post("/agencies", response_model=AgencyPublic, status_code=201, summary="Add an agency")
def create_agency(session: SessionDep, principal: AdminUser, payload: AgencyCreate) -> Any:
    """A new agency."""
    if session.get(models.Agency, payload.id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"agency {payload.id!r} exists")
    agency = models.Agency(**payload.model_dump())
    session.add(agency)
    return agency


@router.post("/branches", response_model=BranchPublic, status_code=201, summary="Add a branch")
def create_branch(session: SessionDep, principal: AdminUser, payload: BranchCreate) -> Any:
    """A new branch of an agency, in its time zone."""
    if session.get(models.Agency, payload.agency_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agency {payload.agency_id!r}")
    if session.get(models.Branch, payload.id) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"branch {payload.id!r} exists")
    branch = models.Branch(**payload.model_dump())
    session.add(branch)
    return branch


@router.get("/branches", response_model=list[BranchPublic], summary="List branches")
def list_branches(session: SessionDep, principal: AnyUser) -> Any:
    """The branches the caller may work with."""
    return find_branches(session, branch_ids=branches_in_reach(session, principal))
