"""Counts by stage, a convoy's reconciliation and the open follow-up cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from corridor.tracking.dashboard import Dashboard
from corridor.web.answers import cases_answer, reconciliation_answer, status_answer
from corridor.web.dependencies import Caller, DeskDep
from corridor.web.overview import dashboard_for, time_zone, with_time_zone
from corridor.web.schemas import ERRORS, CasesOut, ReconciliationOut, StatusOut

router = APIRouter(prefix="/api/v1/operations/{operation_id}", tags=["figures"],
                   responses=ERRORS)

OperationId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/status", response_model=StatusOut, operation_id="status")
def status(operation_id: OperationId, desk: DeskDep, caller: Caller,
           by: Annotated[str, Query(max_length=100, description="convoy, vehicle, destination "
                                    "or day, comma-separated")] = "convoy") -> StatusOut:
    """Persons at each stage, registered to arrived, grouped; nobody counted twice."""
    groups = tuple(g.strip() for g in by.split(",") if g.strip())
    rows = desk.counts(caller, operation_id, groups)
    return status_answer(operation_id, groups, rows)


@router.get("/convoys/{convoy_id}/reconciliation", response_model=ReconciliationOut,
            operation_id="reconciliation")
def reconciliation(operation_id: OperationId,
                   convoy_id: Annotated[str, Path(min_length=1, max_length=64)],
                   desk: DeskDep, caller: Caller) -> ReconciliationOut:
    """Every discrepancy of a convoy: boarded but not arrived, arrived but never boarded..."""
    found = desk.reconcile(caller, operation_id, convoy_id)
    return reconciliation_answer(operation_id, convoy_id, found)


@router.get("/cases", response_model=CasesOut, operation_id="cases")
def cases(operation_id: OperationId, desk: DeskDep, caller: Caller) -> CasesOut:
    """The protection follow-up cases still open (protection officers)."""
    return cases_answer(operation_id, desk.cases(caller, operation_id))



@router.get("/dashboard", response_model=Dashboard, operation_id="dashboard")
def dashboard(operation_id: OperationId, request: Request, desk: DeskDep,
              caller: Caller) -> Dashboard:
    """The dashboard's figures: counts by stage against the plan, people per day planned and
    departed, convoys and vehicles with their status, medical cases, incidents, the next 24
    hours, the binding constraint and the discrepancies. Monitors get whole days only, through
    disclosure control (`protected` is true; a withheld figure is null)."""
    board = dashboard_for(desk, caller, operation_id, request.app.state.disclosure)
    return with_time_zone(board, time_zone(desk, caller, operation_id))
