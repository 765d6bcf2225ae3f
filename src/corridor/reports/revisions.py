"""Figures that change after they were published: each change is a revision, linked to the last.

:mod:`corridor.reports.disclosure` refuses a released figure that changes (an attacker would
subtract the two values). Field figures do change: a phone that was offline uploads a day's
boardings later, a void takes a scan out, a convoy arrives after the sitrep that counted it on
the road. :class:`RevisingBuilder` declares a release by *base keys* and, for a base whose value
differs from the latest one the ledger holds, gives the new value a new key (the base followed by
``("revision", n)``) and declares the net change as a cell of its own::

    now = previous + added          (when the figure went up)
    previous = now + withdrawn      (when it went down)

The change is a count of people like any other, so disclosure control protects it: a revision
by three people is a cell below the threshold, and the new value stays hidden unless something
else hides the change. (Which way a figure moved is visible from the relation's shape; how far
is not.) The net change is what is declared, not who came and who went: were both declared,
an attacker could always explain a change of 3 as 5 in and 2 out, and the audit would call it
protected while the net 3 stays in plain sight. A base whose value is one it had before keeps
that version's key (the newest such): a figure published yesterday is the same cell today, and
a sitrep of an earlier day made again shows what it showed then.

The first version of a figure is its base key itself: a release made with a plain
:class:`~corridor.reports.disclosure.ReleaseBuilder` and one made here share their cells.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from corridor.domain.errors import InvalidValue
from corridor.reports.disclosure import Key, Ledger, Release, ReleaseBuilder, TableShapes

REVISION = "revision"
"""The label before a revision's number in its key."""

LINK = "link"
"""The label before ``added`` or ``withdrawn`` in the key of a revision's change."""


@dataclass(frozen=True, slots=True)
class _Version:
    number: int
    key: Key
    value: int


def split_revision(key: Key) -> tuple[Key, int]:
    """The base key of ``key`` and its revision number (1 for a base key itself)."""
    if len(key) >= 2 and key[-2] == REVISION and key[-1].isdigit():
        return key[:-2], int(key[-1])
    return key, 1


def _versions(ledger: Ledger) -> dict[Key, list[_Version]]:
    """Every version of every base key in the ledger, oldest first."""
    versions: dict[Key, list[_Version]] = {}
    for key, cell in ledger.cells.items():
        base, number = split_revision(key)
        versions.setdefault(base, []).append(_Version(number, key, cell.value))
    for found in versions.values():
        found.sort(key=lambda version: version.number)
    return versions


class RevisingBuilder(TableShapes):
    """A release declared by base keys; changed figures become linked revisions.

    The same methods as :class:`~corridor.reports.disclosure.ReleaseBuilder`, every key a base
    key; :meth:`key` says which key a base got in this release (to read its protected value).
    """

    def __init__(self, ledger: Ledger) -> None:
        self._versions = _versions(ledger)
        self._builder = ReleaseBuilder()
        self._keys: dict[Key, Key] = {}
        self._values: dict[Key, int] = {}

    def add_cell(self, base: Key, count: int) -> Key:
        """Declare a figure by its base key; returns the base (see :meth:`key`)."""
        known = self._values.get(base)
        if known is not None:
            if known != count:
                raise InvalidValue(f"cell {base} is declared as {known} and as {count}; a "
                                   "figure shared by two tables must have one count", "count")
            return base
        versions = self._versions.get(base, [])
        same = [version for version in versions if version.value == count]
        if same:
            key = same[-1].key
        elif not versions:
            key = base
        else:
            latest = versions[-1]
            key = (*base, REVISION, str(latest.number + 1))
            self._link(latest, key, count)
        self._builder.add_cell(key, count)
        self._keys[base] = key
        self._values[base] = count
        return base

    def _link(self, previous: _Version, key: Key, count: int) -> None:
        builder = self._builder
        builder.add_cell(previous.key, previous.value)
        builder.add_cell(key, count)
        if count >= previous.value:
            added = builder.add_cell((*key, LINK, "added"), count - previous.value)
            builder.add_relation(key, (previous.key, added))
        else:
            withdrawn = builder.add_cell((*key, LINK, "withdrawn"), previous.value - count)
            builder.add_relation(previous.key, (key, withdrawn))

    def key(self, base: Key) -> Key:
        """The key ``base`` has in this release (itself, or its newest revision)."""
        try:
            return self._keys[base]
        except KeyError:
            raise InvalidValue(f"cell {base} was not declared in this release", "key") from None

    def value(self, base: Key) -> int:
        """The true count declared for ``base``."""
        self.key(base)
        return self._values[base]

    def add_relation(self, total: Key, parts: Iterable[Key], *, exact: bool = True) -> None:
        """Declare ``total = sum(parts)`` (or ``>=`` when not ``exact``), by base keys."""
        self._builder.add_relation(self.key(total), [self.key(part) for part in parts],
                                   exact=exact)

    def build(self) -> Release:
        """The release, frozen."""
        return self._builder.build()
