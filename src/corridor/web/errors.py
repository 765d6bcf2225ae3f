"""corridor's error tree as HTTP statuses and JSON, in one place.

Every error answer is ``{"code": ..., "message": ...}`` (plus ``problems`` for a rejected input):
the code is the stable code of :mod:`corridor.domain.errors` (or of a ticket refusal), the message
one plain sentence. A store or key failure never shows its details (they can hold personal data
or a URL with a password): the message is fixed and the detail goes to the server's log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from corridor.domain.errors import (
    AlreadyExists,
    ArchiveUnusable,
    AuditBroken,
    CorridorError,
    Forbidden,
    InvalidValue,
    KeyUnusable,
    NotFound,
    NotSignedIn,
    RateLimited,
    ScenarioRejected,
    SignInRefused,
    StoreError,
)
from corridor.security.tickets import RevocationListRefused, TicketRefused

log = logging.getLogger("corridor.web")

STATUSES: dict[type[CorridorError], int] = {
    InvalidValue: 422,
    ScenarioRejected: 422,
    TicketRefused: 422,
    NotFound: 404,
    AlreadyExists: 409,
    NotSignedIn: 401,
    SignInRefused: 401,
    Forbidden: 403,
    RateLimited: 429,
    KeyUnusable: 503,
    ArchiveUnusable: 503,
    AuditBroken: 503,
    RevocationListRefused: 503,
    StoreError: 500,
}
"""The HTTP status of each kind of error (the first class in this order that matches wins);
any other CorridorError is a 500."""

SAFE_MESSAGES = {
    500: "the server could not do this now; nothing was stored; try again, and tell the "
         "administrator if it goes on",
    503: "the server cannot open its keys or its audit log; nothing was stored; tell the "
         "administrator",
}
"""What a client is told of a server-side failure; the details go to the log only."""


def error_body(code: str, message: str, **more: Any) -> dict[str, Any]:
    """The JSON of every error answer."""
    return {"code": code, "message": message, **more}


def status_of(error: CorridorError) -> int:
    """The HTTP status of ``error``."""
    return next((status for kind, status in STATUSES.items() if isinstance(error, kind)), 500)


def _corridor_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, CorridorError)
    status = status_of(error)
    headers: dict[str, str] = {}
    if status >= 500:
        log.error("%s: %s", error.code, error.message)
        return JSONResponse(error_body(error.code, SAFE_MESSAGES.get(status, SAFE_MESSAGES[500])),
                            status)
    more: dict[str, Any] = {}
    if isinstance(error, ScenarioRejected):
        more["problems"] = [str(problem) for problem in error.problems[:100]]
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(max(1, error.retry_after))
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(error_body(error.code, error.message, **more), status, headers=headers)


def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item.get("loc", ()))
        problems.append(f"{where}: {item.get('msg', 'is not valid')}")
    first = problems[0] if problems else "the request does not fit this route"
    return JSONResponse(error_body("invalid_request", f"the request was refused; nothing was "
                                   f"stored; {first}", problems=problems[:100]), 422)


def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400:  # a body that is not even text: one more kind of bad request
        return JSONResponse(error_body("invalid_request", "the request was refused; nothing "
                                       "was stored; the body is not JSON in UTF-8"), 422)
    codes = {404: "no_such_route", 405: "method_not_allowed", 413: "too_large"}
    return JSONResponse(error_body(codes.get(error.status_code, "http_error"),
                                   str(error.detail)), error.status_code,
                        headers=dict(error.headers or {}))


def _unexpected(_request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=error)
    return JSONResponse(error_body("unexpected", SAFE_MESSAGES[500]), 500)


def install(app: FastAPI) -> None:
    """Map every error to its status and JSON answer, for every route of ``app``."""
    app.add_exception_handler(CorridorError, _corridor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
