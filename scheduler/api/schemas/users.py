"""Users and their API tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
)

from scheduler.api.schemas.fields import Id, Name, WriteModel
from scheduler.store.models import Role


class UserCreate(WriteModel):
    """A new user; the role decides which of the scope fields it needs."""

    name: Name
    role: Role
    agency_id: Id | None = None
    branch_id: Id | None = None
    clinician_id: Id | None = None


class UserUpdate(WriteModel):
    """A change to a user: a new name, or disabled (its token refused) or enabled again."""

    name: Name | None = None
    disabled: StrictBool | None = None


class UserPublic(BaseModel):
    """A user and the state of its token (never the token or its hash)."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    role: Role
    agency_id: str | None
    branch_id: str | None
    clinician_id: str | None
    disabled: bool
    expires_at: datetime | None = Field(description="When the token stops working (null: never).")
    revoked_at: datetime | None = Field(description="When the token was revoked (null: never).")
    last_used_at: datetime | None = Field(description="Last call with the token (to the minute).")


class UserWithToken(UserPublic):
    """A new user and its token: shown this once, stored only hashed."""

    token: str
