"""The app factory: ``create_app(WebSettings(...))`` gives a FastAPI app over one database.

No global state: the database URL, the keys and the clock come in through :class:`WebSettings`;
the database is opened when the app starts and closed when it stops, and everything the routes
share lives on ``app.state``. Bodies larger than ``max_body_bytes`` are refused with 413 before
they are read whole.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corridor import __version__
from corridor.reports.disclosure import MINIMUM_THRESHOLD, DisclosurePolicy
from corridor.security.tickets import RevocationList
from corridor.store import Database
from corridor.store.custody import Custody
from corridor.tracking.uploads import MAX_BATCH
from corridor.web import errors
from corridor.web.desk import Desk, settle_heap
from corridor.web.routes import figures, pages, scanner, scans, session, system, tickets

MAX_BODY_BYTES = 8 * 1024 * 1024
"""The largest body accepted: a full batch of MAX_BATCH offline events is about 3 MB."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WebSettings:
    """What the app is given: the database, the keys' custody, the tickets' revocation lists
    (by operation; none revokes nothing), the clock, the body limit and the disclosure
    threshold of monitors' figures."""

    database_url: str
    custody: Custody
    revocations: Mapping[str, RevocationList] = field(default_factory=dict)
    clock: Callable[[], datetime] = _utc_now
    max_body_bytes: int = MAX_BODY_BYTES
    disclosure_threshold: int = MINIMUM_THRESHOLD


class BodyLimit:
    """Refuse a body over ``limit`` bytes with 413, by its Content-Length or as it streams."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracking)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(errors.error_body(
            "too_large", f"the body is larger than {self.limit:,} bytes; nothing was stored; "
            f"send at most {MAX_BATCH:,} events a batch")).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    """The body went over the limit while it was being read."""


def create_app(settings: WebSettings) -> FastAPI:
    """The HTTP API over the database of ``settings``, with its keys."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database.open(settings.database_url, settings.custody)
        try:
            database.require_current()
            database.checkpoint_in_background()
            app.state.disclosure = DisclosurePolicy(settings.disclosure_threshold)
            app.state.desk = Desk(database, settings.custody.keyring.ticket_public_key(),
                                  settings.revocations, settings.clock)
            settle_heap()
            yield
        finally:
            database.close()

    app = FastAPI(title="corridor", version=__version__, lifespan=lifespan,
                  summary="Field scans, offline uploads and figures of negotiated evacuations.",
                  description="Every route but /api/v1/health needs `Authorization: Bearer "
                              "TOKEN` (a session or a device token). Errors are JSON "
                              "`{code, message}`; see docs/api.md.")
    errors.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    for router in (scans.router, figures.router, tickets.router, system.router,
                   session.router, pages.router, scanner.router):
        app.include_router(router)
    return app
