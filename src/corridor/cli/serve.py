"""``corridor serve``: the pages and the HTTP API (:mod:`corridor.web`) on uvicorn, with this
home's keys; ``--tls`` for phones on the local network (:mod:`corridor.cli.tls`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from corridor.cli.console import out
from corridor.cli.identity import custody_for
from corridor.cli.options import disclosure_policy, settings_for
from corridor.domain.errors import InvalidValue
from corridor.store.custody import missing_custody

if TYPE_CHECKING:
    from fastapi import FastAPI

LOOPBACK = "127.0.0.1"
EVERY_INTERFACE = "0.0.0.0"
MAX_WORKERS = 64


def _port(value: int, option: str) -> int:
    if not 0 < value < 65536:
        raise InvalidValue(f"{value} is not a TCP port: use 1 to 65535", option)
    return value


def app_from_environment(database_url: str | None = None) -> FastAPI:
    """The app over this home's database (``database_url``, else the environment's) and keys:
    what ``corridor serve`` runs, and what each of its worker processes builds for itself."""
    from corridor.web import WebSettings, create_app

    settings = settings_for(database_url)
    custody = custody_for(settings)
    if custody is None:
        raise missing_custody("serving the API")
    threshold = disclosure_policy(settings).threshold
    return create_app(WebSettings(settings.database_url, custody,
                                  disclosure_threshold=threshold))


def _run(app: FastAPI, database_url: str, workers: int, **options: Any) -> None:
    """uvicorn with ``app`` in this process, or ``workers`` processes each building its own
    (its own connections and caches) from the environment."""
    import uvicorn

    if workers == 1:
        uvicorn.run(app, log_level="warning", **options)
        return
    os.environ["CORRIDOR_DB"] = database_url
    uvicorn.run("corridor.cli.serve:app_from_environment", factory=True, workers=workers,
                log_level="warning", **options)


def serve(
    host: Annotated[str | None, typer.Option(
        "--host", help="Address to listen on (default: 127.0.0.1, or 0.0.0.0 with --tls so "
        "that phones on the network reach it).", show_default=False)] = None,
    port: Annotated[int, typer.Option("--port", help="TCP port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(
        "--workers", help="Server processes (PostgreSQL: about one a core; SQLite: keep 1, its "
        "single writer gains nothing from more).")] = 1,
    database: Annotated[str | None, typer.Option(
        "--db", help="Database URL (default: $CORRIDOR_DB, else SQLite in $CORRIDOR_HOME).",
        show_default=False)] = None,
    tls: Annotated[bool, typer.Option(
        "--tls", help="Serve HTTPS with a certificate of corridor's local authority (made in "
        "$CORRIDOR_HOME/tls on first use), and show a QR code that installs the authority on "
        "a phone.")] = False,
    ca_port: Annotated[int | None, typer.Option(
        "--ca-port", help="With --tls: the plain-HTTP port of the page that installs the "
        "authority (default: --port + 1).", show_default=False)] = None,
    tls_host: Annotated[list[str] | None, typer.Option(
        "--tls-host", help="With --tls: another private address or .local name to put in the "
        "certificate (repeatable); loopback and the LAN address are always in it.",
        show_default=False)] = None,
) -> None:
    """Serve the pages (dashboard, manifests, registry, scanner) and the HTTP API until
    interrupted."""
    _port(port, "port")
    if not 1 <= workers <= MAX_WORKERS:
        raise InvalidValue(f"--workers is 1 to {MAX_WORKERS}, not {workers}", "workers")
    settings = settings_for(database)
    app = app_from_environment(settings.database_url)  # the keys and settings checked first
    listen = host or (EVERY_INTERFACE if tls else LOOPBACK)
    if not tls:
        out.print(f"Serving corridor on http://{listen}:{port}/ (API at /api/v1, OpenAPI at "
                  "/docs); Ctrl-C stops it.")
        _run(app, settings.database_url, workers, host=listen, port=port)
        return
    from corridor.cli.tls import prepare, serve_install_page, show_install_qr

    install_port = _port(ca_port if ca_port is not None else port + 1, "ca-port")
    files = prepare(settings.home / "tls", str(settings.home.resolve().name),
                    list(tls_host or []))
    shown = next((h for h in files.hosts if h not in (LOOPBACK, "localhost")), LOOPBACK)
    https = f"https://{shown}:{port}/"
    install = serve_install_page(files, listen, install_port, https)
    try:
        show_install_qr(out, files, f"http://{shown}:{install_port}/", https)
        out.print(f"Serving corridor on {https} (certificate for {', '.join(files.hosts)}); "
                  "Ctrl-C stops it.")
        _run(app, settings.database_url, workers, host=listen, port=port,
             ssl_keyfile=str(files.server_key), ssl_certfile=str(files.server_certificate))
    finally:
        install.shutdown()
