"""What a printed manifest is made from, read once for the command line and the pages alike:
the convoys chosen, their households as the reader may see them (read in audited batches with the
reader's reason), each household's ticket, and the print itself in the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from corridor.domain import Convoy
from corridor.reports.manifests import ManifestInput, chosen_convoys, travelling_households
from corridor.security.permissions import (
    Action,
    Field,
    Principal,
    authorize,
    site_limit,
    visible_fields,
    visible_household,
    visible_person,
)
from corridor.store.database import Database
from corridor.store.intake import load_operation
from corridor.store.protection import read_households
from corridor.store.tickets import current_tickets

READ_BATCH = 5_000
"""Households read (and audited) at once: one ``IN (...)`` stays within SQLite's variables."""


@dataclass(frozen=True)
class ManifestPrint:
    """What a print of manifests holds, and how much of it the reader could see."""

    source: ManifestInput
    convoys: tuple[Convoy, ...]
    households: int
    shown: int
    tickets: int

    @property
    def people(self) -> int:
        """The people on the chosen convoys."""
        return sum(convoy.people for convoy in self.convoys)


def gather_manifests(db: Database, principal: Principal, operation_id: str,
                     convoy_ids: Sequence[str] | None, *, reason: str, now: datetime,
                     target: str) -> ManifestPrint:
    """The manifests of ``convoy_ids`` (None: every convoy) of the current plan, for
    ``principal`` (who must be allowed to print them), recorded in the audit log as printed to
    ``target`` with ``reason``; tickets are issued to households that have none yet."""
    authorize(principal, Action.MANIFESTS_PRINT, operation_id)
    plan = db.load_plan(operation_id)
    convoys = chosen_convoys(plan, list(convoy_ids) if convoy_ids else None)
    wanted = travelling_households(convoys)
    sites = site_limit(principal, operation_id)
    found = [household for start in range(0, len(wanted), READ_BATCH)
             for household in read_households(db, operation_id,
                                              wanted[start:start + READ_BATCH],
                                              actor=principal.label, reason=reason, sites=sites)]
    tickets = current_tickets(db, operation_id, wanted, actor=principal.label, issued_at=now)
    operation = load_operation(db, operation_id)
    ids = ", ".join(c.convoy_id for c in convoys) if convoy_ids else "every convoy"
    db.record(principal.label, "manifests.print",
              f"operation {operation_id}: {ids} ({len(wanted):,} households) to {target}",
              reason)
    fields = visible_fields(principal, operation_id)
    source = ManifestInput(
        plan, operation,
        {f.household.household_id: visible_household(f.household, fields) for f in found},
        {p.person_id: visible_person(p, fields) for f in found for p in f.members},
        tickets, medical=Field.MEDICAL in fields)
    return ManifestPrint(source, tuple(convoys), len(wanted), len(found), len(tickets))
