"""Scans at the crossing, online one at a time, and batches recorded offline."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Response

from corridor.web.dependencies import Caller, DeskDep, Token
from corridor.web.schemas import ERRORS, ScanAction, ScanIn, ScanOut, UploadIn, UploadOut

router = APIRouter(prefix="/api/v1/operations/{operation_id}", tags=["scans"],
                   responses=ERRORS)

OperationId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/scans/{action}", response_model=ScanOut, operation_id="scan")
async def scan(operation_id: OperationId, action: ScanAction, body: ScanIn, desk: DeskDep,
               token: Token) -> Response:
    """Decide and store one scan; a refusal is a 200 with `outcome` "refused" (it is stored).
    A repeated nonce returns the first answer."""
    # The busiest route: the token, the decision and the answer in one worker thread, rather
    # than a thread for each dependency, the handler and the answer's serialisation; the
    # answer, built as a ScanOut, is written as it is rather than validated a second time.
    answer = await anyio.to_thread.run_sync(desk.scan_answered, token, operation_id, action,
                                            body, limiter=desk.scan_threads)
    return Response(answer.model_dump_json(), media_type="application/json")


@router.post("/events:upload", response_model=UploadOut, operation_id="upload_events")
def upload_events(operation_id: OperationId, body: UploadIn, desk: DeskDep,
                  caller: Caller) -> UploadOut:
    """Store a batch recorded offline as it was (device times, verdicts), whole or not at all."""
    done = desk.upload(caller, operation_id, body.device, body.events, body.paper_tally)
    return UploadOut(received=len(body.events), stored=done.fresh,
                     repeated=len(body.events) - done.fresh)

