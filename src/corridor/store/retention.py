"""Purging what is past its retention period, and saying exactly what was purged.

Per operation, the periods of its ``[retention]`` table count from the end of the agreement's
window (:class:`corridor.domain.retention.Retention`). Across the installation, ended sessions
and tokens and old failed sign-ins have fixed periods (below). The audit log is kept: it is the
record of who read what, and its own period is documented in docs/security.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.engine import Connection

from corridor.interop.operation_toml import operation_from_toml
from corridor.store.database import Database
from corridor.store.tables import (
    credentials,
    events,
    households,
    operations,
    persons,
    plans,
    shares,
    sign_in_failures,
    ticket_revocations,
    tickets,
)

CREDENTIAL_DAYS = 30
"""Days an expired or revoked session or token is kept (to show in `corridor token list`)."""

SIGN_IN_FAILURE_DAYS = 1
"""Days a failed sign-in is kept; the rate limit only looks at the last half hour."""


@dataclass(frozen=True, slots=True)
class Purged:
    """One dataset purged (or, on a dry run, due): what, of which operation, how many rows."""

    dataset: str
    operation_id: str | None
    rows: int
    due_since: date | None

    def __str__(self) -> str:
        of = f" of operation {self.operation_id}" if self.operation_id else ""
        since = f" (due since {self.due_since:%Y-%m-%d})" if self.due_since else ""
        return f"{self.dataset}{of}: {self.rows} rows{since}"


def purge(db: Database, *, actor: str, dry_run: bool = False) -> list[Purged]:
    """Delete everything past its retention period, in one transaction; audited.

    With ``dry_run``, nothing is deleted and the list says what would be.
    """
    custody = db.custody
    now = custody.clock()
    today = now.date()
    done: list[Purged] = []
    with db._errors(), db._writing() as connection:
        db._require_schema(connection)
        for operation_id, document in connection.execute(
                select(operations.c.operation_id, operations.c.document)
                .order_by(operations.c.operation_id)).all():
            operation = operation_from_toml(document, f"operation {operation_id}")
            ended = operation.agreement.window.end
            retention = operation.retention
            for dataset, days, tables in (
                    ("registry", retention.registry_days,
                     (events, ticket_revocations, tickets, persons, households)),
                    ("plans", retention.plans_days, (plans,)),
                    ("shares", retention.shares_days, (shares,))):
                due = ended + timedelta(days=days)
                if today <= due:
                    continue
                rows = sum(_count(connection, table, operation_id) for table in tables)
                if rows:
                    done.append(Purged(dataset, operation_id, rows, due))
                    if not dry_run:
                        for table in tables:
                            connection.execute(delete(table).where(
                                table.c.operation_id == operation_id))
        ended_credentials = or_(credentials.c.revoked_at < now - timedelta(days=CREDENTIAL_DAYS),
                                credentials.c.expires_at < now - timedelta(days=CREDENTIAL_DAYS))
        failures = sign_in_failures.c.at < now - timedelta(days=SIGN_IN_FAILURE_DAYS)
        for dataset, table, condition in (("ended sessions and tokens", credentials,
                                           ended_credentials),
                                          ("failed sign-ins", sign_in_failures, failures)):
            rows = int(connection.execute(select(func.count()).select_from(table)
                                          .where(condition)).scalar_one())
            if rows:
                done.append(Purged(dataset, None, rows, None))
                if not dry_run:
                    connection.execute(delete(table).where(condition))
        record = custody.audit(connection, actor, "retention.dry_run" if dry_run
                               else "retention.purge", "; ".join(map(str, done)) or "nothing",
                               "retention periods")
    custody.publish_head(record)
    return done


def _count(connection: Connection, table: Table, operation_id: str) -> int:
    return int(connection.execute(select(func.count()).select_from(table)
                                  .where(table.c.operation_id == operation_id)).scalar_one())
