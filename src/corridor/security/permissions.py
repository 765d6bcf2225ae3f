"""Who may do what, and see which fields: decided here, once, as data.

Every edge asks this module and nothing else: the CLI before each command, the web app before each
route, every export before it writes. A role is granted to a user for one operation (or for all,
``ANY_OPERATION``) and, where it fits, for some sites only (a checkpoint officer at one assembly
point). The tables below are the whole policy; ``docs/security.md`` prints them for people.

What a role may *see* of a registry record is a set of :class:`Field`; the rest is left out of
the record it gets (:func:`visible_person`, :func:`visible_household`), never masked in place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from corridor.domain import Household, Person
from corridor.domain.errors import Forbidden, InvalidValue

ANY_OPERATION = "*"
"""A grant that holds for every operation (an administrator's, an auditor's)."""


class Role(StrEnum):
    """The roles of an operation's staff."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    REGISTRAR = "registrar"
    CHECKPOINT_OFFICER = "checkpoint_officer"
    CONVOY_LEAD = "convoy_lead"
    MEDICAL_OFFICER = "medical_officer"
    PROTECTION_OFFICER = "protection_officer"
    MONITOR = "monitor"
    AUDITOR = "auditor"


class Action(StrEnum):
    """What someone may ask corridor to do; each command and route names one."""

    SCHEMA_UPGRADE = "schema.upgrade"
    OPERATION_LIST = "operation.list"
    FIGURES_EXACT = "figures.exact"
    FIGURES_PROTECTED = "figures.protected"
    FIGURES_EXPORT = "figures.export"
    REGISTRY_IMPORT = "registry.import"
    REGISTRY_READ = "registry.read"
    REGISTRY_EXPORT = "registry.export"
    PLAN_CREATE = "plan.create"
    PLAN_READ = "plan.read"
    USERS_MANAGE = "users.manage"
    TOKENS_OWN = "tokens.own"
    KEYS_ROTATE = "keys.rotate"
    KEYS_DESTROY = "keys.destroy"
    BACKUP_CREATE = "backup.create"
    BACKUP_RESTORE = "backup.restore"
    AUDIT_VERIFY = "audit.verify"
    AUDIT_READ = "audit.read"
    SHARE_REQUEST = "share.request"
    SHARE_APPROVE = "share.approve"
    SHARE_EXPORT = "share.export"
    SHARE_LIST = "share.list"
    RETENTION_PURGE = "retention.purge"
    SCAN_CHECK_IN = "scan.check_in"
    SCAN_SCREEN = "scan.screen"
    SCAN_BOARD = "scan.board"
    SCAN_NO_SHOW = "scan.no_show"
    SCAN_CHANGE_INTENT = "scan.change_intent"
    SCAN_DISEMBARK = "scan.disembark"
    CONVOY_REPORT = "convoy.report"
    MEDICAL_REPORT = "medical.report"
    INCIDENTS_REPORT = "incidents.report"
    CASES_REPORT = "cases.report"
    CASES_RESOLVE = "cases.resolve"
    CASES_READ = "cases.read"
    SCAN_FORCE = "scan.force"
    EVENTS_VOID = "events.void"
    CONFLICTS_RESOLVE = "conflicts.resolve"
    TALLIES_ENTER = "tallies.enter"
    TICKETS_ISSUE = "tickets.issue"
    TICKETS_REVOKE = "tickets.revoke"
    TICKETS_READ = "tickets.read"
    OUTSIDE_RECORD = "outside.record"
    MANIFESTS_PRINT = "manifests.print"


class Field(StrEnum):
    """The personal fields of the registry that not every role may see."""

    NAME = "name"
    PHONE = "phone"
    SEX = "sex"
    AGE = "age"
    CATEGORY = "category"
    MEDICAL = "medical"
    INTENT = "intent"
    LUGGAGE = "luggage"
    DESTINATION = "destination"


R = Role
A = Action
F = Field

PERMISSIONS: Mapping[Role, frozenset[Action]] = {
    R.ADMIN: frozenset({A.SCHEMA_UPGRADE, A.OPERATION_LIST, A.USERS_MANAGE, A.TOKENS_OWN,
                        A.KEYS_ROTATE, A.KEYS_DESTROY, A.BACKUP_CREATE, A.BACKUP_RESTORE,
                        A.AUDIT_VERIFY, A.RETENTION_PURGE}),
    R.COORDINATOR: frozenset({A.OPERATION_LIST, A.FIGURES_EXACT, A.FIGURES_EXPORT,
                              A.REGISTRY_IMPORT,
                              A.REGISTRY_READ, A.PLAN_CREATE, A.PLAN_READ, A.TOKENS_OWN,
                              A.SHARE_REQUEST, A.SHARE_EXPORT, A.SHARE_LIST, A.CONVOY_REPORT,
                              A.INCIDENTS_REPORT, A.SCAN_FORCE, A.EVENTS_VOID,
                              A.CONFLICTS_RESOLVE, A.TALLIES_ENTER, A.TICKETS_ISSUE,
                              A.TICKETS_REVOKE, A.TICKETS_READ, A.MANIFESTS_PRINT,
                              A.OUTSIDE_RECORD}),
    R.REGISTRAR: frozenset({A.OPERATION_LIST, A.FIGURES_EXACT, A.REGISTRY_IMPORT,
                            A.REGISTRY_READ, A.TOKENS_OWN, A.SCAN_CHANGE_INTENT,
                            A.TALLIES_ENTER, A.TICKETS_ISSUE, A.TICKETS_READ}),
    R.CHECKPOINT_OFFICER: frozenset({A.OPERATION_LIST, A.REGISTRY_READ, A.PLAN_READ,
                                     A.TOKENS_OWN, A.SCAN_CHECK_IN, A.SCAN_SCREEN,
                                     A.SCAN_BOARD, A.SCAN_NO_SHOW, A.SCAN_CHANGE_INTENT,
                                     A.INCIDENTS_REPORT, A.CASES_REPORT, A.TICKETS_READ}),
    R.CONVOY_LEAD: frozenset({A.OPERATION_LIST, A.REGISTRY_READ, A.PLAN_READ, A.TOKENS_OWN,
                              A.SCAN_CHECK_IN, A.SCAN_BOARD, A.SCAN_NO_SHOW, A.SCAN_DISEMBARK,
                              A.CONVOY_REPORT, A.INCIDENTS_REPORT, A.CASES_REPORT,
                              A.TICKETS_READ, A.MANIFESTS_PRINT}),
    R.MEDICAL_OFFICER: frozenset({A.OPERATION_LIST, A.FIGURES_EXACT, A.REGISTRY_READ,
                                  A.PLAN_READ, A.TOKENS_OWN, A.MEDICAL_REPORT,
                                  A.INCIDENTS_REPORT}),
    R.PROTECTION_OFFICER: frozenset({A.OPERATION_LIST, A.FIGURES_EXACT, A.REGISTRY_READ,
                                     A.REGISTRY_EXPORT, A.PLAN_READ, A.TOKENS_OWN,
                                     A.KEYS_DESTROY, A.AUDIT_READ, A.AUDIT_VERIFY,
                                     A.SHARE_APPROVE, A.SHARE_LIST, A.SCAN_CHANGE_INTENT,
                                     A.INCIDENTS_REPORT, A.CASES_REPORT, A.CASES_RESOLVE,
                                     A.CASES_READ, A.TICKETS_REVOKE, A.TICKETS_READ}),
    R.MONITOR: frozenset({A.OPERATION_LIST, A.FIGURES_PROTECTED, A.FIGURES_EXPORT,
                          A.TOKENS_OWN, A.OUTSIDE_RECORD}),
    R.AUDITOR: frozenset({A.OPERATION_LIST, A.AUDIT_READ, A.AUDIT_VERIFY, A.TOKENS_OWN}),
}
"""The actions each role may take (within the operations and sites it is granted)."""

_PLACE = frozenset({F.SEX, F.AGE, F.INTENT, F.LUGGAGE, F.DESTINATION})
"""What the staff who move people need to know of them, besides the name."""

FIELDS: Mapping[Role, frozenset[Field]] = {
    R.ADMIN: frozenset(),
    R.COORDINATOR: _PLACE | {F.NAME, F.PHONE, F.CATEGORY},
    R.REGISTRAR: _PLACE | {F.NAME, F.PHONE},
    R.CHECKPOINT_OFFICER: _PLACE | {F.NAME},
    R.CONVOY_LEAD: _PLACE | {F.NAME},
    R.MEDICAL_OFFICER: _PLACE | {F.NAME, F.PHONE, F.MEDICAL},
    R.PROTECTION_OFFICER: _PLACE | {F.NAME, F.PHONE, F.CATEGORY, F.MEDICAL},
    R.MONITOR: frozenset(),
    R.AUDITOR: frozenset(),
}
"""The personal fields each role may see of a registry record it may read."""

SITE_SCOPED = frozenset({R.CHECKPOINT_OFFICER, R.CONVOY_LEAD, R.REGISTRAR})
"""Roles whose grant may name sites; with sites named they read only those sites' households."""


@dataclass(frozen=True, slots=True)
class Grant:
    """A role for one operation (or ``ANY_OPERATION``), for some sites or (empty) all."""

    role: Role
    operation_id: str = ANY_OPERATION
    sites: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.sites and self.role not in SITE_SCOPED:
            raise InvalidValue(f"a {self.role.value} grant cannot be limited to sites; only "
                               f"{', '.join(sorted(r.value for r in SITE_SCOPED))} can",
                               "sites")

    def covers(self, operation_id: str | None) -> bool:
        """Whether this grant holds for ``operation_id`` (None: an action on no operation)."""
        return (self.operation_id == ANY_OPERATION or operation_id is None
                or self.operation_id == operation_id)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in user (or a device acting for one) and their grants."""

    name: str
    grants: tuple[Grant, ...] = field(default=())
    device: str | None = None

    @property
    def label(self) -> str:
        """How the audit log names them: the user, and the device when there is one."""
        return self.name if self.device is None else f"{self.name}@{self.device}"

    def roles_for(self, operation_id: str | None) -> list[Role]:
        """The roles this principal holds for ``operation_id``."""
        return sorted({g.role for g in self.grants if g.covers(operation_id)})


def allowed(principal: Principal, action: Action, operation_id: str | None = None) -> bool:
    """Whether ``principal`` may take ``action`` on ``operation_id``."""
    return any(action in PERMISSIONS[g.role] for g in principal.grants
               if g.covers(operation_id))


def authorize_at(principal: Principal, action: Action, operation_id: str, site: str) -> None:
    """:func:`authorize`, and the grant that allows it must cover ``site`` (an assembly point).

    A grant limited to some sites allows the action only there: a checkpoint officer of one
    assembly point cannot scan another's households.
    """
    authorize(principal, action, operation_id)
    if any(action in PERMISSIONS[g.role] and g.covers(operation_id)
           and (not g.sites or site in g.sites) for g in principal.grants):
        return
    raise Forbidden(f"{principal.name} may {action.value} only at "
                    f"{', '.join(sorted(s for g in principal.grants for s in g.sites))}, "
                    f"not at {site}")


def decider(principal: Principal, operation_id: str) -> Callable[[str], bool]:
    """``may(action name)`` for the field use cases (:mod:`corridor.tracking`), from this table.

    An action name this table does not know is refused (and a test keeps the names in step).
    """
    known = {action.value: action for action in Action}

    def may(name: str) -> bool:
        action = known.get(name)
        return action is not None and allowed(principal, action, operation_id)

    return may


def authorize(principal: Principal, action: Action, operation_id: str | None = None) -> None:
    """Raise :class:`~corridor.domain.errors.Forbidden` unless ``principal`` may take ``action``."""
    if allowed(principal, action, operation_id):
        return
    held = ", ".join(r.value for r in principal.roles_for(operation_id)) or "no role"
    where = f" in operation {operation_id}" if operation_id else ""
    able = ", ".join(sorted(r.value for r, actions in PERMISSIONS.items() if action in actions))
    raise Forbidden(f"{principal.name} ({held}{where}) may not {action.value}; that needs one of: "
                    f"{able or 'no role'}; ask an administrator for a grant")


def visible_fields(principal: Principal, operation_id: str) -> frozenset[Field]:
    """Every field any of ``principal``'s roles for ``operation_id`` may see."""
    seen: set[Field] = set()
    for grant in principal.grants:
        if grant.covers(operation_id) and A.REGISTRY_READ in PERMISSIONS[grant.role]:
            seen |= FIELDS[grant.role]
    return frozenset(seen)


def site_limit(principal: Principal, operation_id: str) -> frozenset[str] | None:
    """The sites ``principal`` may read households of, or None for every site."""
    sites: set[str] = set()
    for grant in principal.grants:
        if grant.covers(operation_id) and A.REGISTRY_READ in PERMISSIONS[grant.role]:
            if not grant.sites:
                return None
            sites |= grant.sites
    return frozenset(sites)


def visible_household(household: Household, fields: Iterable[Field]) -> dict[str, Any]:
    """The household as a role sees it: ids and the assembly point, plus the allowed fields."""
    shown = frozenset(fields)
    record: dict[str, Any] = {"household_id": household.household_id,
                              "assembly_point": household.assembly_point}
    if household.linked_to is not None:
        record["linked_to"] = household.linked_to
    if F.PHONE in shown:
        record["phone"] = household.phone
    if F.DESTINATION in shown:
        record["destination_preference"] = household.destination_preference
    return record


def visible_person(person: Person, fields: Iterable[Field]) -> dict[str, Any]:
    """The person as a role sees it: ids, plus the allowed fields; nothing else leaves."""
    shown = frozenset(fields)
    record: dict[str, Any] = {"person_id": person.person_id,
                              "household_id": person.household_id}
    if F.NAME in shown:
        record["name"] = person.name
    if F.SEX in shown:
        record["sex"] = person.sex.value
    if F.AGE in shown:
        record["age"] = person.age
        record["birth_year"] = person.birth_year
    if F.CATEGORY in shown:
        record["category"] = person.category.value
    if F.INTENT in shown:
        record["intent"] = person.intent.value
    if F.MEDICAL in shown:
        record["vulnerabilities"] = sorted(v.value for v in person.vulnerabilities)
        record["needs_stretcher"] = person.needs_stretcher
    if F.LUGGAGE in shown:
        record["luggage_pieces"] = person.luggage_pieces
    return record
