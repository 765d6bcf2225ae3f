"""Signing in and out from the pages: a session kept in an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from corridor.web.dependencies import SESSION_COOKIE, Caller, DeskDep, session_token
from corridor.web.schemas import ERRORS

router = APIRouter(prefix="/api/v1", tags=["session"], responses=ERRORS)

SESSION_SECONDS = 12 * 3600
"""How long the cookie lives; the session itself ends after 12 hours too (docs/security.md)."""


class SignInIn(BaseModel):
    """A name and a password, as the sign-in page sends them."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SessionOut(BaseModel):
    """Who is signed in, with their roles for every operation they hold."""

    name: str
    roles: list[str]


@router.post("/session", response_model=SessionOut, operation_id="sign_in")
def sign_in(body: SignInIn, request: Request, response: Response, desk: DeskDep) -> SessionOut:
    """Check the name and password and keep the session in a cookie (for the pages; scripts use
    `corridor login` or a device token). Five failures in 15 minutes lock the name."""
    token = desk.sign_in(body.name, body.password)
    principal = desk.principal(token)
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_SECONDS, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return SessionOut(name=principal.name,
                      roles=sorted({grant.role.value for grant in principal.grants}))


class SignedOut(BaseModel):
    """Whose session ended."""

    name: str


@router.post("/session:end", response_model=SignedOut, operation_id="sign_out")
def sign_out(request: Request, response: Response, desk: DeskDep, caller: Caller) -> SignedOut:
    """End the session of the cookie (or the credential of the bearer token) and forget the
    cookie."""
    token = session_token(request) or request.headers.get("authorization", "")[7:]
    desk.sign_out(token)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return SignedOut(name=caller.name)
