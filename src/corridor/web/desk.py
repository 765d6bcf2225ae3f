"""The field use cases wired to the store for the routes: who asks, the roster, the context.

A route hands this module what it parsed and gets back what the use case stored or computed; it
holds no query and no permission logic of its own. The roster (the registry and the newest plan,
indexed) is built once per operation and plan, and built again when a newer plan is stored.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import anyio

from corridor.domain.errors import InvalidValue, NotFound
from corridor.domain.events import Event, ScreeningDecision, Source
from corridor.security.permissions import Action, Principal, authorize, authorize_at, decider
from corridor.security.tickets import RevocationList, TicketRevoked, verify_ticket
from corridor.store import Database
from corridor.store.accounts import Accounts
from corridor.store.events import StoreEventLog
from corridor.store.tickets import merged, revocation_list, revocation_marker
from corridor.tracking import (
    GROUPINGS,
    CountKey,
    Discrepancy,
    FollowUpCase,
    Projection,
    Roster,
    ScanContext,
    StageCounts,
    board,
    check_in,
    disembark,
    mark_no_show,
    open_cases,
    project,
    screen,
    upload,
)
from corridor.tracking.scans import ACTIONS, ENTER_TALLY
from corridor.tracking.uploads import check_sites, recorded_from_dict
from corridor.web.answers import scan_answer
from corridor.web.schemas import RecordedIn, ScanAction, ScanIn, ScanOut

SCAN_ACTIONS: Mapping[ScanAction, Action] = {
    ScanAction.CHECK_IN: Action.SCAN_CHECK_IN,
    ScanAction.SCREEN: Action.SCAN_SCREEN,
    ScanAction.BOARD: Action.SCAN_BOARD,
    ScanAction.NO_SHOW: Action.SCAN_NO_SHOW,
    ScanAction.DISEMBARK: Action.SCAN_DISEMBARK,
}
"""The permission each scan route needs (the use case asks again)."""

SCAN_THREADS = 4
"""Worker threads that decide scans at once. Scans of one database take turns for its write
lock anyway; more threads only fight over the interpreter lock with the event loop that reads
the next requests (measured: with anyio's 40, p99 grew several fold at 200 scans a second)."""

DEFAULT_DEVICE = "api"
"""The device of a scan sent with a session rather than a device token."""

@dataclass(frozen=True, slots=True)
class SignedRevocations:
    """An operation's revocation list as built from the store, and as a phone downloads it."""

    marker: tuple[int, int]
    revocations: RevocationList
    signed: bytes


@dataclass(frozen=True, slots=True)
class Uploaded:
    """What an upload stored: one event an item, and how many were new."""

    events: list[Event]
    fresh: int


class Desk:
    """The use cases of :mod:`corridor.tracking` on one database, for many threads at once."""

    def __init__(self, database: Database, ticket_public_key: bytes,
                 revocations: Mapping[str, RevocationList],
                 clock: Callable[[], datetime]) -> None:
        self.database = database
        self.log = StoreEventLog(database)
        self._accounts = Accounts(database)
        self._public_key = ticket_public_key
        self._revocations = dict(revocations)
        self._clock = clock
        self._rosters: dict[str, tuple[int, Roster]] = {}
        self._loading = threading.Lock()
        self._revocation_lists: dict[str, SignedRevocations] = {}
        self.scan_threads = anyio.CapacityLimiter(SCAN_THREADS)
        """The worker threads of the scan route (see :data:`SCAN_THREADS`)."""

    @property
    def ticket_public_key(self) -> bytes:
        """The Ed25519 public key that verifies tickets and revocation lists."""
        return self._public_key

    # -- who asks, and under which roster ------------------------------------------------------

    def principal(self, token: str) -> Principal:
        """Who holds ``token`` (a session or a device token); NotSignedIn otherwise."""
        return self._accounts.principal(token)

    def sign_in(self, name: str, password: str) -> str:
        """A new session for ``name`` if the password is right (rate limited)."""
        return self._accounts.sign_in(name, password)

    def sign_out(self, token: str) -> None:
        """End the session ``token``."""
        self._accounts.revoke_token(token)

    def roster(self, principal: Principal, operation_id: str) -> Roster:
        """The operation's registry and newest plan, indexed; rebuilt when a newer plan is
        stored. NotFound for an unknown operation or one with no plan yet."""
        newest = self.database.newest_plan_id(operation_id)
        if newest is None:
            self.database.plans(operation_id)  # NotFound for an unknown operation
            raise NotFound(f"operation {operation_id} has no plan yet: run `corridor plan`")
        cached = self._rosters.get(operation_id)
        if cached is not None and cached[0] == newest:
            return cached[1]
        with self._loading:
            cached = self._rosters.get(operation_id)
            if cached is None or cached[0] != newest:
                scenario = self.database.load_scenario(
                    operation_id, actor=principal.label, reason="roster for field scans")
                plan = self.database.load_plan(operation_id, newest)
                cached = (newest, Roster(scenario, plan))
                self._rosters[operation_id] = cached
                settle_heap()
            return cached[1]

    def context(self, principal: Principal, roster: Roster) -> ScanContext:
        """The scan context of ``principal`` now, with the permission table deciding."""
        zone = ZoneInfo(roster.scenario.operation.timezone)
        now = self._clock().astimezone(zone).replace(tzinfo=None, microsecond=0)
        return ScanContext(roster, principal.name, principal.device or DEFAULT_DEVICE, now,
                           decider(principal, roster.operation_id))

    # -- scans ---------------------------------------------------------------------------------

    def scan(self, principal: Principal, operation_id: str, action: ScanAction,
             request: ScanIn) -> tuple[Event, Roster]:
        """Decide and store one online scan; a refusal is stored and returned like the rest."""
        authorize(principal, SCAN_ACTIONS[action], operation_id)
        roster = self.roster(principal, operation_id)
        context = self.context(principal, roster)
        household_id, revoked = self._household(operation_id, request)
        household = roster.household(household_id)
        if household is None:
            raise NotFound(f"household {household_id} is not in the registry of operation "
                           f"{operation_id}; nothing was stored")
        authorize_at(principal, SCAN_ACTIONS[action], operation_id, household.assembly_point)
        nonce, at, persons = request.nonce, _local(request.device_time, roster), request.person_ids
        log = self.log
        if action is ScanAction.SCREEN:
            decision = ScreeningDecision(_needed(request.decision, "decision", action))
            event = screen(log, context, household_id, decision, reason=request.reason,
                           ticket_revoked=revoked, nonce=nonce, device_time=at,
                           person_ids=persons)
        elif action is ScanAction.CHECK_IN:
            event = check_in(log, context, household_id,
                             _needed(request.convoy_id, "convoy_id", action),
                             ticket_revoked=revoked, nonce=nonce, device_time=at,
                             person_ids=persons)
        elif action is ScanAction.BOARD:
            event = board(log, context, household_id,
                          _needed(request.convoy_id, "convoy_id", action),
                          _needed(request.vehicle_id, "vehicle_id", action),
                          ticket_revoked=revoked, nonce=nonce, device_time=at,
                          person_ids=persons)
        elif action is ScanAction.NO_SHOW:
            event = mark_no_show(log, context, household_id,
                                 _needed(request.convoy_id, "convoy_id", action),
                                 nonce=nonce, device_time=at, person_ids=persons)
        else:
            event = disembark(log, context, household_id,
                              _needed(request.convoy_id, "convoy_id", action),
                              vehicle_id=request.vehicle_id, nonce=nonce, device_time=at,
                              person_ids=persons)
        return event, roster

    def scan_answered(self, token: str, operation_id: str, action: ScanAction,
                      request: ScanIn) -> ScanOut:
        """:meth:`scan` for the holder of ``token``, answered as their role may see it."""
        principal = self.principal(token)
        event, roster = self.scan(principal, operation_id, action, request)
        return scan_answer(event, roster, principal)

    def _household(self, operation_id: str, request: ScanIn) -> tuple[str, bool]:
        """The household a scan is about, and whether its ticket was revoked."""
        if (request.household_id is None) == (request.ticket is None):
            raise InvalidValue("send either household_id or ticket (the QR payload), not both "
                               "and not neither", "household_id")
        if request.ticket is None:
            assert request.household_id is not None
            return request.household_id, False
        revocations = self.revocations(operation_id).revocations
        try:
            ticket = verify_ticket(request.ticket, self._public_key, revocations, operation_id)
        except TicketRevoked as revoked:
            return revoked.ticket.household_id, True
        return ticket.household_id, False

    # -- tickets -------------------------------------------------------------------------------

    def revocations(self, operation_id: str) -> SignedRevocations:
        """The operation's revocation list: every revocation stored, and those of the settings.

        Built again only when a revocation was stored since (one small query tells), by this
        server or by anyone else on the database (`corridor tickets revoke`); signed once per
        build. :class:`NotFound` for an unknown operation.
        """
        marker = revocation_marker(self.database, operation_id)
        cached = self._revocation_lists.get(operation_id)
        if cached is not None and cached.marker == marker:
            return cached
        now = self._clock().astimezone(UTC)
        stored = revocation_list(self.database, operation_id, now)
        given = self._revocations.get(operation_id)
        combined = stored if given is None else merged(stored, replace(given, issued_at=now))
        built = SignedRevocations(marker, combined,
                                  combined.to_bytes(self.database.custody.keyring))
        self._revocation_lists[operation_id] = built
        return built

    def ticket_key(self, principal: Principal, operation_id: str) -> bytes:
        """The ticket public key, for a caller who may read the operation's tickets."""
        authorize(principal, Action.TICKETS_READ, operation_id)
        self.database.choose_operation(operation_id)
        return self._public_key

    def revocation_list(self, principal: Principal, operation_id: str) -> SignedRevocations:
        """The signed revocation list, for a caller who may read the operation's tickets."""
        authorize(principal, Action.TICKETS_READ, operation_id)
        return self.revocations(operation_id)

    def upload(self, principal: Principal, operation_id: str, device: str | None,
               batch: Sequence[RecordedIn], paper_tally: bool) -> Uploaded:
        """Store a batch recorded offline as it was, whole or not at all."""
        recorded = [recorded_from_dict(item.model_dump(mode="json", exclude_none=True),
                                       "the upload", f"events[{index}]")
                    for index, item in enumerate(batch)]
        for name in sorted({ACTIONS[r.kind] for r in recorded}
                           | ({ENTER_TALLY} if paper_tally else set())):
            authorize(principal, Action(name), operation_id)
        roster = self.roster(principal, operation_id)
        check_sites(principal, roster, recorded)
        context = self.context(principal, roster)
        if device is not None and principal.device is None:
            context = ScanContext(roster, context.officer, device, context.server_time,
                                  context.may)
        source = Source.PAPER_TALLY if paper_tally else Source.SCAN
        # One transaction for the whole batch: all of it is stored, or none.
        with self.log.lock_household(operation_id, ""):
            known = len(self.log.stored_nonces(operation_id, {r.nonce for r in recorded}))
            stored = upload(self.log, context, recorded, source)
        return Uploaded(stored, len({event.nonce for event in stored}) - known)

    # -- figures -------------------------------------------------------------------------------

    def projection(self, principal: Principal, operation_id: str, action: Action) -> Projection:
        """What the operation's events add up to, for a caller allowed ``action``."""
        authorize(principal, action, operation_id)
        roster = self.roster(principal, operation_id)
        return project(roster, self.log.events(operation_id))

    def counts(self, principal: Principal, operation_id: str,
               groups: tuple[str, ...]) -> dict[CountKey, StageCounts]:
        """Counts by stage grouped by ``groups`` (convoy, vehicle, destination, day)."""
        unknown = sorted(set(groups) - set(GROUPINGS))
        if unknown or not groups:
            raise InvalidValue(f"group the counts by {', '.join(GROUPINGS)} (comma-separated), "
                               f"not {', '.join(unknown) or 'nothing'}", "by")
        return self.projection(principal, operation_id, Action.FIGURES_EXACT).counts(groups)

    def reconcile(self, principal: Principal, operation_id: str,
                  convoy_id: str) -> list[Discrepancy]:
        """Every discrepancy of a convoy of the current plan."""
        projection = self.projection(principal, operation_id, Action.FIGURES_EXACT)
        if projection.roster.convoy(convoy_id) is None:
            raise NotFound(f"convoy {convoy_id} is not in the current plan of operation "
                           f"{operation_id}")
        return projection.reconcile(convoy_id)

    def cases(self, principal: Principal, operation_id: str) -> list[FollowUpCase]:
        """The protection follow-up cases still open."""
        return open_cases(self.projection(principal, operation_id, Action.CASES_READ))


def settle_heap() -> None:
    """Take what the process holds now (modules, the app, rosters) out of the cycle collector's
    reach, so that its full collections walk only what requests made since.

    A roster holds hundreds of thousands of objects that live as long as the server; a full
    collection walking them took 90 to 170 ms, during which no scan was answered (it was most
    of a scan's p99 at 200 scans a second). Garbage is collected first, so nothing freed is
    kept; a roster replaced later stays frozen (the old one is a few MB, once per new plan).
    """
    gc.collect()
    gc.freeze()


def _needed(value: str | None, name: str, action: ScanAction) -> str:
    if value is None:
        raise InvalidValue(f"a {action.value} scan needs {name}", name)
    return value


def _local(moment: datetime, roster: Roster) -> datetime:
    """A device time as the operation's local wall-clock time (events carry no time zone)."""
    if moment.tzinfo is None:
        return moment
    zone = ZoneInfo(roster.scenario.operation.timezone)
    return moment.astimezone(zone).replace(tzinfo=None)

