"""`corridor serve --tls`: the local authority's files, the laptop's certificate, and the small
plain-HTTP page that lets a phone install the authority by scanning a QR code."""

from __future__ import annotations

import contextlib
import html
import io
import ipaddress
import os
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import segno
from rich.console import Console

from corridor.security.tls import (
    PRIVATE_NETWORKS,
    Pem,
    fingerprint,
    issue_server,
    make_authority,
    needs_renewal,
    now_utc,
)

AUTHORITY_KEY = "authority.key"
AUTHORITY_CERTIFICATE = "authority.crt"
SERVER_KEY = "server.key"
SERVER_CERTIFICATE = "server.crt"


@dataclass(frozen=True)
class TlsFiles:
    """Where the authority and the server's certificate are, and the authority's fingerprint."""

    folder: Path
    authority: Pem
    hosts: tuple[str, ...]

    @property
    def server_key(self) -> Path:
        """The server's private key (mode 0600)."""
        return self.folder / SERVER_KEY

    @property
    def server_certificate(self) -> Path:
        """The server's certificate chain: its own, then the authority's."""
        return self.folder / SERVER_CERTIFICATE

    @property
    def fingerprint(self) -> str:
        """The authority's SHA-256 fingerprint, to compare on the phone."""
        return fingerprint(self.authority.certificate)


def _write_private(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    temporary.replace(path)


def lan_addresses() -> list[str]:
    """The laptop's private IPv4 address on the network phones use (the route out), if any
    (an address outside the private ranges is left out: the authority cannot vouch for it;
    name another with --tls-host)."""
    found = []
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent, the route is chosen
        found.append(probe.getsockname()[0])
    return [address for address in found if not address.startswith("127.")
            and any(ipaddress.ip_address(address) in network for network in PRIVATE_NETWORKS)]


def prepare(folder: Path, label: str, extra_hosts: list[str]) -> TlsFiles:
    """The authority of ``folder`` (made, or replaced near its end) and a new server
    certificate for loopback, the LAN address and ``extra_hosts``."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = now_utc()
    key_path, cert_path = folder / AUTHORITY_KEY, folder / AUTHORITY_CERTIFICATE
    authority = None
    if key_path.is_file() and cert_path.is_file():
        authority = Pem(key_path.read_bytes(), cert_path.read_bytes())
        if needs_renewal(authority, now):
            authority = None
    if authority is None:
        authority = make_authority(label, now)
        _write_private(key_path, authority.key)
        cert_path.write_bytes(authority.certificate)
    hosts = list(dict.fromkeys(["127.0.0.1", "localhost", *lan_addresses(), *extra_hosts]))
    server = issue_server(authority, hosts, now)
    _write_private(folder / SERVER_KEY, server.key)
    (folder / SERVER_CERTIFICATE).write_bytes(server.certificate + authority.certificate)
    return TlsFiles(folder, authority, tuple(hosts))


def _install_page(files: TlsFiles, https: str) -> bytes:
    fingerprint_html = html.escape(files.fingerprint)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>corridor: install the local authority</title></head>
<body style="font-family: sans-serif; max-width: 34rem; margin: 1rem auto; padding: 0 1rem">
<h1>Install corridor's local authority</h1>
<ol><li><a href="/authority.crt">Download the authority</a> and install it as a trusted
certificate (Android: Settings, Security, Encryption &amp; credentials, Install a certificate, CA
certificate; iPhone: Settings, General, VPN &amp; Device Management, then Settings, General,
About, Certificate Trust Settings).</li>
<li>Check that the phone shows this fingerprint (SHA-256):<br><code>{fingerprint_html}</code></li>
<li>Open <a href="{html.escape(https)}">{html.escape(https)}</a>.</li></ol>
<div dir="rtl" lang="ar"><h2>ثبّت سلطة الشهادات المحلية</h2>
<ol><li><a href="/authority.crt">نزّل الشهادة</a> وثبّتها كشهادة موثوقة.</li>
<li>تحقّق من أن الهاتف يعرض هذه البصمة:<br><code dir="ltr">{fingerprint_html}</code></li>
<li>افتح <a href="{html.escape(https)}">{html.escape(https)}</a>.</li></ol></div>
<p><small>The authority can vouch only for private addresses and .local names: it cannot
be used to impersonate any site on the internet.</small></p></body></html>""".encode()


def serve_install_page(files: TlsFiles, host: str, port: int, https: str) -> ThreadingHTTPServer:
    """A plain-HTTP server, in a thread, that serves only the install page and the authority's
    certificate (both public)."""
    page = _install_page(files, https)
    certificate = files.authority.certificate

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/authority.crt":
                body, kind = certificate, "application/x-x509-ca-cert"
            elif self.path in ("/", "/index.html"):
                body, kind = page, "text/html; charset=utf-8"
            else:
                self.send_error(404, "only / and /authority.crt are here")
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def show_install_qr(console: Console, files: TlsFiles, install_url: str, https: str) -> None:
    """Print the QR code of the install page, its address and the fingerprint."""
    drawn = io.StringIO()
    segno.make(install_url, error="m").terminal(out=drawn, compact=True)
    console.print(f"Phones: scan this to install corridor's local authority ({install_url}),"
                  f" then open {https}", soft_wrap=True)
    console.print(drawn.getvalue(), end="", highlight=False, markup=False)
    # Never wrapped: a fingerprint broken over two lines is harder to compare, and to copy.
    console.print(f"Authority fingerprint (SHA-256): {files.fingerprint}", soft_wrap=True,
                  highlight=False)
