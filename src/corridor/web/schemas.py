"""What the API reads and answers, as pydantic models: the OpenAPI document is made of these."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from corridor.domain.events import MAX_NONCE_LENGTH, EventKind, RefusalReason, ScreeningDecision
from corridor.tracking.uploads import MAX_BATCH

Id = Annotated[str, Field(min_length=1, max_length=64)]
Nonce = Annotated[str, Field(min_length=1, max_length=MAX_NONCE_LENGTH,
                             description="The phone's own id of this scan; a retry sends the "
                                         "same nonce and gets the first answer back.")]
MAX_PERSONS = 200
"""The most persons one scan may name (the largest household is far smaller)."""


class ScanAction(StrEnum):
    """The scans a phone sends online, as they appear in the route."""

    CHECK_IN = "check-in"
    SCREEN = "screen"
    BOARD = "board"
    NO_SHOW = "no-show"
    DISEMBARK = "disembark"


class Strict(BaseModel):
    """A request body: unknown fields are refused rather than ignored."""

    model_config = ConfigDict(extra="forbid")


class ScanIn(Strict):
    """One online scan of a household, found by its id or by its ticket's QR payload."""

    nonce: Nonce
    household_id: Id | None = None
    ticket: Annotated[str | None, Field(max_length=512, description="The QR payload (CT1....); "
                                        "verified with the ticket key and the revocation "
                                        "list.")] = None
    convoy_id: Id | None = None
    vehicle_id: Id | None = None
    device_time: datetime = Field(description="The phone's clock, local wall-clock time of "
                                              "the operation (a time zone is converted).")
    decision: ScreeningDecision | None = Field(None, description="screen only")
    reason: Annotated[str, Field(max_length=2000)] = ""
    person_ids: Annotated[list[Id] | None, Field(max_length=MAX_PERSONS,
                                                 description="Only these members; by "
                                                 "default the household.")] = None


class RecordedIn(Strict):
    """An event a phone recorded offline, with its own verdict and time."""

    nonce: Nonce
    kind: EventKind
    device_time: datetime
    household_id: Id | None = None
    person_ids: Annotated[list[Id] | None, Field(max_length=MAX_PERSONS)] = None
    convoy_id: Id | None = None
    vehicle_id: Id | None = None
    refusal: RefusalReason | None = None
    payload: dict[str, Any] | None = None
    reason: Annotated[str | None, Field(max_length=2000)] = None


class UploadIn(Strict):
    """A batch recorded offline (or a paper tally), stored whole or not at all."""

    device: Id | None = Field(None, description="The phone; a device token names it already.")
    paper_tally: bool = False
    events: Annotated[list[RecordedIn], Field(max_length=MAX_BATCH)]


class ScanOut(BaseModel):
    """The stored event of a scan, and the household as the caller's role may see it."""

    event_id: int
    nonce: str
    kind: str
    outcome: str
    refusal: str | None
    message: str
    household_id: str | None
    person_ids: list[str]
    convoy_id: str | None
    vehicle_id: str | None
    device_time: datetime
    server_time: datetime
    offline: bool
    household: dict[str, Any] | None
    persons: list[dict[str, Any]]


class UploadOut(BaseModel):
    """What an upload stored."""

    received: int
    stored: int = Field(description="New events stored.")
    repeated: int = Field(description="Events whose nonce was stored already (unchanged).")


class CountsRow(BaseModel):
    """Persons at each stage, for one group."""

    convoy_id: str | None = None
    vehicle_id: str | None = None
    destination: str | None = None
    day: date | None = None
    registered: int
    checked_in: int
    screened: int
    boarded: int
    departed: int
    arrived: int
    held: int
    no_show: int
    stays: int
    conflicts: int


class StatusOut(BaseModel):
    """Counts by stage that never count anyone twice."""

    operation_id: str
    by: list[str]
    rows: list[CountsRow]


class DiscrepancyOut(BaseModel):
    """One thing of a convoy that does not add up."""

    kind: str
    sentence: str
    person_id: str | None
    vehicle_id: str | None


class ReconciliationOut(BaseModel):
    """A convoy's discrepancies; none when it reconciles."""

    operation_id: str
    convoy_id: str
    reconciles: bool
    discrepancies: list[DiscrepancyOut]


class CaseOut(BaseModel):
    """An open protection follow-up case."""

    case_id: str
    kind: str
    household_id: str
    person_id: str
    opened_at: datetime
    opened_by: str
    reason: str


class CasesOut(BaseModel):
    """The open follow-up cases of an operation."""

    operation_id: str
    cases: list[CaseOut]


class PublicKeyOut(BaseModel):
    """What a phone needs to verify tickets offline."""

    algorithm: str
    public_key: str = Field(description="The 32-byte Ed25519 public key, base64url without "
                                        "padding.")


class RevocationsOut(BaseModel):
    """An operation's signed revocation list, as a phone keeps it (docs/api.md gives its bytes)."""

    operation_id: str
    issued_at: datetime = Field(description="When the list was issued (UTC, whole seconds); "
                                            "also inside the signed bytes. Keep the newest.")
    revocation_list: str = Field(description="The signed list (format CTRV version 1), base64 "
                                             "(standard alphabet, with padding).")
    revoked_below: int = Field(description="How many households have every ticket below a "
                                           "serial revoked (reissued).")
    revoked_serials: int = Field(description="How many single tickets are revoked.")


class HealthOut(BaseModel):
    """The server answers and its database is reachable at the right schema."""

    status: str
    version: str


class ErrorOut(BaseModel):
    """Every error answer."""

    code: str
    message: str
    problems: list[str] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": meaning} for status, meaning in {
        401: "no token, or a token that is unknown, expired or revoked",
        403: "the caller's role may not do this in this operation",
        404: "no such operation, plan, household or convoy",
        413: "the body is larger than the server accepts",
        422: "the request cannot be read, or its values are not valid",
        429: "too many requests; see Retry-After",
        500: "the server failed; nothing was stored",
        503: "the server's keys or audit log are unusable; nothing was stored",
    }.items()}
"""The error answers every route may give, for the OpenAPI document."""
