"""operation.toml: the operation (agreement, sites, fleet, rules) as a TOML document.

Reading collects every problem it finds (unknown keys, wrong types, invalid values) and raises
:class:`~corridor.domain.ScenarioRejected` with all of them, each named by its dotted key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date, time
from typing import Any, TypeVar

import tomli_w

from corridor.domain import (
    Agreement,
    AssemblyPoint,
    Category,
    Checkpoint,
    ConvoyRules,
    Coordinates,
    DateRange,
    Destination,
    FleetEntry,
    InvalidValue,
    Operation,
    Party,
    Phase,
    PriorityWeights,
    Problem,
    ScenarioRejected,
    Terms,
    VehicleKind,
)
from corridor.domain.retention import Retention

T = TypeVar("T")

OPERATION_FILE = "operation.toml"

_MISSING = object()


class _Table:
    """One TOML table being read: typed look-ups that record problems and unknown keys."""

    def __init__(self, data: dict[str, Any], path: str, source: str,
                 problems: list[Problem]) -> None:
        self.data = data
        self.path = path
        self.source = source
        self.problems = problems
        self.used: set[str] = set()
        self.finished = False

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def problem(self, name: str | None, message: str) -> None:
        self.problems.append(Problem(self.source, None, self.key(name) if name else self.path or
                                     None, message))

    def _get(self, name: str, expected: str, check: Callable[[Any], bool],
             default: Any) -> Any:
        self.used.add(name)
        if name not in self.data:
            if default is _MISSING:
                self.problem(name, f"is missing: add {name} = <{expected}>")
            return None if default is _MISSING else default
        value = self.data[name]
        if not check(value):
            self.problem(name, f"{value!r} is not {expected}")
            return None
        return value

    def text(self, name: str, default: Any = _MISSING) -> Any:
        return self._get(name, "a text in quotes", lambda v: isinstance(v, str), default)

    def whole(self, name: str, default: Any = _MISSING) -> Any:
        return self._get(name, "a whole number",
                         lambda v: isinstance(v, int) and not isinstance(v, bool), default)

    def number(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, "a number", lambda v: isinstance(v, int | float)
                          and not isinstance(v, bool), default)
        return float(value) if value is not None else None

    def flag(self, name: str, default: Any = _MISSING) -> Any:
        return self._get(name, "true or false", lambda v: isinstance(v, bool), default)

    def day(self, name: str, default: Any = _MISSING) -> Any:
        return self._get(name, "a date such as 2017-03-18",
                         lambda v: isinstance(v, date) and not hasattr(v, "hour"), default)

    def clock(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, 'a time of day such as "06:00"',
                          lambda v: isinstance(v, time) or (isinstance(v, str) and _is_hhmm(v)),
                          default)
        if isinstance(value, str):
            return time(int(value[:2]), int(value[3:]))
        return value

    def texts(self, name: str, default: Any = _MISSING) -> Any:
        value = self._get(name, "a list of texts in quotes", lambda v: isinstance(v, list)
                          and all(isinstance(item, str) for item in v), default)
        return tuple(value) if value is not None else None

    def table(self, name: str, required: bool = True) -> _Table | None:
        self.used.add(name)
        value = self.data.get(name)
        if value is None:
            if required:
                self.problem(name, f"is missing: add a [{self.key(name)}] table")
            return None
        if not isinstance(value, dict):
            self.problem(name, f"must be a table [{self.key(name)}]")
            return None
        return _Table(value, self.key(name), self.source, self.problems)

    def tables(self, name: str, required: bool = True) -> list[_Table]:
        self.used.add(name)
        value = self.data.get(name)
        if value is None:
            if required:
                self.problem(name, f"is missing: add at least one [[{self.key(name)}]] table")
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.problem(name, f"must be a list of tables [[{self.key(name)}]]")
            return []
        return [_Table(item, f"{self.key(name)}[{index + 1}]", self.source, self.problems)
                for index, item in enumerate(value)]

    def finish(self) -> None:
        """Report every key this table has that nobody asked for (once)."""
        if self.finished:
            return
        self.finished = True
        for name in self.data:
            if name not in self.used:
                self.problem(name, "is not a known setting: check its spelling or remove it")

    def build(self, make: Callable[..., T], *arguments: Any) -> T | None:
        """Build a domain value; an invalid value becomes a problem at this table's key."""
        self.finish()
        try:
            return make(*arguments)
        except InvalidValue as error:
            self.problem(error.field, error.message)
            return None
        except (TypeError, AttributeError, ValueError):
            # A required value was missing or of the wrong type: that is reported already.
            if not self.problems:
                raise
            return None


def _is_hhmm(value: str) -> bool:
    return (len(value) == 5 and value[2] == ":" and value[:2].isdigit() and value[3:].isdigit()
            and int(value[:2]) < 24 and int(value[3:]) < 60)


def _coordinates(table: _Table) -> Coordinates | None:
    latitude = table.number("latitude", None)
    longitude = table.number("longitude", None)
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        table.problem("latitude", "give both latitude and longitude, or neither")
        return None
    try:
        return Coordinates(latitude, longitude)
    except InvalidValue as error:
        table.problem(error.field, error.message)
        return None


def _date_ranges(table: _Table, name: str) -> tuple[DateRange, ...]:
    ranges = []
    for span in table.tables(name, required=False):
        start, end = span.day("start"), span.day("end")
        built = span.build(DateRange, start, end)
        if built is not None:
            ranges.append(built)
    return tuple(ranges)


def _enum_values(table: _Table, name: str, kind: type[Any]) -> Any:
    values = table.texts(name)
    if values is None:
        return None
    known = {member.value for member in kind}
    wrong = [value for value in values if value not in known]
    if wrong:
        table.problem(name, f"{', '.join(map(repr, wrong))} is not one of "
                      f"{', '.join(sorted(known))}")
        return None
    return frozenset(kind(value) for value in values)


def _agreement(root: _Table) -> Agreement | None:
    table = root.table("agreement")
    if table is None:
        return None
    parties = []
    for item in table.tables("parties"):
        name, role = item.text("name"), item.text("role")
        party = item.build(Party, name, role)
        if party is not None:
            parties.append(party)
    terms = None
    terms_table = table.table("terms")
    if terms_table is not None:
        may_leave = _enum_values(terms_table, "may_leave", Category)
        settlement = terms_table.flag("settlement_option")
        allowance = terms_table.whole("luggage_allowance_per_person")
        shared = terms_table.texts("shared_fields", [])
        terms = terms_table.build(Terms, may_leave, settlement, allowance,
                                  tuple(shared) if shared is not None else ())
    window = None
    window_table = table.table("window")
    if window_table is not None:
        start, end = window_table.day("start"), window_table.day("end")
        window = window_table.build(DateRange, start, end)
    phases = []
    for item in table.tables("phases", required=False):
        name, start, end = item.text("name"), item.day("start"), item.day("end")
        quota = item.whole("quota", None)
        destinations = item.texts("destinations", ())
        dates = item.build(DateRange, start, end)
        phase = item.build(Phase, name, dates, quota, destinations)
        if phase is not None:
            phases.append(phase)
    version = table.text("version")
    guarantor = table.text("guarantor")
    monitors = table.texts("monitors", ())
    destinations = table.texts("destinations")
    return table.build(Agreement, version, tuple(parties), guarantor, monitors, terms,
                                         window, tuple(phases), destinations)


def _checkpoint(root: _Table) -> Checkpoint | None:
    table = root.table("checkpoint")
    if table is None:
        return None
    site_id, name = table.text("id"), table.text("name")
    lanes = table.whole("lanes")
    people = table.whole("people_per_hour_per_lane")
    vehicles = table.whole("vehicles_per_hour_per_lane")
    opens, closes = table.clock("opens"), table.clock("closes")
    coordinates = _coordinates(table)
    return table.build(Checkpoint, site_id, name, lanes, people, vehicles, opens, closes,
                                          coordinates)


def _assembly_points(root: _Table) -> list[AssemblyPoint]:
    points = []
    for table in root.tables("assembly_points"):
        site_id, name = table.text("id"), table.text("name")
        coordinates = _coordinates(table)
        point = table.build(AssemblyPoint, site_id, name, coordinates)
        if point is not None:
            points.append(point)
    return points


def _destinations(root: _Table) -> list[Destination]:
    destinations = []
    for table in root.tables("destinations"):
        site_id, name, pcode = table.text("id"), table.text("name"), table.text("pcode")
        coordinates = _coordinates(table)
        if coordinates is None and "latitude" not in table.data:
            table.problem("latitude", "a destination needs latitude and longitude")
        travel = table.number("travel_hours")
        capacity = table.whole("reception_capacity_per_day")
        combatants = table.flag("accepts_combatants", True)
        destination = table.build(Destination, site_id, name, pcode, coordinates, travel,
                                                      capacity, combatants)
        if destination is not None:
            destinations.append(destination)
    return destinations


def _fleet(root: _Table) -> list[FleetEntry]:
    fleet = []
    kinds = {kind.value for kind in VehicleKind}
    for table in root.tables("fleet"):
        prefix, kind = table.text("prefix"), table.text("kind")
        if kind is not None and kind not in kinds:
            table.problem("kind", f"{kind!r} is not one of {', '.join(sorted(kinds))}")
            kind = None
        count, seats = table.whole("count"), table.whole("seats")
        luggage = table.whole("luggage_capacity", 0)
        stretchers = table.whole("stretchers", 0)
        available = _date_ranges(table, "available")
        entry = table.build(FleetEntry, prefix, kind if kind is None else VehicleKind(kind),
                            count, seats, luggage, stretchers, available)
        if entry is not None:
            fleet.append(entry)
    return fleet


def _convoy_rules(root: _Table) -> ConvoyRules | None:
    table = root.table("convoy_rules")
    if table is None:
        return None
    most_vehicles = table.whole("max_vehicles_per_convoy")
    most_convoys = table.whole("max_convoys_per_day")
    earliest, latest = table.clock("departure_earliest"), table.clock("departure_latest")
    rest = table.number("rest_hours")
    ambulances = table.whole("min_ambulances_per_convoy")
    return table.build(ConvoyRules, most_vehicles, most_convoys, earliest, latest, rest,
                                           ambulances)


def _priorities(root: _Table) -> PriorityWeights | None:
    table = root.table("priorities", required=False)
    if table is None:
        return PriorityWeights()
    defaults = PriorityWeights()
    medical = table.number("medical_emergency", defaults.medical_emergency)
    vulnerable = table.number("vulnerable", defaults.vulnerable)
    other = table.number("other", defaults.other)
    return table.build(PriorityWeights, medical, vulnerable, other)


def _retention(root: _Table) -> Retention | None:
    table = root.table("retention", required=False)
    if table is None:
        return Retention()
    defaults = Retention()
    registry = table.whole("registry_days", defaults.registry_days)
    plans = table.whole("plans_days", defaults.plans_days)
    shares = table.whole("shares_days", defaults.shares_days)
    return table.build(Retention, registry, plans, shares)


def operation_from_toml(text: str, source: str = OPERATION_FILE) -> Operation:
    """Read an operation from TOML text; raise ScenarioRejected listing every problem."""
    problems: list[Problem] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioRejected([Problem(source, None, None, f"is not valid TOML: {error}")]) \
            from None
    root = _Table(data, "", source, problems)
    operation_table = root.table("operation")
    operation_id = name = timezone = None
    if operation_table is not None:
        operation_id = operation_table.text("id")
        name = operation_table.text("name")
        timezone = operation_table.text("timezone", "UTC")
        operation_table.finish()
    agreement = _agreement(root)
    assembly_points = _assembly_points(root)
    checkpoint = _checkpoint(root)
    destinations = _destinations(root)
    fleet = _fleet(root)
    convoy_rules = _convoy_rules(root)
    priorities = _priorities(root)
    retention = _retention(root)
    operation = root.build(Operation, operation_id, name, timezone, agreement,
                           tuple(assembly_points), checkpoint, tuple(destinations), tuple(fleet),
                           convoy_rules, priorities, retention)
    if problems or operation is None:
        raise ScenarioRejected(problems or [Problem(source, None, None, "could not be read")])
    return operation


def _hhmm(value: time) -> str:
    return f"{value:%H:%M}"


def _with_coordinates(values: dict[str, Any], coordinates: Coordinates | None) -> dict[str, Any]:
    if coordinates is not None:
        values["latitude"] = coordinates.latitude
        values["longitude"] = coordinates.longitude
    return values


def operation_to_dict(operation: Operation) -> dict[str, Any]:
    """The operation as the TOML document's tables, in a stable order."""
    agreement = operation.agreement
    phases = []
    for phase in agreement.phases:
        values: dict[str, Any] = {"name": phase.name, "start": phase.dates.start,
                                  "end": phase.dates.end}
        if phase.quota is not None:
            values["quota"] = phase.quota
        if phase.destinations:
            values["destinations"] = list(phase.destinations)
        phases.append(values)
    checkpoint = operation.checkpoint
    fleet = []
    for entry in operation.fleet:
        item: dict[str, Any] = {"prefix": entry.prefix, "kind": entry.kind.value,
                                "count": entry.count, "seats": entry.seats,
                                "luggage_capacity": entry.luggage_capacity,
                                "stretchers": entry.stretchers}
        if entry.available:
            item["available"] = [{"start": span.start, "end": span.end}
                                 for span in entry.available]
        fleet.append(item)
    rules = operation.convoy_rules
    document: dict[str, Any] = {
        "operation": {"id": operation.operation_id, "name": operation.name,
                      "timezone": operation.timezone},
        "agreement": {
            "version": agreement.version,
            "guarantor": agreement.guarantor,
            "monitors": list(agreement.monitors),
            "destinations": list(agreement.destinations),
            "window": {"start": agreement.window.start, "end": agreement.window.end},
            "terms": {"may_leave": sorted(category.value for category in agreement.terms.may_leave),
                      "settlement_option": agreement.terms.settlement_option,
                      "luggage_allowance_per_person":
                          agreement.terms.luggage_allowance_per_person,
                      **({"shared_fields": list(agreement.terms.shared_fields)}
                         if agreement.terms.shared_fields else {})},
            "parties": [{"name": party.name, "role": party.role} for party in agreement.parties],
            "phases": phases,
        },
        "assembly_points": [_with_coordinates({"id": point.site_id, "name": point.name},
                                              point.coordinates)
                            for point in operation.assembly_points],
        "checkpoint": _with_coordinates({
            "id": checkpoint.site_id, "name": checkpoint.name, "lanes": checkpoint.lanes,
            "people_per_hour_per_lane": checkpoint.people_per_hour_per_lane,
            "vehicles_per_hour_per_lane": checkpoint.vehicles_per_hour_per_lane,
            "opens": _hhmm(checkpoint.opens), "closes": _hhmm(checkpoint.closes)},
            checkpoint.coordinates),
        "destinations": [_with_coordinates({
            "id": site.site_id, "name": site.name, "pcode": site.pcode,
            "travel_hours": site.travel_hours,
            "reception_capacity_per_day": site.reception_capacity_per_day,
            "accepts_combatants": site.accepts_combatants}, site.coordinates)
            for site in operation.destinations],
        "fleet": fleet,
        "convoy_rules": {
            "max_vehicles_per_convoy": rules.max_vehicles_per_convoy,
            "max_convoys_per_day": rules.max_convoys_per_day,
            "departure_earliest": _hhmm(rules.departure_earliest),
            "departure_latest": _hhmm(rules.departure_latest),
            "rest_hours": rules.rest_hours,
            "min_ambulances_per_convoy": rules.min_ambulances_per_convoy},
        "priorities": {"medical_emergency": operation.priorities.medical_emergency,
                       "vulnerable": operation.priorities.vulnerable,
                       "other": operation.priorities.other},
        "retention": {"registry_days": operation.retention.registry_days,
                      "plans_days": operation.retention.plans_days,
                      "shares_days": operation.retention.shares_days},
    }
    if not phases:
        del document["agreement"]["phases"]
    return document


def operation_to_toml(operation: Operation) -> str:
    """The operation as TOML text; reading it back gives an equal operation."""
    header = ("# corridor operation: the agreement, sites, fleet and convoy rules.\n"
              "# The registry is in households.csv and persons.csv beside this file.\n\n")
    return header + tomli_w.dumps(operation_to_dict(operation))
