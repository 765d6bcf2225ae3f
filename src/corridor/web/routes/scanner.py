"""The phone scanner: its page (HTML, not in the OpenAPI document) and the household card it
shows after a scan (JSON, in the document). The scans themselves go to the scan and upload
routes (:mod:`corridor.web.routes.scans`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from corridor.domain.errors import CorridorError, Forbidden
from corridor.security.permissions import allowed
from corridor.web.cards import CardOut, household_card
from corridor.web.dependencies import Caller, DeskDep
from corridor.web.desk import SCAN_ACTIONS
from corridor.web.errors import status_of
from corridor.web.pages import error_page, reader, render, to_sign_in
from corridor.web.schemas import ERRORS, ScanAction

router = APIRouter(tags=["scanner"])

OperationId = Annotated[str, Path(min_length=1, max_length=64)]

PAGE_ACTIONS = (ScanAction.CHECK_IN, ScanAction.SCREEN, ScanAction.BOARD, ScanAction.DISEMBARK)
"""The scans the page offers (to the roles that may make them), in the order of a crossing."""


@router.get("/operations/{operation_id}/scanner", include_in_schema=False)
def scanner_page(request: Request, operation_id: OperationId) -> Response:
    """The scanner for phones: camera or typed look-up, one tap a household, offline queue."""
    principal = reader(request)
    if principal is None:
        return to_sign_in(request)
    desk = request.app.state.desk
    actions = [a for a in PAGE_ACTIONS if allowed(principal, SCAN_ACTIONS[a], operation_id)]
    try:
        if not actions:
            raise Forbidden(f"{principal.name} may not scan in operation {operation_id}; that "
                            "needs a checkpoint officer's or a convoy lead's grant")
        roster = desk.roster(principal, operation_id)
    except CorridorError as error:
        return error_page(request, error, status_of(error), principal)
    convoys = [{"convoy_id": convoy.convoy_id, "day": convoy.day.isoformat(),
                "destination": convoy.destination,
                "vehicles": [trip.vehicle_id for trip in convoy.trips]}
               for convoy in roster.plan.convoys]
    setup = {"operation_id": operation_id, "officer": principal.name,
             "timezone": roster.scenario.operation.timezone,
             "actions": [a.value for a in actions], "convoys": convoys}
    return render(request, "scanner.html", principal=principal, operation_id=operation_id,
                  actions=actions, setup=setup)


@router.get("/api/v1/operations/{operation_id}/households/{household_id}/card",
            response_model=CardOut, operation_id="household_card", responses=ERRORS)
def card(operation_id: OperationId,
         household_id: Annotated[str, Path(min_length=1, max_length=64)],
         desk: DeskDep, caller: Caller) -> CardOut:
    """A household as the scanner shows it: its members as the caller's role may see them,
    where the plan puts them and the stage each reached. Needs `registry.read` (and the
    household at the caller's sites); audited as a read of the household."""
    return household_card(desk, caller, operation_id, household_id)
