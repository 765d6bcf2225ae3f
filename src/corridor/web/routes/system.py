"""Health, and the ticket public key phones download to verify tickets offline."""

from __future__ import annotations

import base64

from fastapi import APIRouter

from corridor import __version__
from corridor.web.dependencies import Caller, DeskDep
from corridor.web.schemas import ERRORS, HealthOut, PublicKeyOut

router = APIRouter(prefix="/api/v1", tags=["system"], responses=ERRORS)


@router.get("/health", response_model=HealthOut, operation_id="health")
def health(desk: DeskDep) -> HealthOut:
    """The server answers and its database is reachable at the right schema (no token)."""
    desk.database.require_current()
    return HealthOut(status="ok", version=__version__)


@router.get("/tickets/public-key", response_model=PublicKeyOut, operation_id="ticket_key")
def ticket_key(desk: DeskDep, caller: Caller) -> PublicKeyOut:
    """The Ed25519 public key that verifies every operation's tickets and revocation lists."""
    del caller  # any signed-in caller; the key is public, the route is not an open door
    key = base64.urlsafe_b64encode(desk.ticket_public_key).rstrip(b"=").decode()
    return PublicKeyOut(algorithm="Ed25519", public_key=key)
