"""The scanner's household card: who is in the household, where the plan puts them, how far
they got.

The card is what a checkpoint officer sees after scanning a ticket, before the one tap that checks
the household in or boards it. It opens personal records, so it goes the way every such read
goes: the permission table first (``registry.read`` in the operation, and the reader's sites),
then one audited read of the store with a fixed reason, and only the fields the reader's role may
see. The plan (convoy and vehicle of each member) comes from the roster, the stage of each member
from the household's events, as the projections count them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from corridor.domain.events import EventKind, Stage
from corridor.security.permissions import (
    Action,
    Principal,
    authorize,
    site_limit,
    visible_fields,
    visible_household,
    visible_person,
)
from corridor.store.protection import read_household
from corridor.tracking import project
from corridor.web.desk import Desk

CARD_REASON = "scanner card"
"""The reason the audit log keeps for every card the scanner opens."""

_CONVOY_STATE = (EventKind.CONVOY_DEPARTED, EventKind.VEHICLE_OUT_OF_SERVICE, EventKind.VOIDED)
"""The events of a convoy that change where its passengers stand (a departure, say)."""


class PlaceOut(BaseModel):
    """Members of the household that the plan puts on one vehicle of one convoy."""

    convoy_id: str
    vehicle_id: str
    destination: str
    day: date
    person_ids: list[str]


class MemberStatusOut(BaseModel):
    """Where one member stands, as the events add up (ids only, no personal field)."""

    person_id: str
    stage: Stage
    checked_in: bool
    screening: str | None = Field(description="The latest screening decision, if any.")
    held: bool
    stays: bool
    no_show: bool
    conflict: bool
    convoy_id: str | None = Field(description="The convoy the member counts in: boarded on, "
                                              "else planned on.")
    vehicle_id: str | None


class CardOut(BaseModel):
    """A household as the scanner shows it: its record and members as the caller's role may see
    them, its planned places, and each member's stage."""

    operation_id: str
    household_id: str
    stage: Stage = Field(description="The stage every member who leaves has reached (the "
                                     "lowest of theirs).")
    household: dict[str, Any]
    persons: list[dict[str, Any]]
    status: list[MemberStatusOut]
    planned: list[PlaceOut]


def household_card(desk: Desk, principal: Principal, operation_id: str,
                   household_id: str) -> CardOut:
    """The card of ``household_id``: Forbidden without ``registry.read``; NotFound for an
    unknown operation, one with no plan, or a household not in the registry or not at the
    reader's sites. Audited as a read of the household, reason :data:`CARD_REASON`."""
    authorize(principal, Action.REGISTRY_READ, operation_id)
    roster = desk.roster(principal, operation_id)
    found = read_household(desk.database, operation_id, household_id, actor=principal.label,
                           reason=CARD_REASON, sites=site_limit(principal, operation_id))
    fields = visible_fields(principal, operation_id)
    members = [person.person_id for person in found.members]
    places: dict[tuple[str, str], PlaceOut] = {}
    for person_id in members:
        place = roster.planned(person_id)
        if place is not None:
            places.setdefault((place.convoy_id, place.vehicle_id), PlaceOut(
                convoy_id=place.convoy_id, vehicle_id=place.vehicle_id,
                destination=place.destination, day=place.day, person_ids=[])
            ).person_ids.append(person_id)
    events = list(desk.log.events(operation_id, household_id=household_id))
    for convoy_id in sorted({convoy for convoy, _vehicle in places}):
        events.extend(desk.log.events(operation_id, convoy_id=convoy_id, kinds=_CONVOY_STATE))
    statuses = project(roster, events, members).persons
    status = [MemberStatusOut(
        person_id=s.person_id, stage=s.stage, checked_in=s.checked_in,
        screening=None if s.screening is None else s.screening.value, held=s.held,
        stays=s.stays, no_show=s.no_show, conflict=s.conflict, convoy_id=s.convoy_id,
        vehicle_id=s.vehicle_id) for s in (statuses[p] for p in members if p in statuses)]
    leaving = [s.stage for s in status if not s.stays] or [s.stage for s in status]
    return CardOut(
        operation_id=operation_id, household_id=household_id,
        stage=min(leaving, key=lambda stage: stage.rank, default=Stage.REGISTERED),
        household=visible_household(found.household, fields),
        persons=[visible_person(person, fields) for person in found.members],
        status=status, planned=list(places.values()))
