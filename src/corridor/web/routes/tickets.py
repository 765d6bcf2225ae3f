"""What a phone downloads to verify tickets offline: the public key and the revocation list."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Path

from corridor.web.dependencies import Caller, DeskDep
from corridor.web.schemas import ERRORS, PublicKeyOut, RevocationsOut

router = APIRouter(prefix="/api/v1/operations/{operation_id}/tickets", tags=["tickets"],
                   responses=ERRORS)

OperationId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/key", response_model=PublicKeyOut, operation_id="operation_ticket_key")
def ticket_key(operation_id: OperationId, desk: DeskDep, caller: Caller) -> PublicKeyOut:
    """The Ed25519 public key (32 raw bytes, base64url) that verifies this operation's tickets
    and revocation lists."""
    key = desk.ticket_key(caller, operation_id)
    return PublicKeyOut(algorithm="Ed25519",
                        public_key=base64.urlsafe_b64encode(key).rstrip(b"=").decode())


@router.get("/revocations", response_model=RevocationsOut, operation_id="ticket_revocations")
def revocations(operation_id: OperationId, desk: DeskDep, caller: Caller) -> RevocationsOut:
    """The operation's revocation list, signed with the ticket key; verify it before use."""
    built = desk.revocation_list(caller, operation_id)
    return RevocationsOut(operation_id=operation_id, issued_at=built.revocations.issued_at,
                          revocation_list=base64.b64encode(built.signed).decode("ascii"),
                          revoked_below=len(built.revocations.revoked_below),
                          revoked_serials=len(built.revocations.revoked_serials))
