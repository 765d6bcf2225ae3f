"""plan.json: a plan as a versioned JSON document, written the same way every time.

The document (version 1), with its long text lines wrapped here; the writer puts each bound,
unplanned household and pin, each convoy's own fields and each vehicle trip (with all its
manifest lines) on one text line of its own::

    {
      "format": "corridor-plan",
      "version": 1,
      "operation_id": "al-waer-2017",
      "agreement_version": "2017-03-13",
      "seed": 7,
      "days": 12,
      "proven_optimal_days": true,
      "binding_constraint": "reception",
      "bounds": [
        {"kind": "days", "name": "reception", "value": 12, "constraint": "reception",
         "explanation": "..."}
      ],
      "unplanned": [
        {"household_id": "H7", "people": 3, "reason": "infeasible", "explanation": "..."}
      ],
      "pins": [
        {"household_id": "H2", "day": "2017-03-18", "convoy_id": "C01"}
      ],
      "split_households": ["H9"],
      "convoys": [
        {"convoy_id": "C01", "day": "2017-03-18", "departure": "2017-03-18T06:00",
         "destination": "jarablus", "locked": true, "trips": [
          {"vehicle_id": "BUS-001", "kind": "bus", "lines": [{"household_id": "H1",
           "persons": ["P1", "P3"], "luggage_pieces": 4}, {"household_id": "H5",
           "persons": ["P9"]}]},
          {"vehicle_id": "AMB-01", "kind": "ambulance", "lines": [{"household_id": "H1",
           "persons": ["P2", "P4"], "on_stretcher": ["P2"]}]}
        ]}
      ]
    }

Keys are the field names of :class:`~corridor.domain.Plan` and the classes it holds. Dates are
ISO dates (``2017-03-18``); departures are local wall-clock times ``YYYY-MM-DDTHH:MM`` (with
``:SS`` or ``:SS.ffffff`` added only when a time has seconds); enumerations are their values
(``bus``, ``ambulance``, ``luggage_truck``; ``days``, ``trips``; ``undecided``, ``infeasible``,
``not_eligible``). A few fields may be left out and are then at their default: ``pins`` and
``split_households`` (none), a pin's ``convoy_id`` (none, also ``null``), a convoy's ``locked``
(false), a line's ``on_stretcher`` (nobody) and ``luggage_pieces`` (0); the writer leaves out
the last three when they are at their default, which keeps a million manifest lines small.

Writing is deterministic: the same plan always gives the same text, one vehicle trip a text line,
and reading it back gives an equal plan. Reading collects every problem (a missing or unknown
field, a wrong type, a value the domain refuses) with its JSON path, indexes counted from 0, as in
``plan.json, convoys[3].trips[0].vehicle_id: is missing``, and raises
:class:`~corridor.domain.ScenarioRejected` with all of them. After 10,000 problems the document is
not read further. A document of another ``format`` or a ``version`` this corridor does not know is
refused before anything else is read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from corridor.domain import (
    Bound,
    BoundKind,
    Convoy,
    InvalidValue,
    ManifestLine,
    Pin,
    Plan,
    Problem,
    ScenarioRejected,
    Unplanned,
    UnplannedReason,
    VehicleKind,
    VehicleTrip,
)
from corridor.memory import cyclic_gc_paused

__all__ = ["FORMAT", "MAX_PROBLEMS", "PLAN_FILE", "VERSION", "plan_from_json", "plan_to_json"]

FORMAT = "corridor-plan"
"""The value of the document's ``format`` key."""

VERSION = 1
"""The version of the document this corridor writes and reads."""

PLAN_FILE = "plan.json"
"""The usual name of a plan document, used in problems when no other source is named."""

MAX_PROBLEMS = 10_000
"""Past this many problems a document is not read further: its first problems say what is wrong."""

T = TypeVar("T")

# The C encoder, with non-ASCII text kept as it is (names of places read better that way).
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode

# ---------------------------------------------------------------------------------------------
# Writing.


def _moment(value: datetime) -> str:
    """A naive datetime as ``YYYY-MM-DDTHH:MM``, with seconds only when it has them."""
    if value.second == 0 and value.microsecond == 0:
        return value.isoformat(timespec="minutes")
    return value.isoformat()


def _line(line: ManifestLine) -> dict[str, Any]:
    values: dict[str, Any] = {"household_id": line.household_id, "persons": line.persons}
    if line.on_stretcher:
        values["on_stretcher"] = line.on_stretcher
    if line.luggage_pieces:
        values["luggage_pieces"] = line.luggage_pieces
    return values


def _trip(trip: VehicleTrip) -> str:
    return _ENCODE({"vehicle_id": trip.vehicle_id, "kind": trip.kind.value,
                    "lines": [_line(line) for line in trip.lines]})


def _convoy(convoy: Convoy) -> str:
    head: dict[str, Any] = {"convoy_id": convoy.convoy_id, "day": convoy.day.isoformat(),
                            "departure": _moment(convoy.departure),
                            "destination": convoy.destination}
    if convoy.locked:
        head["locked"] = True
    # The convoy's own fields on one text line, then one text line per vehicle trip: a diff of
    # two plans then shows which trips changed.
    opening = _ENCODE(head)[:-1] + ', "trips": '
    return opening + _block([_trip(trip) for trip in convoy.trips], "      ") + "}"


def _block(items: list[str], indent: str) -> str:
    """A JSON list of already encoded items, one a text line, closed at ``indent`` less two."""
    if not items:
        return "[]"
    inner = ",\n".join(indent + item for item in items)
    return f"[\n{inner}\n{indent[:-2]}]"


def plan_to_json(plan: Plan) -> str:
    """The plan as a version 1 ``corridor-plan`` JSON document (see the module's docstring).

    The same plan always gives the same text, and :func:`plan_from_json` gives the plan back.
    """
    bounds = [_ENCODE({"kind": bound.kind.value, "name": bound.name, "value": bound.value,
                       "constraint": bound.constraint, "explanation": bound.explanation})
              for bound in plan.bounds]
    unplanned = [_ENCODE({"household_id": item.household_id, "people": item.people,
                          "reason": item.reason.value, "explanation": item.explanation})
                 for item in plan.unplanned]
    pins = [_ENCODE({"household_id": pin.household_id, "day": pin.day.isoformat(),
                     "convoy_id": pin.convoy_id}) for pin in plan.pins]
    with cyclic_gc_paused():
        convoys = [_convoy(convoy) for convoy in plan.convoys]
    fields = [
        ("format", _ENCODE(FORMAT)),
        ("version", _ENCODE(VERSION)),
        ("operation_id", _ENCODE(plan.operation_id)),
        ("agreement_version", _ENCODE(plan.agreement_version)),
        ("seed", _ENCODE(plan.seed)),
        ("days", _ENCODE(plan.days)),
        ("proven_optimal_days", _ENCODE(plan.proven_optimal_days)),
        ("binding_constraint", _ENCODE(plan.binding_constraint)),
        ("bounds", _block(bounds, "    ")),
        ("unplanned", _block(unplanned, "    ")),
        ("pins", _block(pins, "    ")),
        ("split_households", _ENCODE(plan.split_households)),
        ("convoys", _block(convoys, "    ")),
    ]
    body = ",\n".join(f'  "{key}": {value}' for key, value in fields)
    return "{\n" + body + "\n}\n"


# ---------------------------------------------------------------------------------------------
# Reading.

_MISSING: Any = object()
_NO_ITEMS: list[str] = []  # the default of an optional list; never changed
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{6})?)?")

_PLAN_KEYS = frozenset({"format", "version", "operation_id", "agreement_version", "seed", "days",
                        "proven_optimal_days", "binding_constraint", "bounds", "unplanned", "pins",
                        "split_households", "convoys"})
_BOUND_KEYS = frozenset({"kind", "name", "value", "constraint", "explanation"})
_UNPLANNED_KEYS = frozenset({"household_id", "people", "reason", "explanation"})
_PIN_KEYS = frozenset({"household_id", "day", "convoy_id"})
_CONVOY_KEYS = frozenset({"convoy_id", "day", "departure", "destination", "locked", "trips"})
_TRIP_KEYS = frozenset({"vehicle_id", "kind", "lines"})
_LINE_KEYS = frozenset({"household_id", "persons", "on_stretcher", "luggage_pieces"})

class _TooManyProblems(Exception):
    """Stop reading: enough problems have been found to say what is wrong."""


def _shown(value: Any) -> str:
    """A JSON value as it would appear in the document, cut short when long."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_whole(value: Any) -> bool:
    # JSON true and false arrive as bool, which Python counts as int: they are no numbers here.
    return type(value) is int


# str.__instancecheck__ mapped over a list runs in C: three times as fast as a generator over a
# million short lists of person ids. (json gives plain str, never a subclass.)
_IS_TEXT = str.__instancecheck__


def _is_texts(value: Any) -> bool:
    return type(value) is list and all(map(_IS_TEXT, value))


class _Reader:
    """Collects the problems of one document, each at its JSON path."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, path: str | None, message: str) -> None:
        self.problems.append(Problem(self.source, None, path or None, message))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooManyProblems

    def object(self, value: Any, path: str, known: frozenset[str]) -> _Object | None:
        """``value`` as an object whose keys are all ``known``, or None (with a problem)."""
        if type(value) is not dict:
            self.problem(path, f"{_shown(value)} is not an object {{...}}")
            return None
        found = _Object(self, value, path)
        for name in value:
            if name not in known:
                self.problem(found.key(name), "is not a known field: check its spelling or "
                                              "remove it")
        return found


class _Object:
    """One JSON object being read: typed look-ups that record problems at their path."""

    __slots__ = ("data", "path", "reader", "start")

    def __init__(self, reader: _Reader, data: dict[str, Any], path: str) -> None:
        self.reader = reader
        self.data = data
        self.path = path
        self.start = len(reader.problems)

    @property
    def sound(self) -> bool:
        """True while nothing in this object (its children included) had a problem."""
        return len(self.reader.problems) == self.start

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def _get(self, name: str, expected: str, check: Callable[[Any], bool], default: Any) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                self.reader.problem(self.key(name), "is missing")
            return None if default is _MISSING else default
        if not check(value):
            self.reader.problem(self.key(name), f"{_shown(value)} is not {expected}")
            return None
        return value

    def text(self, name: str, default: Any = _MISSING) -> Any:
        return self._get(name, "a text in quotes", lambda value: type(value) is str, default)

    def whole(self, name: str, default: Any = _MISSING) -> Any:
        return self._get(name, "a whole number", _is_whole, default)

    def flag(self, name: str, default: Any = _MISSING) -> Any:
        return self._get(name, "true or false", lambda value: type(value) is bool, default)

    def texts(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, "a list of texts in quotes", _is_texts, default)
        return None if value is None else tuple(value)

    def day(self, name: str, default: Any = _MISSING) -> Any:
        return self._parsed(name, "a date such as 2017-03-18", _DATE, date.fromisoformat,
                            default)

    def moment(self, name: str) -> Any:
        return self._parsed(name, "a time such as 2017-03-18T06:00", _MOMENT,
                            datetime.fromisoformat, _MISSING)

    def _parsed(self, name: str, expected: str, pattern: re.Pattern[str],
                parse: Callable[[str], Any], default: Any) -> Any:
        value = self._get(name, expected, lambda value: type(value) is str, default)
        if not isinstance(value, str):
            return value
        if pattern.fullmatch(value):
            try:
                return parse(value)
            except ValueError:
                pass  # a month 13 and the like: reported below
        self.reader.problem(self.key(name), f"{_shown(value)} is not {expected}")
        return None

    def choice(self, name: str, kind: type[StrEnum]) -> Any:
        value = self.text(name)
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            choices = ", ".join(member.value for member in kind)
            self.reader.problem(self.key(name), f"{_shown(value)} is not one of {choices}")
            return None

    def items(self, name: str, default: Any = _MISSING) -> Iterator[tuple[str, Any]]:
        """The elements of a list with their paths; nothing when it is missing or no list."""
        value = self._get(name, "a list [...]", lambda value: type(value) is list, default)
        if value is None:
            return iter(())
        path = self.key(name)
        return ((f"{path}[{index}]", item) for index, item in enumerate(value))

    def build(self, make: Callable[..., T], *arguments: Any) -> T | None:
        """Build a domain value if nothing here was wrong; what the domain refuses is a problem."""
        if not self.sound:
            return None
        return self.attempt(make, *arguments)

    def attempt(self, make: Callable[..., T], *arguments: Any) -> T | None:
        """Build a domain value even when a child had problems; a refusal is a problem."""
        try:
            return make(*arguments)
        except InvalidValue as error:
            self.reader.problem(self.key(error.field) if error.field else self.path,
                                error.message)
            return None


def _bounds(root: _Object) -> list[Bound]:
    bounds = []
    for path, value in root.items("bounds"):
        item = root.reader.object(value, path, _BOUND_KEYS)
        if item is None:
            continue
        bound = item.build(Bound, item.choice("kind", BoundKind), item.text("name"),
                           item.whole("value"), item.text("constraint"),
                           item.text("explanation"))
        if bound is not None:
            bounds.append(bound)
    return bounds


def _unplanned(root: _Object) -> list[Unplanned]:
    unplanned = []
    for path, value in root.items("unplanned"):
        item = root.reader.object(value, path, _UNPLANNED_KEYS)
        if item is None:
            continue
        household = item.build(Unplanned, item.text("household_id"), item.whole("people"),
                               item.choice("reason", UnplannedReason), item.text("explanation"))
        if household is not None:
            unplanned.append(household)
    return unplanned


def _pins(root: _Object) -> list[Pin]:
    pins = []
    for path, value in root.items("pins", _NO_ITEMS):
        item = root.reader.object(value, path, _PIN_KEYS)
        if item is None:
            continue
        convoy_id = None
        if item.data.get("convoy_id") is not None:
            convoy_id = item.text("convoy_id")
        pin = item.build(Pin, item.text("household_id"), item.day("day"), convoy_id)
        if pin is not None:
            pins.append(pin)
    return pins


def _careful_line(reader: _Reader, value: Any, path: str) -> ManifestLine | None:
    item = reader.object(value, path, _LINE_KEYS)
    if item is None:
        return None
    return item.build(ManifestLine, item.text("household_id"), item.texts("persons"),
                      item.texts("on_stretcher", ()), item.whole("luggage_pieces", 0))


def _lines(reader: _Reader, values: list[Any], trip_path: str) -> list[ManifestLine]:
    """The manifest lines of one trip.

    A million lines make this the hot loop: a line that is plainly well formed is built at once,
    and only a line that is not is read field by field to name each of its problems. Both ways
    accept exactly the same lines.
    """
    lines = []
    for index, value in enumerate(values):
        if type(value) is dict and value.keys() <= _LINE_KEYS:
            household_id = value.get("household_id")
            persons: Any = value.get("persons")
            on_stretcher: Any = value.get("on_stretcher", _NO_ITEMS)
            luggage_pieces = value.get("luggage_pieces", 0)
            if (type(household_id) is str and type(luggage_pieces) is int
                    and _is_texts(persons) and _is_texts(on_stretcher)):
                try:
                    lines.append(ManifestLine(household_id, tuple(persons), tuple(on_stretcher),
                                              luggage_pieces))
                except InvalidValue as error:
                    reader.problem(f"{trip_path}.lines[{index}].{error.field}", error.message)
                continue
        line = _careful_line(reader, value, f"{trip_path}.lines[{index}]")
        if line is not None:
            lines.append(line)
    return lines


def _trips(convoy: _Object) -> list[VehicleTrip]:
    trips = []
    reader = convoy.reader
    for path, value in convoy.items("trips"):
        item = reader.object(value, path, _TRIP_KEYS)
        if item is None:
            continue
        vehicle_id = item.text("vehicle_id")
        kind = item.choice("kind", VehicleKind)
        lines = item.data.get("lines", _MISSING)
        if type(lines) is list:
            built = tuple(_lines(reader, lines, path))
        else:
            built = None
            item.items("lines")  # reports the missing or wrong value
        trip = item.build(VehicleTrip, vehicle_id, kind, built)
        if trip is not None:
            trips.append(trip)
    return trips


def _convoys(root: _Object) -> list[Convoy]:
    convoys = []
    for path, value in root.items("convoys"):
        item = root.reader.object(value, path, _CONVOY_KEYS)
        if item is None:
            continue
        convoy_id = item.text("convoy_id")
        day = item.day("day")
        departure = item.moment("departure")
        destination = item.text("destination")
        locked = item.flag("locked", False)
        own_fields_sound = item.sound
        trips = _trips(item)
        # A convoy whose trips have problems is still checked on its own (its departure on its
        # day, say), so that every problem is listed at once; unless none of its trips could be
        # read, which would only add a false "has no vehicles".
        if own_fields_sound and (trips or item.data.get("trips") == []):
            convoy = item.attempt(Convoy, convoy_id, day, departure, destination, tuple(trips),
                                  locked)
            if convoy is not None and item.sound:
                convoys.append(convoy)
    return convoys


def _check_format(reader: _Reader, data: Any) -> _Object | None:
    """The document's root, or None when it is no version 1 corridor plan at all."""
    root = reader.object(data, "", _PLAN_KEYS) if type(data) is dict else None
    if root is None:
        reader.problems.clear()
        reader.problem(None, f'is not a corridor plan: it must be a JSON object {{"format": '
                             f'"{FORMAT}", "version": {VERSION}, ...}}')
        return None
    if root.data.get("format") != FORMAT:
        reader.problems.clear()
        reader.problem("format", f'{_shown(root.data.get("format"))} is not "{FORMAT}": this is '
                                 "not a corridor plan")
        return None
    version = root.data.get("version")
    if version != VERSION or not _is_whole(version):
        reader.problems.clear()
        if type(version) is int and version > VERSION:
            reader.problem("version", f"version {version} is newer than this corridor reads "
                                      f"({VERSION}): upgrade corridor")
        else:
            reader.problem("version", f"{_shown(version)} is not a version this corridor reads; "
                                      f"it reads version {VERSION}")
        return None
    return root


def plan_from_json(text: str, source: str = PLAN_FILE) -> Plan:
    """Read a plan from a ``corridor-plan`` JSON document (see the module's docstring).

    Raises :class:`~corridor.domain.ScenarioRejected` listing every problem, each named by
    ``source`` and its JSON path; nothing else escapes for a bad document.
    """
    # The document and the plan hold no reference cycles; without the pause the collector
    # rescans millions of new dictionaries and lists again and again (most of the time at a
    # million people) and finds nothing to free.
    with cyclic_gc_paused():
        return _read(text, source)


def _read(text: str, source: str) -> Plan:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioRejected([Problem(source, None, None, f"is not valid JSON: {error.msg} "
                                        f"at line {error.lineno} column {error.colno}")]) \
            from None
    except RecursionError:
        raise ScenarioRejected([Problem(source, None, None, "is not valid JSON: it is nested "
                                        "too deeply")]) from None
    reader = _Reader(source)
    plan = None
    try:
        plan = _plan(reader, data)
    except _TooManyProblems:
        reader.problems.append(Problem(source, None, None,
                                       f"reading stopped after {MAX_PROBLEMS} problems"))
    if reader.problems or plan is None:
        raise ScenarioRejected(reader.problems or [Problem(source, None, None,
                                                           "could not be read")])
    return plan


def _plan(reader: _Reader, data: Any) -> Plan | None:
    root = _check_format(reader, data)
    if root is None:
        return None
    operation_id = root.text("operation_id")
    agreement_version = root.text("agreement_version")
    seed = root.whole("seed")
    days = root.whole("days")
    proven_optimal_days = root.flag("proven_optimal_days")
    binding_constraint = root.text("binding_constraint")
    bounds = _bounds(root)
    unplanned = _unplanned(root)
    pins = _pins(root)
    split_households = root.texts("split_households", ())
    convoys = _convoys(root)
    return root.build(Plan, operation_id, agreement_version, seed, tuple(convoys),
                      tuple(unplanned), tuple(bounds), days, proven_optimal_days,
                      binding_constraint, tuple(pins), split_households)
