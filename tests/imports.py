"""What a package's own modules import, read from their source (for purity tests)."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path


def imported_modules(package_folder: Path) -> Iterator[tuple[str, str]]:
    """(file name, module) for every import statement in the package's modules."""
    for source in sorted(package_folder.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield source.name, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield source.name, node.module


def foreign_imports(package_folder: Path, allowed: tuple[str, ...]) -> list[str]:
    """Imports that are neither standard library nor one of the ``allowed`` corridor modules."""
    found = []
    for file, module in imported_modules(package_folder):
        top = module.split(".")[0]
        third_party = top not in sys.stdlib_module_names and top != "corridor"
        if third_party or (top == "corridor" and not module.startswith(allowed)):
            found.append(f"{file} imports {module}")
    return found
