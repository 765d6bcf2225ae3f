"""Sharing a list of those leaving with another party, as an agreement may require.

A share is requested (by a coordinator, for a recipient and a reason), approved by someone else
(a protection officer), and only then exported: the fields the agreement names and nothing else,
of the persons who leave, each row carrying a reference computed from this share's own watermark
key, so that a copy that leaks can be traced to the one recipient it was given to
(:func:`trace`). Every step is audited.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from corridor.domain import Intent, InvalidValue, NotFound, Scenario
from corridor.domain.errors import Forbidden
from corridor.store.database import Database, stored_utc, stored_utc_or_none
from corridor.store.tables import persons, shares

WATERMARK_BYTES = 16
REFERENCE_LENGTH = 12
FIELD_SEPARATOR = ","


@dataclass(frozen=True, slots=True)
class Share:
    """A share as the staff see it (never its watermark key)."""

    share_id: int
    operation_id: str
    recipient: str
    fields: tuple[str, ...]
    reason: str
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    exported_at: datetime | None

    @property
    def state(self) -> str:
        """requested, approved or exported."""
        if self.exported_at is not None:
            return "exported"
        return "approved" if self.approved_by is not None else "requested"



def _share_of(row: object) -> Share:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    return Share(values["share_id"], values["operation_id"], values["recipient"],
                 tuple(f for f in values["fields"].split(FIELD_SEPARATOR) if f),
                 values["reason"], values["requested_by"],
                 stored_utc(values["requested_at"]), values["approved_by"],
                 stored_utc_or_none(values["exported_at"]))


def reference(watermark: bytes, person_id: str) -> str:
    """The reference printed beside ``person_id`` on the list of the share keyed ``watermark``."""
    return hmac.new(watermark, person_id.encode(), hashlib.sha256).hexdigest()[:REFERENCE_LENGTH]


def request_share(db: Database, operation_id: str, fields: tuple[str, ...], recipient: str,
                  reason: str, *, actor: str) -> int:
    """Record a request to share ``fields`` with ``recipient``; returns the share's id."""
    if not fields:
        raise InvalidValue(f"the agreement of operation {operation_id} names no field to share "
                           "(agreement.terms.shared_fields): nothing can be shared", "fields")
    if not recipient.strip() or not reason.strip():
        raise InvalidValue("a share needs a recipient and a reason", "recipient")
    custody = db.custody
    with db._errors(), db._writing() as connection:
        db._require_schema(connection)
        result = connection.execute(insert(shares).values(
            operation_id=operation_id, recipient=recipient, fields=FIELD_SEPARATOR.join(fields),
            reason=reason, requested_by=actor, requested_at=custody.clock(),
            watermark=custody.random_bytes(WATERMARK_BYTES)))
        key = result.inserted_primary_key
        assert key is not None
        share_id = int(key[0])
        record = custody.audit(connection, actor, "share.request",
                               f"share {share_id} of operation {operation_id}",
                               f"{reason}; for {recipient}; fields {', '.join(fields)}")
    custody.publish_head(record)
    return share_id


def _load(db: Database, share_id: int) -> tuple[Share, bytes]:
    with db._errors(), db._reading() as connection:
        db._require_schema(connection)
        row = connection.execute(select(shares).where(shares.c.share_id == share_id)).first()
    if row is None:
        raise NotFound(f"there is no share {share_id}: see `corridor share list`")
    return _share_of(row), row.watermark


def approve_share(db: Database, share_id: int, *, approver: str, actor: str) -> Share:
    """Approve a requested share; the one who asked for it cannot approve it."""
    share, _watermark = _load(db, share_id)
    if share.approved_by is not None:
        raise InvalidValue(f"share {share_id} was approved already by {share.approved_by}",
                           "share")
    if share.requested_by.split("@")[0] == approver:
        raise Forbidden(f"share {share_id} was requested by you: another protection officer "
                        "must approve it")
    custody = db.custody
    with db._errors(), db._writing() as connection:
        connection.execute(update(shares).where(shares.c.share_id == share_id)
                           .values(approved_by=actor, approved_at=custody.clock()))
        record = custody.audit(connection, actor, "share.approve", f"share {share_id}",
                               f"for {share.recipient}")
    custody.publish_head(record)
    return _load(db, share_id)[0]


def list_shares(db: Database, operation_id: str | None = None) -> list[Share]:
    """Every share, of one operation or all, oldest first."""
    statement = select(shares).order_by(shares.c.share_id)
    if operation_id is not None:
        statement = statement.where(shares.c.operation_id == operation_id)
    with db._errors(), db._reading() as connection:
        db._require_schema(connection)
        return [_share_of(row) for row in connection.execute(statement)]


def _value(field: str, person: object, household_destination: str | None) -> str:
    if field == "destination":
        return household_destination or ""
    value = getattr(person, field)
    if value is None:
        return ""
    return str(getattr(value, "value", value))


def share_list(db: Database, share_id: int, *, actor: str) -> tuple[Share, bytes]:
    """The approved share's list as CSV bytes (reference first, then the agreed fields).

    The rows come in an order of this share's own (from its watermark), the persons who leave
    only. Raises :class:`Forbidden` until the share is approved. Audited as an export.
    """
    share, watermark = _load(db, share_id)
    if share.approved_by is None:
        raise Forbidden(f"share {share_id} is not approved yet: a protection officer must run "
                        f"`corridor share approve {share_id}` first")
    scenario: Scenario = db.load_scenario(share.operation_id, actor=actor,
                                          reason=f"share {share_id} for {share.recipient}")
    destinations = {h.household_id: h.destination_preference for h in scenario.households}
    leaving = [p for p in scenario.persons if p.intent is Intent.LEAVE]
    random.Random(watermark).shuffle(leaving)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["reference", *share.fields])
    for person in leaving:
        writer.writerow([reference(watermark, person.person_id),
                         *(_value(f, person, destinations.get(person.household_id))
                           for f in share.fields)])
    custody = db.custody
    with db._errors(), db._writing() as connection:
        connection.execute(update(shares).where(shares.c.share_id == share_id)
                           .values(exported_at=custody.clock()))
        record = custody.audit(connection, actor, "share.export", f"share {share_id}",
                               f"{len(leaving)} persons for {share.recipient}")
    custody.publish_head(record)
    return share, buffer.getvalue().encode("utf-8")


def trace(db: Database, ref: str, *, actor: str) -> tuple[Share, str]:
    """Which share, and which person, a reference found on a leaked list belongs to."""
    ref = ref.strip().lower()
    with db._errors(), db._reading() as connection:
        db._require_schema(connection)
        candidates = connection.execute(select(shares).where(
            shares.c.exported_at.is_not(None))).all()
        for row in candidates:
            ids = connection.execute(select(persons.c.person_id).where(
                persons.c.operation_id == row.operation_id)).scalars()
            for person_id in ids:
                if reference(row.watermark, person_id) == ref:
                    found = (_share_of(row), person_id)
                    break
            else:
                continue
            break
        else:
            raise NotFound(f"no exported share has a row with the reference {ref}")
    db.record(actor, "share.trace", f"share {found[0].share_id}", f"reference {ref}")
    return found
