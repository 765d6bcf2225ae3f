"""disruption.toml: what happened since a plan was made, for ``corridor replan``.

Reading collects every problem it finds (unknown keys, wrong types, invalid values, households,
vehicles, convoys or destinations that the scenario or the plan does not know) and raises
:class:`DisruptionRejected` with all of them, each named by file and dotted key with a sentence
saying what to do. The format is described in docs/scenario-format.md.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from typing import Any

from corridor.domain import InvalidValue, Pin, Plan, Problem, Scenario
from corridor.domain.disruption import (
    ConvoyHeld,
    DestinationClosed,
    Disruption,
    VehicleOutOfService,
)
from corridor.interop.operation_toml import _Table

DISRUPTION_FILE = "disruption.toml"


class DisruptionRejected(InvalidValue):
    """A disruption file was rejected whole; ``problems`` lists every problem found."""

    code = "invalid_disruption"

    def __init__(self, problems: list[Problem]) -> None:
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        listed = "; ".join(str(problem) for problem in problems[:20])
        more = f"; and {count - 20} more" if count > 20 else ""
        super().__init__(f"the disruption file was rejected with {count} {noun}: "
                         f"{listed}{more}", "disruption")
        self.problems = problems


def _moment(table: _Table, name: str) -> datetime | None:
    value = table._get(name, "a local date and time such as 2017-03-25T06:00:00",
                       lambda v: isinstance(v, datetime), None)
    if value is None:
        if name not in table.data:
            table.problem(name, "is missing: add as_of = <the moment, e.g. 2017-03-25T06:00:00>; "
                          "convoys that were to leave before it have left")
        return None
    if value.tzinfo is not None:
        table.problem(name, "has a time zone: write the operation's local time without one, "
                      "e.g. 2017-03-25T06:00:00")
        return None
    assert isinstance(value, datetime)
    return value


def _known(table: _Table, name: str, value: str | None, known: set[str], what: str,
           where: str) -> str | None:
    if value is not None and value not in known:
        table.problem(name, f"{what} {value!r} is not in {where}: check the id")
        return None
    return value


def _ids(table: _Table, name: str, known: set[str], what: str, where: str) -> tuple[str, ...]:
    values = table.texts(name, ())
    if values is None:
        return ()
    good = []
    for value in values:
        if value not in known:
            table.problem(name, f"{what} {value!r} is not in {where}: check the id or remove it")
        else:
            good.append(value)
    return tuple(good)


def disruption_from_toml(text: str, scenario: Scenario, plan: Plan,
                         source: str = DISRUPTION_FILE) -> Disruption:
    """Read a disruption against ``scenario`` and ``plan``; DisruptionRejected lists problems."""
    problems: list[Problem] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DisruptionRejected([Problem(source, None, None, f"is not valid TOML: {error}; "
                                          "fix the syntax")]) from None
    households = {household.household_id for household in scenario.households}
    vehicles = {vehicle.vehicle_id for vehicle in scenario.operation.vehicles()}
    convoys = {convoy.convoy_id for convoy in plan.convoys}
    destinations = set(scenario.operation.agreement.destinations)
    root = _Table(data, "", source, problems)
    as_of = _moment(root, "as_of")
    departed = _ids(root, "departed", convoys, "convoy", "the plan")
    no_shows = _ids(root, "no_shows", households, "household", "the registry")
    locks = _ids(root, "locks", convoys, "convoy", "the plan")
    vehicles_out = []
    for table in root.tables("vehicles_out", required=False):
        vehicle = _known(table, "vehicle", table.text("vehicle"), vehicles, "vehicle",
                         "the fleet")
        first, last = table.day("from"), table.day("to", None)
        built = table.build(VehicleOutOfService, vehicle, first, last or first)
        if built is not None:
            vehicles_out.append(built)
    closures = []
    for table in root.tables("closures", required=False):
        destination = _known(table, "destination", table.text("destination"), destinations,
                             "destination", "the agreement")
        built_closure = table.build(DestinationClosed, destination, table.day("day"))
        if built_closure is not None:
            closures.append(built_closure)
    holds = []
    for table in root.tables("holds", required=False):
        convoy = _known(table, "convoy", table.text("convoy"), convoys, "convoy", "the plan")
        built_hold = table.build(ConvoyHeld, convoy, table.day("until"))
        if built_hold is not None:
            holds.append(built_hold)
    pins = []
    for table in root.tables("pins", required=False):
        household = _known(table, "household", table.text("household"), households,
                           "household", "the registry")
        pin_convoy = _known(table, "convoy", table.text("convoy", None), convoys, "convoy",
                            "the plan")
        day: date | None = table.day("day")
        built_pin = table.build(Pin, household, day, pin_convoy)
        if built_pin is not None:
            pins.append(built_pin)
    root.finish()
    disruption = None
    if not problems:
        disruption = root.build(Disruption, as_of, departed, no_shows, tuple(vehicles_out),
                                tuple(closures), tuple(holds), tuple(pins), locks)
    if problems or disruption is None:
        raise DisruptionRejected(problems or [Problem(source, None, None, "could not be read")])
    return disruption


def disruption_to_toml(disruption: Disruption) -> str:
    """The disruption as TOML text (for tests and examples); reading it back gives it again."""
    import tomli_w

    document: dict[str, Any] = {"as_of": disruption.as_of}
    for name in ("departed", "no_shows", "locks"):
        values = getattr(disruption, name)
        if values:
            document[name] = list(values)
    if disruption.vehicles_out:
        document["vehicles_out"] = [{"vehicle": item.vehicle_id, "from": item.first_day,
                                     "to": item.last_day} for item in disruption.vehicles_out]
    if disruption.closures:
        document["closures"] = [{"destination": item.destination_id, "day": item.day}
                                for item in disruption.closures]
    if disruption.holds:
        document["holds"] = [{"convoy": item.convoy_id, "until": item.until}
                             for item in disruption.holds]
    if disruption.pins:
        document["pins"] = [{"household": pin.household_id, "day": pin.day,
                             **({"convoy": pin.convoy_id} if pin.convoy_id else {})}
                            for pin in disruption.pins]
    return tomli_w.dumps(document)
