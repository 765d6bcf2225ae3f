"""Events: the facts of the field, as an append-only log.

An event is one fact from the field: a scan at check-in, screening or boarding, a no-show, a
departure, a position, an arrival, a medical case, an incident; or a supervisor's decision about
earlier events (a void, a forced refusal, a resolved conflict, a closed follow-up case). Events
are never edited or deleted: a supervisor voids one with a new event that names its nonce.

Every scan is stored, refusals too: a refused scan is an event whose ``outcome`` is
:attr:`ScanOutcome.REFUSED` with a stable :class:`RefusalReason` code and the one plain sentence
of :data:`REFUSALS`. The client gives each event a ``nonce``; a repeated nonce changes nothing.

Times are local wall-clock times of the operation, as naive datetimes (as in a plan): the
device's own time (kept as the device said, even when it uploads hours later) and the server's.
Events carry ids, never names, phone numbers or diagnoses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from corridor.domain.errors import require
from corridor.domain.registry import Intent


class EventKind(StrEnum):
    """What an event records; stable codes."""

    CHECKED_IN = "checked_in"
    SCREENED = "screened"
    BOARDED = "boarded"
    NO_SHOW = "no_show"
    INTENT_CHANGED = "intent_changed"
    SEPARATION_REPORTED = "separation_reported"
    DISEMBARKED = "disembarked"
    CONVOY_DEPARTED = "convoy_departed"
    POSITION_REPORTED = "position_reported"
    CONVOY_ARRIVED = "convoy_arrived"
    VEHICLE_OUT_OF_SERVICE = "vehicle_out_of_service"
    HEADCOUNT_REPORTED = "headcount_reported"
    MEDICAL_CASE_OPENED = "medical_case_opened"
    MEDICAL_CASE_ESCALATED = "medical_case_escalated"
    INCIDENT_REPORTED = "incident_reported"
    VOIDED = "voided"
    CONFLICT_RESOLVED = "conflict_resolved"
    CASE_RESOLVED = "case_resolved"


SCAN_KINDS = frozenset({EventKind.CHECKED_IN, EventKind.SCREENED, EventKind.BOARDED,
                        EventKind.NO_SHOW, EventKind.INTENT_CHANGED, EventKind.DISEMBARKED})
"""The kinds that are a scan of a household: a supervisor may force one that was refused."""

DECISION_KINDS = frozenset({EventKind.VOIDED, EventKind.CONFLICT_RESOLVED,
                            EventKind.CASE_RESOLVED})
"""Decisions about earlier events: made online by a supervisor, never uploaded from offline."""


class Source(StrEnum):
    """Where an event comes from."""

    SCAN = "scan"
    PAPER_TALLY = "paper_tally"
    SUPERVISOR = "supervisor"


class ScanOutcome(StrEnum):
    """Whether a scan was let through."""

    ACCEPTED = "accepted"
    REFUSED = "refused"


class RefusalReason(StrEnum):
    """Why a scan or a decision was refused; stable codes, each with one sentence in REFUSALS."""

    NOT_REGISTERED = "not_registered"
    REVOKED = "revoked"
    STAYS = "stays"
    NOT_ON_MANIFEST = "not_on_manifest"
    UNKNOWN_CONVOY = "unknown_convoy"
    WRONG_CONVOY = "wrong_convoy"
    WRONG_VEHICLE = "wrong_vehicle"
    ALREADY_CHECKED_IN = "already_checked_in"
    ALREADY_BOARDED = "already_boarded"
    CONVOY_DEPARTED = "convoy_departed"
    VEHICLE_OUT_OF_SERVICE = "vehicle_out_of_service"
    HELD_AT_CHECKPOINT = "held_at_checkpoint"
    NOT_CHECKED_IN = "not_checked_in"
    NOT_SCREENED = "not_screened"
    UNKNOWN_EVENT = "unknown_event"
    ALREADY_VOIDED = "already_voided"
    NOT_VOIDABLE = "not_voidable"
    NOT_REFUSED = "not_refused"
    NOT_FORCEABLE = "not_forceable"
    ALREADY_FORCED = "already_forced"
    NO_CONFLICT = "no_conflict"
    UNKNOWN_CASE = "unknown_case"


REFUSALS: Mapping[RefusalReason, str] = {
    RefusalReason.NOT_REGISTERED: "This household or person is not in the registry; send them to "
                                  "the registration desk.",
    RefusalReason.REVOKED: "This ticket was revoked; send the household to the registration "
                           "desk for a new one.",
    RefusalReason.STAYS: "This household chose to stay under the settlement; they do not "
                         "travel.",
    RefusalReason.NOT_ON_MANIFEST: "This household is on no manifest of the current plan; send "
                                   "them to the coordinator.",
    RefusalReason.UNKNOWN_CONVOY: "This convoy or vehicle is not in the current plan; check "
                                  "which convoy the device is set to.",
    RefusalReason.WRONG_CONVOY: "This household is listed on another convoy; check the convoy "
                                "and day on the ticket.",
    RefusalReason.WRONG_VEHICLE: "This household is listed on another vehicle of this convoy; "
                                 "send them to it.",
    RefusalReason.ALREADY_CHECKED_IN: "This household is checked in already; nothing was "
                                      "changed.",
    RefusalReason.ALREADY_BOARDED: "This household has boarded already; nothing was changed.",
    RefusalReason.CONVOY_DEPARTED: "This convoy has departed; send the household to the "
                                   "coordinator.",
    RefusalReason.VEHICLE_OUT_OF_SERVICE: "This vehicle is out of service; board the household "
                                          "on the vehicle the coordinator names.",
    RefusalReason.HELD_AT_CHECKPOINT: "Someone in this household is held at the checkpoint; "
                                      "they cannot board until cleared.",
    RefusalReason.NOT_CHECKED_IN: "Someone in this household has not checked in; check them in "
                                  "at the assembly point first.",
    RefusalReason.NOT_SCREENED: "Someone in this household has not been cleared at the "
                                "checkpoint; send them to screening.",
    RefusalReason.UNKNOWN_EVENT: "No event of this operation has that nonce; check the "
                                 "reference.",
    RefusalReason.ALREADY_VOIDED: "That event was voided already; nothing was changed.",
    RefusalReason.NOT_VOIDABLE: "A void cannot be voided; record the event again instead.",
    RefusalReason.NOT_REFUSED: "That scan was not refused; there is nothing to force.",
    RefusalReason.NOT_FORCEABLE: "That refusal cannot be forced; correct the registry, or void "
                                 "the earlier event and scan again.",
    RefusalReason.ALREADY_FORCED: "That refusal was forced already; nothing was changed.",
    RefusalReason.NO_CONFLICT: "These boardings are not an open conflict of this household; "
                               "nothing was changed.",
    RefusalReason.UNKNOWN_CASE: "This household has no open follow-up case with that id; check "
                                "the list of open cases.",
}
"""One plain sentence for each refusal, as the officer's device shows it."""

ACCEPTED: Mapping[EventKind, str] = {
    EventKind.CHECKED_IN: "Checked in.",
    EventKind.SCREENED: "Screening recorded.",
    EventKind.BOARDED: "Boarded.",
    EventKind.NO_SHOW: "Marked as a no-show.",
    EventKind.INTENT_CHANGED: "Change of intent recorded.",
    EventKind.SEPARATION_REPORTED: "Separation recorded; a follow-up case is open.",
    EventKind.DISEMBARKED: "Arrival at the destination recorded.",
    EventKind.CONVOY_DEPARTED: "Departure recorded.",
    EventKind.POSITION_REPORTED: "Position recorded.",
    EventKind.CONVOY_ARRIVED: "Arrival recorded.",
    EventKind.VEHICLE_OUT_OF_SERVICE: "Vehicle out of service recorded.",
    EventKind.HEADCOUNT_REPORTED: "Headcount recorded.",
    EventKind.MEDICAL_CASE_OPENED: "Medical case opened.",
    EventKind.MEDICAL_CASE_ESCALATED: "Medical case escalation recorded.",
    EventKind.INCIDENT_REPORTED: "Incident recorded.",
    EventKind.VOIDED: "Voided.",
    EventKind.CONFLICT_RESOLVED: "Conflict resolved.",
    EventKind.CASE_RESOLVED: "Follow-up case resolved.",
}
"""One plain sentence for each accepted event."""


class Stage(StrEnum):
    """The stages a person passes, in order; counts by stage never double count a person."""

    REGISTERED = "registered"
    CHECKED_IN = "checked_in"
    SCREENED = "screened"
    BOARDED = "boarded"
    DEPARTED = "departed"
    ARRIVED = "arrived"

    @property
    def rank(self) -> int:
        """The stage's place in the order, from 0 (registered)."""
        return _STAGE_RANKS[self]


_STAGE_RANKS = {stage: rank for rank, stage in enumerate(Stage)}


class ScreeningDecision(StrEnum):
    """What the checkpoint decided about a person."""

    CLEARED = "cleared"
    HELD = "held"
    NOT_PASSED = "not_passed"


class Severity(StrEnum):
    """How grave an incident is."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Verification(StrEnum):
    """How far an incident report has been checked."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    DISPUTED = "disputed"
    REFUTED = "refuted"


@dataclass(frozen=True, slots=True)
class Screening:
    """The checkpoint's decision; a hold or a refusal needs a reason (in the event's reason)."""

    decision: ScreeningDecision


@dataclass(frozen=True, slots=True)
class IntentChange:
    """A person now stays under the settlement (``STAY``), or leaves after all (``LEAVE``)."""

    intent: Intent

    def __post_init__(self) -> None:
        require(self.intent is not Intent.UNDECIDED, "a change of intent is to stay or to leave",
                "intent")


@dataclass(frozen=True, slots=True)
class Position:
    """Where a convoy (or one of its vehicles) is, in decimal degrees."""

    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        require(-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180,
                f"position {self.latitude}, {self.longitude} is not a latitude and longitude",
                "latitude")


@dataclass(frozen=True, slots=True)
class Headcount:
    """People counted at one stage (on one vehicle, or the whole convoy): a paper tally's total."""

    stage: Stage
    count: int

    def __post_init__(self) -> None:
        require(self.count >= 0, "a headcount cannot be negative", "count")


@dataclass(frozen=True, slots=True)
class MedicalCase:
    """A medical case, by an id of the medical team's own; never a diagnosis."""

    case_id: str
    escalated_to: str | None = None
    transferred: bool = False

    def __post_init__(self) -> None:
        require(bool(self.case_id), "a medical case needs an id", "case_id")
        require(not self.transferred or bool(self.escalated_to),
                "a transfer names where the case went", "escalated_to")


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident: its type, severity, place, the parties involved, who reported it, and how far
    the report is verified. A later report with the same ``incident_id`` updates it."""

    incident_id: str
    incident_type: str
    severity: Severity
    place: str
    parties: tuple[str, ...] = ()
    reported_by: str = ""
    verification: Verification = Verification.UNVERIFIED

    def __post_init__(self) -> None:
        require(bool(self.incident_id), "an incident needs an id", "incident_id")
        require(bool(self.incident_type.strip()), "an incident needs a type", "incident_type")
        require(bool(self.place.strip()), "an incident needs a place", "place")


@dataclass(frozen=True, slots=True)
class ConflictResolution:
    """Of the conflicting boardings ``candidates`` (nonces), the one ``kept`` counts."""

    kept: str
    candidates: tuple[str, ...]

    def __post_init__(self) -> None:
        require(self.kept in self.candidates, "the boarding kept must be one of the candidates",
                "kept")


@dataclass(frozen=True, slots=True)
class CaseResolution:
    """A protection follow-up case is closed; how it ended is in the event's reason."""

    case_id: str


Payload = (Screening | IntentChange | Position | Headcount | MedicalCase | Incident
           | ConflictResolution | CaseResolution)
"""The kind-specific part of an event."""

PAYLOADS: Mapping[EventKind, type[Payload] | None] = {
    EventKind.CHECKED_IN: None,
    EventKind.SCREENED: Screening,
    EventKind.BOARDED: None,
    EventKind.NO_SHOW: None,
    EventKind.INTENT_CHANGED: IntentChange,
    EventKind.SEPARATION_REPORTED: None,
    EventKind.DISEMBARKED: None,
    EventKind.CONVOY_DEPARTED: None,
    EventKind.POSITION_REPORTED: Position,
    EventKind.CONVOY_ARRIVED: None,
    EventKind.VEHICLE_OUT_OF_SERVICE: None,
    EventKind.HEADCOUNT_REPORTED: Headcount,
    EventKind.MEDICAL_CASE_OPENED: MedicalCase,
    EventKind.MEDICAL_CASE_ESCALATED: MedicalCase,
    EventKind.INCIDENT_REPORTED: Incident,
    EventKind.VOIDED: None,
    EventKind.CONFLICT_RESOLVED: ConflictResolution,
    EventKind.CASE_RESOLVED: CaseResolution,
}
"""The payload each kind carries (None: the envelope says it all)."""

MAX_NONCE_LENGTH = 128


@dataclass(frozen=True, slots=True)
class Event:
    """One fact, with who recorded it, on which device, when, and whether it was offline.

    ``nonce`` is the client's, unique within the operation; ``event_id`` is the store's order of
    arrival (None until stored). ``household_id`` and ``person_ids`` say whom the event is about,
    ``convoy_id`` and ``vehicle_id`` where. ``voids`` names the nonce a void cancels and
    ``overrides`` the refused scan a supervisor forced; ``reason`` is the words of a hold, a
    void, a force or a decision (or a paper tally's sheet).
    """

    nonce: str
    kind: EventKind
    operation_id: str
    device: str
    officer: str
    device_time: datetime
    server_time: datetime
    outcome: ScanOutcome = ScanOutcome.ACCEPTED
    refusal: RefusalReason | None = None
    household_id: str | None = None
    person_ids: tuple[str, ...] = ()
    convoy_id: str | None = None
    vehicle_id: str | None = None
    offline: bool = False
    source: Source = Source.SCAN
    payload: Payload | None = None
    voids: str | None = None
    overrides: str | None = None
    reason: str = ""
    event_id: int | None = None

    def __post_init__(self) -> None:
        require(bool(self.nonce) and len(self.nonce) <= MAX_NONCE_LENGTH
                and self.nonce == self.nonce.strip(),
                f"a nonce is 1 to {MAX_NONCE_LENGTH} characters with no surrounding spaces",
                "nonce")
        require(self.device_time.tzinfo is None and self.server_time.tzinfo is None,
                "event times are local wall-clock times of the operation: leave out the time "
                "zone", "device_time")
        require((self.outcome is ScanOutcome.REFUSED) == (self.refusal is not None),
                "a refused event needs a refusal reason, and only a refused one", "refusal")
        expected = PAYLOADS[self.kind]
        require((expected is None and self.payload is None)
                or (expected is not None and isinstance(self.payload, expected)),
                f"a {self.kind} event carries "
                f"{'no payload' if expected is None else expected.__name__}", "payload")
        require((self.kind is EventKind.VOIDED) == (self.voids is not None),
                "a void names the nonce it voids, and only a void does", "voids")
        require(self.overrides is None or self.source is Source.SUPERVISOR,
                "only a supervisor forces a refused scan", "overrides")
        require(len(set(self.person_ids)) == len(self.person_ids),
                "a person is listed twice in one event", "person_ids")

    @property
    def accepted(self) -> bool:
        """Whether the event was let through (a refusal is stored, but changes no status)."""
        return self.outcome is ScanOutcome.ACCEPTED

    @property
    def message(self) -> str:
        """The one plain sentence the device shows for this event."""
        return ACCEPTED[self.kind] if self.refusal is None else REFUSALS[self.refusal]

    @property
    def order(self) -> tuple[datetime, str]:
        """Where the event falls among others: the device's time, then the nonce.

        A total order on distinct nonces that does not depend on when an event reached the
        server, so replaying events in any order gives the same projection.
        """
        return (self.device_time, self.nonce)
