"""``corridor serve``: the HTTP API (:mod:`corridor.web`) on uvicorn, with this home's keys."""

from __future__ import annotations

from typing import Annotated

import typer

from corridor.cli.console import out
from corridor.cli.identity import custody_for
from corridor.cli.options import settings_for
from corridor.domain.errors import InvalidValue
from corridor.store.custody import missing_custody


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every "
                                      "interface; put TLS in front of it).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port to listen on.")] = 8000,
    database: Annotated[str | None, typer.Option(
        "--db", help="Database URL (default: $CORRIDOR_DB, else SQLite in $CORRIDOR_HOME).",
        show_default=False)] = None,
) -> None:
    """Serve the HTTP API (scans, offline uploads, figures) until interrupted."""
    import uvicorn

    from corridor.web import WebSettings, create_app

    if not 0 < port < 65536:
        raise InvalidValue(f"{port} is not a TCP port: use 1 to 65535", "port")
    settings = settings_for(database)
    custody = custody_for(settings)
    if custody is None:
        raise missing_custody("serving the API")
    app = create_app(WebSettings(settings.database_url, custody))
    out.print(f"Serving the corridor API on http://{host}:{port}/api/v1 "
              f"(OpenAPI at http://{host}:{port}/docs); Ctrl-C stops it.")
    uvicorn.run(app, host=host, port=port, log_level="warning")
