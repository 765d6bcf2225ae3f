"""The two consoles every command prints to: answers on stdout, progress and errors on stderr."""

from __future__ import annotations

from rich.console import Console

# No emoji codes: corridor prints none, and Rich would turn ":AB:" in a certificate's
# fingerprint (or ":ok:" in a name) into a picture.
out = Console(highlight=False, emoji=False)
err = Console(stderr=True, highlight=False, emoji=False)
