"""The dashboard's use case: the operation now, exact for staff, protected for monitors.

Staff allowed exact figures get :func:`corridor.tracking.dashboard.dashboard`; monitors get
:func:`~corridor.tracking.dashboard.protected_dashboard`, whose release is kept in the
monitors' disclosure ledger of the operation (the ledger `corridor monitor summary` keeps), so
that every figure ever shown to a monitor stays consistent with every other.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import replace
from zoneinfo import ZoneInfo

from corridor.reports.disclosure import DisclosurePolicy
from corridor.security.permissions import (
    Action,
    Field,
    Principal,
    allowed,
    authorize,
    visible_fields,
)
from corridor.store.protection import publish
from corridor.tracking import Projection, Roster, project
from corridor.tracking.dashboard import ConvoyLine, Dashboard, dashboard, protected_dashboard
from corridor.web.desk import Desk

MONITORS = "monitors"
"""The audience whose ledger the monitors' dashboard adds to."""

_projections: weakref.WeakKeyDictionary[Desk, dict[str, tuple[object, Projection]]] = (
    weakref.WeakKeyDictionary())
_projecting = threading.Lock()


def _projection(desk: Desk, roster: Roster, operation_id: str) -> Projection:
    """The projection of the operation's events, made again only when an event was stored or
    a new plan came (every open dashboard asks every few seconds)."""
    events = desk.log.events(operation_id)
    marker = (roster, len(events), max((e.event_id or 0 for e in events), default=0))
    with _projecting:
        known = _projections.setdefault(desk, {}).get(operation_id)
        if known is not None and known[0] == marker:
            return known[1]
    made = project(roster, events)
    with _projecting:
        _projections[desk][operation_id] = (marker, made)
    return made


def dashboard_for(desk: Desk, principal: Principal, operation_id: str,
                  policy: DisclosurePolicy) -> Dashboard:
    """The dashboard of ``operation_id`` as ``principal`` may see it."""
    exact = allowed(principal, Action.FIGURES_EXACT, operation_id)
    if not exact:
        authorize(principal, Action.FIGURES_PROTECTED, operation_id)
    roster = desk.roster(principal, operation_id)
    now = desk.context(principal, roster).server_time
    projection = _projection(desk, roster, operation_id)
    if exact:
        medical = Field.MEDICAL in visible_fields(principal, operation_id)
        return dashboard(projection, now, medical=medical)
    return publish(desk.database, operation_id, MONITORS,
                   lambda ledger: protected_dashboard(projection, now, policy, ledger),
                   actor=principal.label, subject=f"dashboard of {now:%Y-%m-%d}",
                   record_unchanged=False)


def with_time_zone(board: Dashboard, zone: ZoneInfo) -> Dashboard:
    """The dashboard with its times marked in the operation's time zone (for JSON, whose
    readers cannot guess which wall clock a time is on)."""

    def convoy(line: ConvoyLine) -> ConvoyLine:
        return replace(line, departure=line.departure.replace(tzinfo=zone))

    return replace(board, as_of=board.as_of.replace(tzinfo=zone),
                   convoys=tuple(convoy(line) for line in board.convoys),
                   next_hours=tuple(convoy(line) for line in board.next_hours))


def time_zone(desk: Desk, principal: Principal, operation_id: str) -> ZoneInfo:
    """The operation's time zone."""
    return ZoneInfo(desk.roster(principal, operation_id).scenario.operation.timezone)
