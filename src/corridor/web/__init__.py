"""The HTTP API: a FastAPI app factory (:func:`create_app`) over the same use cases as the CLI.

The web layer is an edge, like ``store`` and ``cli``: it wires the store, the keys and the
permission table to :mod:`corridor.tracking`, and maps corridor's error tree to HTTP statuses in
one place (:mod:`corridor.web.errors`). docs/api.md documents every route.
"""

from corridor.web.app import WebSettings, create_app

__all__ = ["WebSettings", "create_app"]
