"""What the routes are given: the desk of the app, and who asks (from the bearer token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from corridor.domain.errors import NotSignedIn
from corridor.security.permissions import Principal
from corridor.web.desk import Desk

_bearer = HTTPBearer(auto_error=False, description="A session (`corridor login`) or a device "
                     "token (`corridor token create`).")


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _principal(desk: Annotated[Desk, Depends(_desk)],
               credentials: Annotated[HTTPAuthorizationCredentials | None,
                                      Depends(_bearer)]) -> Principal:
    if credentials is None or not credentials.credentials:
        raise NotSignedIn("send a token: `Authorization: Bearer TOKEN` (a session from "
                          "`corridor login`, or a device token from `corridor token create`)")
    return desk.principal(credentials.credentials)


DeskDep = Annotated[Desk, Depends(_desk)]
"""The app's use cases on its database."""

Caller = Annotated[Principal, Depends(_principal)]
"""Who asks: 401 without a valid token."""
