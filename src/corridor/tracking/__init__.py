"""Field operations: check-in, screening, boarding, departure, arrival and incidents as an
append-only event log, idempotent by each event's nonce; the store implements its ports."""

from corridor.tracking.cases import CaseKind, FollowUpCase, follow_up_cases, open_cases
from corridor.tracking.memory_log import MemoryEventLog
from corridor.tracking.ports import EventLog
from corridor.tracking.projections import (
    GROUPINGS,
    Conflict,
    CountKey,
    Discrepancy,
    DiscrepancyKind,
    PersonStatus,
    Projection,
    StageCounts,
    live_events,
    project,
)
from corridor.tracking.roster import Place, Roster
from corridor.tracking.scans import (
    ACTIONS,
    Recorded,
    ScanContext,
    board,
    change_intent,
    check_in,
    disembark,
    force,
    mark_no_show,
    report,
    resolve_case,
    resolve_conflict,
    screen,
    upload,
    void,
)

__all__ = [
    "ACTIONS",
    "GROUPINGS",
    "CaseKind",
    "Conflict",
    "CountKey",
    "Discrepancy",
    "DiscrepancyKind",
    "EventLog",
    "FollowUpCase",
    "MemoryEventLog",
    "PersonStatus",
    "Place",
    "Projection",
    "Recorded",
    "Roster",
    "ScanContext",
    "StageCounts",
    "board",
    "change_intent",
    "check_in",
    "disembark",
    "follow_up_cases",
    "force",
    "live_events",
    "mark_no_show",
    "open_cases",
    "project",
    "report",
    "resolve_case",
    "resolve_conflict",
    "screen",
    "upload",
    "void",
]
