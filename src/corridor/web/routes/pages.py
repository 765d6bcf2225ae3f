"""The pages' routes (not in the OpenAPI document: they answer HTML, the API answers JSON)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from corridor.domain.errors import CorridorError, Forbidden, NotFound
from corridor.reports.manifests import manifest_pdf
from corridor.security.permissions import (
    Action,
    allowed,
    authorize,
    site_limit,
    visible_fields,
    visible_household,
    visible_person,
)
from corridor.store.manifests import gather_manifests
from corridor.store.protection import find_households, read_household, read_households
from corridor.web import assets, i18n
from corridor.web.errors import status_of
from corridor.web.overview import dashboard_for
from corridor.web.pages import error_page, language_of, menu, reader, render, to_sign_in

router = APIRouter(include_in_schema=False)

OperationId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/")
def home(request: Request) -> Response:
    """The first page the reader may open, or the sign-in page."""
    principal = reader(request)
    if principal is None:
        return to_sign_in(request)
    desk = request.app.state.desk
    for summary in desk.database.operations():
        pages = menu(principal, summary.operation_id)
        if pages:
            return RedirectResponse(f"/operations/{summary.operation_id}/{pages[0]}",
                                    status_code=303)
    return render(request, "error.html", principal=principal, status=403,
                  message=i18n.translator(language_of(request))("error.no_operation"))


@router.get("/signin")
def sign_in_page(request: Request,
                 next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    """The sign-in form; the script posts to /api/v1/session and goes on to ``next``."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return render(request, "signin.html", next=target)


@router.get("/lang/{language}")
def choose_language(request: Request, language: str,
                    next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    """Keep the reader's choice of language on this device, and go back."""
    if language not in i18n.LANGUAGES:
        language = i18n.DEFAULT_LANGUAGE
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(i18n.LANGUAGE_COOKIE, language, max_age=365 * 86400,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@router.get("/operations/{operation_id}/dashboard")
def dashboard_page(request: Request, operation_id: OperationId) -> Response:
    """The live dashboard; its script refreshes the figures without a reload."""
    principal = reader(request)
    if principal is None:
        return to_sign_in(request)
    desk = request.app.state.desk
    try:
        board = dashboard_for(desk, principal, operation_id, request.app.state.disclosure)
    except CorridorError as error:
        return error_page(request, error, status_of(error), principal)
    return render(request, "dashboard.html", principal=principal, operation_id=operation_id,
                  board=board)


@router.get("/operations/{operation_id}/dashboard/live")
def dashboard_fragment(request: Request, operation_id: OperationId) -> Response:
    """The dashboard's figures alone, as the page's script swaps them in."""
    principal = reader(request)
    if principal is None:
        return Response(status_code=401)
    desk = request.app.state.desk
    try:
        board = dashboard_for(desk, principal, operation_id, request.app.state.disclosure)
    except CorridorError as error:
        return error_page(request, error, status_of(error), principal)
    return render(request, "dashboard_live.html", principal=principal,
                  operation_id=operation_id, board=board)


@router.get("/operations/{operation_id}/convoys/{convoy_id:path}")
def convoy_page(request: Request, operation_id: OperationId,
                convoy_id: Annotated[str, Path(min_length=1, max_length=64)],
                vehicle: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    """A convoy's manifests, vehicle by vehicle (or one vehicle's), printable; names as the
    role may see them."""
    principal = reader(request)
    if principal is None:
        return to_sign_in(request)
    desk = request.app.state.desk
    try:
        authorize(principal, Action.PLAN_READ, operation_id)
        roster = desk.roster(principal, operation_id)
        convoy = roster.convoy(convoy_id)
        if convoy is None:
            raise NotFound(f"convoy {convoy_id} is not in the current plan of operation "
                           f"{operation_id}")
        trips = [trip for trip in convoy.trips if vehicle in (None, trip.vehicle_id)]
        if not trips:
            raise NotFound(f"vehicle {vehicle} has no trip in convoy {convoy_id}")
        fields = visible_fields(principal, operation_id)
        wanted = sorted({line.household_id for trip in trips for line in trip.lines})
        found = read_households(desk.database, operation_id, wanted, actor=principal.label,
                                reason=f"manifest page of convoy {convoy_id}",
                                sites=site_limit(principal, operation_id))
    except CorridorError as error:
        return error_page(request, error, status_of(error), principal)
    people = {p.person_id: visible_person(p, fields) for f in found for p in f.members}
    shown = {f.household.household_id for f in found}
    return render(request, "convoy.html", principal=principal, operation_id=operation_id,
                  convoy=convoy, trips=trips, vehicle=vehicle, people=people, shown=shown,
                  may_print=allowed(principal, Action.MANIFESTS_PRINT, operation_id))


@router.get("/operations/{operation_id}/manifests.pdf")
def manifests_pdf(request: Request, operation_id: OperationId,
                  convoy: Annotated[list[str] | None, Query(max_length=200)] = None,
                  lang: Annotated[Literal["ar", "en"], Query()] = "ar",
                  reason: Annotated[str, Query(max_length=500)] = "") -> Response:
    """The manifests PDF with each household's QR ticket (as `corridor manifests` prints it),
    for the convoys asked (every convoy otherwise); printing is audited with its reason."""
    principal = reader(request)
    if principal is None:
        return to_sign_in(request)
    desk = request.app.state.desk
    now = datetime.now(UTC)
    why = reason.strip() or "printed from the convoy page"
    try:
        printed = gather_manifests(desk.database, principal, operation_id, convoy, reason=why,
                                   now=now, target="a PDF downloaded from the pages")
        data = manifest_pdf(printed.source, language=lang, created_at=now,
                            convoy_ids=convoy or None)
    except CorridorError as error:
        return error_page(request, error, status_of(error), principal)
    name = "manifests" + (f"-{len(convoy)}-convoys" if convoy else "") + f"-{lang}.pdf"
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/operations/{operation_id}/registry")
def registry_page(request: Request, operation_id: OperationId,
                  q: Annotated[str, Query(max_length=200)] = "",
                  reason: Annotated[str, Query(max_length=500)] = "") -> Response:
    """Search the registry by name (through the blind indexes), with a reason kept in the audit
    log; the answers show only the fields the reader's role may see."""
    principal = reader(request)
    if principal is None:
        return to_sign_in(request)
    desk = request.app.state.desk
    t = i18n.translator(language_of(request))
    results: list[dict[str, object]] = []
    problem = None
    try:
        authorize(principal, Action.REGISTRY_READ, operation_id)
        if q.strip():
            if not reason.strip():
                problem = t("registry.reason_needed")
            else:
                fields = visible_fields(principal, operation_id)
                found = find_households(desk.database, operation_id, q,
                                        actor=principal.label, reason=reason.strip(),
                                        sites=site_limit(principal, operation_id))
                results = [{"household": visible_household(f.household, fields),
                            "members": [visible_person(p, fields) for p in f.members]}
                           for f in found]
    except CorridorError as error:
        return error_page(request, error, status_of(error), principal)
    return render(request, "registry.html", principal=principal, operation_id=operation_id,
                  q=q, reason=reason, results=results, problem=problem, searched=bool(
                      q.strip() and reason.strip()))


@router.get("/operations/{operation_id}/households/{household_id}")
def household_page(request: Request, operation_id: OperationId,
                   household_id: Annotated[str, Path(min_length=1, max_length=64)],
                   reason: Annotated[str, Query(max_length=500)] = "") -> Response:
    """One household and its members, with a reason kept in the audit log."""
    principal = reader(request)
    if principal is None:
        return to_sign_in(request)
    desk = request.app.state.desk
    t = i18n.translator(language_of(request))
    try:
        authorize(principal, Action.REGISTRY_READ, operation_id)
        if not reason.strip():
            raise Forbidden(t("registry.reason_needed"))
        fields = visible_fields(principal, operation_id)
        found = read_household(desk.database, operation_id, household_id,
                               actor=principal.label, reason=reason.strip(),
                               sites=site_limit(principal, operation_id))
    except CorridorError as error:
        return error_page(request, error, status_of(error), principal)
    return render(request, "household.html", principal=principal, operation_id=operation_id,
                  household=visible_household(found.household, fields),
                  members=[visible_person(p, fields) for p in found.members])


@router.get("/static/{name}")
def static(name: str) -> Response:
    """corridor's own scripts and styles."""
    try:
        path = assets.static_file(name)
    except NotFound:
        return Response(status_code=404)
    headers = {"Cache-Control": "no-cache"}
    if name == "sw.js":
        headers["Service-Worker-Allowed"] = "/"
    return FileResponse(path, media_type=assets.media_type(path), headers=headers)


@router.get("/vendor/{name:path}")
def vendor(name: str) -> Response:
    """The front-end packages' files, from node_modules."""
    try:
        path = assets.vendor_file(name)
    except NotFound as missing:
        return Response(str(missing), status_code=404, media_type="text/plain")
    return FileResponse(path, media_type=assets.media_type(path),
                        headers={"Cache-Control": "public, max-age=86400"})
