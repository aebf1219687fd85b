"""An agency system's webhooks and their deliveries."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

from scheduler.api.schemas.fields import Id, WriteModel


class WebhookCreate(WriteModel):
    """Where to send the agency's plan events (an agency system leaves ``agency_id`` out)."""

    agency_id: Id | None = None
    url: Annotated[
        str,
        Field(
            max_length=500,
            # NEL and BOM spelled out: JSON Schema's \s lacks the one, pydantic's the other.
            pattern="^[Hh][Tt][Tt][Pp][Ss]?://[^\\s\x85\ufeff/?#@]+([/?#][^\\s\x85\ufeff]*)?$",
            examples=["https://ehr.example.com/hooks/scheduler"],
            description="An https URL whose host resolves to public addresses only (http and "
            "loopback only where the server's webhooks_allow_loopback setting, for tests, is "
            "on); an internal address, a metadata host or a name that does not resolve is 422.",
        ),
    ]

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("give an http:// or https:// URL with a host name")
        if parts.username is not None or parts.password is not None:
            raise ValueError("leave credentials out of the URL; the signature authenticates")
        return value


class WebhookPublic(BaseModel):
    """A webhook (never its secret)."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    agency_id: str
    url: str
    created_at: AwareDatetime


class WebhookWithSecret(WebhookPublic):
    """A new webhook and the secret its deliveries are signed with: shown this once."""

    secret: str


class WebhookDeliveryPublic(BaseModel):
    """One event sent to a webhook: where it stands and how its attempts went."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: AwareDatetime
    last_status_code: int | None
    last_error: str | None
    created_at: AwareDatetime
    delivered_at: AwareDatetime | None
