"""Households and persons to table rows and back, fast enough for millions of records.

The rows are plain tuples in the column order of :data:`HOUSEHOLD_COLUMNS` and
:data:`PERSON_COLUMNS`, built straight from the frozen dataclasses. Enumerations become their
plain string values here (never the enum members themselves: the database drivers adapt a ``str``
subclass through a slow path, which costs seconds over millions of rows), and back again through
lookup tables rather than calls to the enum classes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import StrEnum
from itertools import count
from typing import Any, Generic, TypeVar

from corridor.domain import (
    Category,
    Household,
    Intent,
    InvalidValue,
    LinkKind,
    Person,
    Sex,
    StoreError,
    Vulnerability,
)
from corridor.security.sealing import Sealer

HOUSEHOLD_COLUMNS = ("operation_id", "household_id", "ordinal", "assembly_point", "linked_to",
                     "link_kind", "sealed")
"""The columns of a household row, in the order of the tuples below."""

PERSON_COLUMNS = ("operation_id", "person_id", "ordinal", "household_id", "name_index",
                  "family_index")
"""The columns of a person row, in the order of the tuples below."""

MEMBER_SEALED = ("person_id", "ordinal", "name", "sex", "birth_year", "age", "category", "intent",
                 "vulnerabilities", "needs_stretcher", "luggage_pieces")
"""The fields of each member, member after member in registry order, after the household's own
two (``destination_preference``, ``phone``) at the head of its sealed record.

A household's members are sealed with it, in one record: a person is only ever read with their
household, and one record a household instead of one a person is three times fewer encryptions
on an import and on a load. The persons table keeps only ids, ordinals and blind indexes.
"""

VULNERABILITY_SEPARATOR = ";"

_Enum = TypeVar("_Enum", bound=StrEnum)
_Record = TypeVar("_Record")

_VALUES: dict[Any, str] = {member: member.value
                           for kind in (Sex, Category, Intent, LinkKind) for member in kind}


class _VulnerabilityCodes(dict[frozenset[Vulnerability], str]):
    """The stored text of each set of vulnerabilities; there are few distinct sets, so cache."""

    def __missing__(self, vulnerabilities: frozenset[Vulnerability]) -> str:
        text = VULNERABILITY_SEPARATOR.join(sorted(v.value for v in vulnerabilities))
        self[vulnerabilities] = text
        return text


class _VulnerabilitySets(dict[str, frozenset[Vulnerability]]):
    """The set of vulnerabilities of each stored text (the inverse of the codes above)."""

    def __missing__(self, text: str) -> frozenset[Vulnerability]:
        codes = text.split(VULNERABILITY_SEPARATOR) if text else []
        vulnerabilities = frozenset(_decode(Vulnerability, code, "vulnerabilities")
                                    for code in codes)
        self[text] = vulnerabilities
        return vulnerabilities


def _decode(kind: type[_Enum], value: str, column: str) -> _Enum:
    try:
        return kind(value)
    except ValueError:
        raise StoreError(f"the database holds {value!r} in column {column}, which this version "
                         f"of corridor does not know") from None


def _lookup(kind: type[_Enum]) -> dict[str, _Enum]:
    return {member.value: member for member in kind}


def household_record_id(operation_id: str, household_id: str) -> str:
    """What a household's sealed fields are bound to: moved to another row, they do not open."""
    return f"{operation_id}/household/{household_id}"


def members_by_household(persons: Sequence[Person]) -> dict[str, list[int]]:
    """The ordinals of each household's members, in registry order."""
    members: dict[str, list[int]] = {}
    for ordinal, person in enumerate(persons):
        found = members.get(person.household_id)
        if found is None:
            members[person.household_id] = [ordinal]
        else:
            found.append(ordinal)
    return members


def household_rows(operation_id: str, households: Sequence[Household], start: int,
                   sealer: Sealer, persons: Sequence[Person], members: dict[str, list[int]],
                   codes: dict[frozenset[Vulnerability], str] | None = None,
                   ) -> list[tuple[Any, ...]]:
    """Rows of ``households``, each sealed with its members (ordinals in ``members``).

    The first household gets ordinal ``start``, the next ``start + 1``... ``codes`` is a cache of
    vulnerability texts that callers may keep from batch to batch.
    """
    values = _VALUES
    texts = _VulnerabilityCodes() if codes is None else codes
    records: list[list[str | None]] = []
    for household in households:
        fields: list[str | None] = [household.destination_preference, household.phone]
        for ordinal in members.get(household.household_id, ()):
            p = persons[ordinal]
            fields += (p.person_id, str(ordinal), p.name, values[p.sex],
                       None if p.birth_year is None else str(p.birth_year),
                       None if p.age is None else str(p.age), values[p.category],
                       values[p.intent], texts[p.vulnerabilities],
                       "1" if p.needs_stretcher else "0", str(p.luggage_pieces))
        records.append(fields)
    sealed = sealer.seal_many(
        [household_record_id(operation_id, h.household_id) for h in households], records)
    return [(operation_id, h.household_id, ordinal, h.assembly_point, h.linked_to,
             None if h.link_kind is None else values[h.link_kind], blob)
            for ordinal, h, blob in zip(count(start), households, sealed, strict=False)]


def person_rows(operation_id: str, persons: Sequence[Person], start: int,
                sealer: Sealer) -> list[tuple[Any, ...]]:
    """Rows of ``persons`` (ids and blind indexes); the first gets ordinal ``start``..."""
    indexes = sealer.name_indexes([p.name for p in persons])
    return [(operation_id, p.person_id, ordinal, p.household_id, whole, family)
            for ordinal, p, (whole, family)
            in zip(count(start), persons, indexes, strict=False)]


def vulnerability_codes() -> dict[frozenset[Vulnerability], str]:
    """An empty cache for :func:`person_rows`."""
    return _VulnerabilityCodes()


class OrderedRecords(Generic[_Record]):
    """Records read in any order, put back in registry order by their ordinal.

    The ordinals of an operation are 0 to n - 1, each once; anything else means the rows were
    changed outside corridor, and :meth:`result` says so rather than return a registry with holes.
    """

    def __init__(self, size: int, what: str) -> None:
        self._slots: list[_Record | None] = [None] * size
        self._filled = 0
        self._what = what

    def put(self, ordinal: int, record: _Record) -> None:
        """Place ``record`` at ``ordinal``."""
        if not 0 <= ordinal < len(self._slots) or self._slots[ordinal] is not None:
            raise StoreError(f"the {self._what} rows are damaged: ordinal {ordinal} is out of "
                             "place; import the scenario again with --replace")
        self._slots[ordinal] = record
        self._filled += 1

    def result(self) -> tuple[_Record, ...]:
        """Every record in registry order."""
        if self._filled != len(self._slots):
            raise StoreError(f"the {self._what} rows are damaged: {self._filled} of "
                             f"{len(self._slots)} were found; import the scenario again with "
                             "--replace")
        return tuple(self._slots)  # type: ignore[arg-type]  # every slot is filled (checked)


HOUSEHOLD_READ = ("ordinal", "household_id", "assembly_point", "linked_to", "link_kind",
                  "sealed")
"""The columns :class:`RegistryDecoder` reads, in order."""


class RegistryDecoder:
    """Turns household rows (the columns of :data:`HOUSEHOLD_READ`) into the household and its
    members, each member with its ordinal.

    Members share their household's id string instead of holding a copy each, which saves
    hundreds of megabytes over millions of persons.
    """

    def __init__(self, operation_id: str, sealer: Sealer) -> None:
        self._operation_id = operation_id
        self._sealer = sealer
        self._link_kinds = _lookup(LinkKind)
        self._sexes = _lookup(Sex)
        self._categories = _lookup(Category)
        self._intents = _lookup(Intent)
        self._vulnerabilities = _VulnerabilitySets()

    def __call__(self, row: Sequence[Any]) -> tuple[Household, list[tuple[int, Person]]]:
        """The household of one row and its members."""
        household_id, link_kind = row[1], row[4]
        fields: tuple[Any, ...] = self._sealer.open(
            household_record_id(self._operation_id, household_id), row[5])
        try:
            household = Household(household_id, row[2], fields[0], row[3],
                                  None if link_kind is None else self._link_kinds[link_kind],
                                  fields[1])
        except KeyError:
            raise StoreError(f"household {household_id}: the database holds link kind "
                             f"{link_kind!r}, which this version of corridor does not know"
                             ) from None
        except InvalidValue as error:
            raise StoreError(f"household {household_id} in the database is not valid: "
                             f"{error.message}") from error
        members = []
        width = len(MEMBER_SEALED)
        for at in range(2, len(fields), width):
            (person_id, ordinal, name, sex, birth_year, age, category, intent, vulnerabilities,
             stretcher, luggage) = fields[at:at + width]
            try:
                members.append((int(ordinal), Person(
                    person_id, household_id, name, self._sexes[sex], self._categories[category],
                    self._intents[intent], None if birth_year is None else int(birth_year),
                    None if age is None else int(age), self._vulnerabilities[vulnerabilities],
                    stretcher == "1", int(luggage))))
            except (KeyError, TypeError, ValueError) as error:
                raise StoreError(f"person {person_id}: the sealed record holds a value this "
                                 f"version of corridor does not know ({error})") from None
            except InvalidValue as error:
                raise StoreError(f"person {person_id} in the database is not valid: "
                                 f"{error.message}") from error
        return household, members


def chunks(records: Sequence[_Record],
           size: int) -> Iterator[tuple[int, Sequence[_Record]]]:
    """``(start, slice)`` pairs covering ``records`` in slices of at most ``size``."""
    for start in range(0, len(records), size):
        yield start, records[start:start + size]
