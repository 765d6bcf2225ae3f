"""The pages: sign-in, the coordinator's dashboard, manifests, the registry and the scanner.

Server-rendered HTML (Jinja2 templates in ``templates/``) in the reader's language, Arabic
right-to-left or English, with a little script of corridor's own (``static/``) and the
front-end packages from node_modules (:mod:`corridor.web.assets`). A page that needs a signed-in
reader sends anyone else to the sign-in page; what a page shows is what the reader's role may
see, through the same use cases and permission table as the API.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from corridor.domain.errors import CorridorError, NotSignedIn
from corridor.security.permissions import Action, Principal, allowed
from corridor.web import i18n
from corridor.web.dependencies import session_token
from corridor.web.desk import Desk

PAGE_ACTIONS: Mapping[str, Action] = {
    "dashboard": Action.FIGURES_PROTECTED,
    "registry": Action.REGISTRY_READ,
    "scanner": Action.SCAN_CHECK_IN,
}
"""Which pages a reader's menu shows: a page is listed when its action (or for the dashboard,
exact or protected figures) is allowed."""


def _number(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


_environment = Environment(
    loader=PackageLoader("corridor.web", "templates"),
    autoescape=select_autoescape(("html",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters["number"] = _number


def language_of(request: Request) -> str:
    """The page language: ?lang=, else the reader's cookie, else the browser's."""
    return i18n.choose(request.query_params.get("lang"),
                       request.cookies.get(i18n.LANGUAGE_COOKIE),
                       request.headers.get("accept-language"))


def reader(request: Request) -> Principal | None:
    """Who reads the page (from the session cookie), or None when nobody is signed in."""
    token = session_token(request)
    if token is None:
        return None
    desk: Desk = request.app.state.desk
    try:
        return desk.principal(token)
    except NotSignedIn:
        return None


def to_sign_in(request: Request) -> RedirectResponse:
    """Send the reader to the sign-in page, and back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)


def menu(principal: Principal, operation_id: str) -> list[str]:
    """The pages ``principal`` may open for ``operation_id``, in menu order."""
    shown = []
    if (allowed(principal, Action.FIGURES_EXACT, operation_id)
            or allowed(principal, Action.FIGURES_PROTECTED, operation_id)):
        shown.append("dashboard")
    if allowed(principal, Action.REGISTRY_READ, operation_id):
        shown.append("registry")
    if any(allowed(principal, action, operation_id) for action in
           (Action.SCAN_CHECK_IN, Action.SCAN_BOARD, Action.SCAN_SCREEN, Action.SCAN_DISEMBARK)):
        shown.append("scanner")
    return shown


def render(request: Request, template: str, *, status: int = 200,
           principal: Principal | None = None, operation_id: str | None = None,
           **values: Any) -> HTMLResponse:
    """A page in the reader's language, with the menu of what they may open."""
    language = language_of(request)
    t = i18n.translator(language)
    context = {
        "t": t,
        "lang": language,
        "dir": i18n.DIRECTION[language],
        "languages": i18n.LANGUAGES,
        "path": request.url.path,
        "principal": principal,
        "operation_id": operation_id,
        "menu": menu(principal, operation_id) if principal and operation_id else [],
        "catalogue": dict(i18n.catalogue(language)),
        **values,
    }
    html = _environment.get_template(template).render(context)
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
        "style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(i18n.LANGUAGE_COOKIE, language, max_age=365 * 86400,
                            samesite="strict", secure=request.url.scheme == "https")
    return response


def error_page(request: Request, error: CorridorError, status: int,
               principal: Principal | None = None) -> HTMLResponse:
    """An error as a page: the sentence of the error, in the page's frame."""
    return render(request, "error.html", status=status, principal=principal,
                  message=str(error))


def iso(value: date | datetime | None) -> str | None:
    """A date or time as ISO text for the pages' scripts."""
    return None if value is None else value.isoformat()


def no_content() -> Response:
    """An empty answer."""
    return Response(status_code=204)
