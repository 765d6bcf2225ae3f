"""What the routes are given: the desk of the app, and who asks (a bearer token or the pages'
session cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from corridor.domain.errors import NotSignedIn
from corridor.security.permissions import Principal
from corridor.web.desk import Desk

SESSION_COOKIE = "corridor_session"
"""The cookie that carries a page's session (HttpOnly, SameSite=Strict)."""

PAGE_HEADER = "x-corridor-page"
"""The header the pages' scripts send with every change they ask for. A cross-site form cannot
set it, so a change carried by the cookie alone is refused (with SameSite=Strict, two locks)."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer = HTTPBearer(auto_error=False, description="A session (`corridor login` or the sign-in "
                     "page) or a device token (`corridor token create`).")


async def _desk(request: Request) -> Desk:
    # async: nothing to wait for, so FastAPI need not hand it to a worker thread.
    desk: Desk = request.app.state.desk
    return desk


def session_token(request: Request) -> str | None:
    """The session token of the pages' cookie, if the request carries one."""
    return request.cookies.get(SESSION_COOKIE) or None


async def _token(request: Request,
                 credentials: Annotated[HTTPAuthorizationCredentials | None,
                                        Depends(_bearer)]) -> str:
    # The token only, read from the request without the database: a route that does its work
    # in one worker thread looks it up there (Desk.principal), not in a thread of its own.
    if credentials is not None and credentials.credentials:
        return credentials.credentials
    cookie = session_token(request)
    if cookie is None:
        raise NotSignedIn("send a token: `Authorization: Bearer TOKEN` (a session from "
                          "`corridor login`, or a device token from `corridor token create`), "
                          "or sign in on the sign-in page")
    if request.method not in SAFE_METHODS and request.headers.get(PAGE_HEADER) != "1":
        raise NotSignedIn(f"a change asked with the session cookie needs the {PAGE_HEADER} "
                          "header (corridor's pages send it); sign in again from the page")
    return cookie


def _principal(desk: Annotated[Desk, Depends(_desk)],
               token: Annotated[str, Depends(_token)]) -> Principal:
    return desk.principal(token)


DeskDep = Annotated[Desk, Depends(_desk)]
"""The app's use cases on its database."""

Caller = Annotated[Principal, Depends(_principal)]
"""Who asks: 401 without a valid token or session cookie."""

Token = Annotated[str, Depends(_token)]
"""The caller's token (bearer or session cookie), not looked up yet: for a route that looks it
up with :meth:`Desk.principal` in the worker thread that does the rest of its work. 401 when
the request carries none."""
