"""The files the pages load: corridor's own (``static/``) and the front-end packages.

The front-end packages (the QR decoder, the ticket signature check, the chart library, the
Arabic font) come from the npm registry at set-up (``npm ci``, pinned by package-lock.json)
into ``node_modules``, and are served from there as they are: nothing is built, nothing is
copied into the repository. Only the files named in :data:`VENDOR` are served.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from corridor.domain.errors import NotFound

STATIC = Path(__file__).parent / "static"
"""corridor's own scripts, styles and service worker."""

VENDOR: Mapping[str, str] = MappingProxyType({
    "jsqr.js": "jsqr/dist/jsQR.js",
    "ed25519.js": "@noble/ed25519/index.js",
    "uplot.js": "uplot/dist/uPlot.iife.min.js",
    "uplot.css": "uplot/dist/uPlot.min.css",
})
"""The front-end files served under /vendor/, by name, from node_modules."""

FONTS = "@fontsource/noto-sans-arabic/files"
"""Where the Arabic font's files are (served under /vendor/fonts/)."""

_FONT_FILE = re.compile(r"noto-sans-arabic-(arabic|latin|latin-ext)-(400|700)-normal\.woff2")

ASSETS_SETTING = "CORRIDOR_ASSETS"
"""An environment variable naming the node_modules folder, where it is not beside the source."""

MEDIA_TYPES: Mapping[str, str] = MappingProxyType({
    ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".woff2": "font/woff2", ".json": "application/json", ".webmanifest":
    "application/manifest+json", ".svg": "image/svg+xml", ".png": "image/png",
})


@cache
def node_modules() -> Path | None:
    """The node_modules folder with corridor's front-end packages, or None if it is missing."""
    named = os.environ.get(ASSETS_SETTING)
    candidates = [Path(named)] if named else [
        parent / "node_modules" for parent in Path(__file__).resolve().parents]
    for candidate in candidates:
        if (candidate / VENDOR["jsqr.js"]).is_file():
            return candidate
    return None


def vendor_file(name: str) -> Path:
    """The file served as /vendor/``name``; NotFound for any other name."""
    folder = node_modules()
    if folder is None:
        raise NotFound("the front-end packages are not installed: run `make setup` (npm ci) "
                       f"or set {ASSETS_SETTING} to their node_modules folder")
    if name in VENDOR:
        return folder / VENDOR[name]
    if name.startswith("fonts/") and _FONT_FILE.fullmatch(name.removeprefix("fonts/")):
        return folder / FONTS / name.removeprefix("fonts/")
    raise NotFound(f"/vendor/{name} is not one of corridor's front-end files")


def static_file(name: str) -> Path:
    """The file served as /static/``name``: only files of the static folder itself."""
    if "/" in name or "\\" in name or name.startswith("."):
        raise NotFound(f"/static/{name} is not one of corridor's files")
    path = STATIC / name
    if not path.is_file():
        raise NotFound(f"/static/{name} is not one of corridor's files")
    return path


def media_type(path: Path) -> str:
    """The Content-Type of a served file, by its suffix."""
    return MEDIA_TYPES.get(path.suffix, "application/octet-stream")
