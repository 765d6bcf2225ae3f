"""plan.json: a plan written as JSON reads back equal; a bad document is refused with its paths."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.domain import (
    Bound,
    BoundKind,
    Convoy,
    ManifestLine,
    Pin,
    Plan,
    ScenarioRejected,
    Unplanned,
    UnplannedReason,
    VehicleKind,
    VehicleTrip,
)
from corridor.interop.plan_json import MAX_PROBLEMS, plan_from_json, plan_to_json


def plan() -> Plan:
    """A small plan for the builders' scenario: two convoys, the second one locked."""
    first = Convoy("C1", date(2017, 3, 18), datetime(2017, 3, 18, 6), "jarablus", (
        VehicleTrip("BUS-01", VehicleKind.BUS,
                    (ManifestLine("H1", ("P3",), luggage_pieces=2),)),
        VehicleTrip("AMB-01", VehicleKind.AMBULANCE,
                    (ManifestLine("H1", ("P1", "P2"), ("P2",)),)),
        VehicleTrip("TRK-01", VehicleKind.LUGGAGE_TRUCK,
                    (ManifestLine("H1", (), luggage_pieces=2),)),
    ))
    second = Convoy("C2", date(2017, 3, 19), datetime(2017, 3, 19, 7, 30), "idlib", (
        VehicleTrip("BUS-02", VehicleKind.BUS,
                    (ManifestLine("H3", ("P5",), luggage_pieces=2),)),
    ), locked=True)
    return Plan(
        operation_id="al-waer-test",
        agreement_version="2017-03-13",
        seed=7,
        convoys=(first, second),
        unplanned=(Unplanned("H2", 1, UnplannedReason.NOT_ELIGIBLE,
                             "Khaled Nasser stays under the settlement"),),
        bounds=(Bound(BoundKind.DAYS, "reception", 2, "reception",
                      "Idlib receives 800 people a day"),
                Bound(BoundKind.TRIPS, "seats", 2, "seats", "45 seats a bus")),
        days=3,
        proven_optimal_days=True,
        binding_constraint="reception",
        pins=(Pin("H3", date(2017, 3, 19)), Pin("H1", date(2017, 3, 18), "C1")),
        split_households=("H1",),
    )


EXPECTED = """\
{
  "format": "corridor-plan",
  "version": 1,
  "operation_id": "al-waer-test",
  "agreement_version": "2017-03-13",
  "seed": 7,
  "days": 3,
  "proven_optimal_days": true,
  "binding_constraint": "reception",
  "bounds": [
    {"kind": "days", "name": "reception", "value": 2, "constraint": "reception", \
"explanation": "Idlib receives 800 people a day"},
    {"kind": "trips", "name": "seats", "value": 2, "constraint": "seats", \
"explanation": "45 seats a bus"}
  ],
  "unplanned": [
    {"household_id": "H2", "people": 1, "reason": "not_eligible", \
"explanation": "Khaled Nasser stays under the settlement"}
  ],
  "pins": [
    {"household_id": "H3", "day": "2017-03-19", "convoy_id": null},
    {"household_id": "H1", "day": "2017-03-18", "convoy_id": "C1"}
  ],
  "split_households": ["H1"],
  "convoys": [
    {"convoy_id": "C1", "day": "2017-03-18", "departure": "2017-03-18T06:00", \
"destination": "jarablus", "trips": [
      {"vehicle_id": "BUS-01", "kind": "bus", "lines": [{"household_id": "H1", \
"persons": ["P3"], "luggage_pieces": 2}]},
      {"vehicle_id": "AMB-01", "kind": "ambulance", "lines": [{"household_id": "H1", \
"persons": ["P1", "P2"], "on_stretcher": ["P2"]}]},
      {"vehicle_id": "TRK-01", "kind": "luggage_truck", "lines": [{"household_id": "H1", \
"persons": [], "luggage_pieces": 2}]}
    ]},
    {"convoy_id": "C2", "day": "2017-03-19", "departure": "2017-03-19T07:30", \
"destination": "idlib", "locked": true, "trips": [
      {"vehicle_id": "BUS-02", "kind": "bus", "lines": [{"household_id": "H3", \
"persons": ["P5"], "luggage_pieces": 2}]}
    ]}
  ]
}
"""


def _document() -> dict[str, Any]:
    """The small plan's document as Python data, for a test to spoil."""
    document: dict[str, Any] = json.loads(plan_to_json(plan()))
    return document


def _problems(document: Any, source: str = "plan.json") -> list[str]:
    """The problems found reading ``document`` (Python data), as the CLI would show them."""
    with pytest.raises(ScenarioRejected) as rejected:
        plan_from_json(json.dumps(document), source)
    return [str(problem) for problem in rejected.value.problems]


# -- writing and reading back ----------------------------------------------------------------


def test_plan_comes_back_equal() -> None:
    """Every field of the plan, down to each manifest line, survives writing and reading."""
    assert plan_from_json(plan_to_json(plan())) == plan()


def test_document_is_written_as_the_format_says() -> None:
    """The version 1 layout: header fields, one list item or vehicle trip a text line."""
    assert plan_to_json(plan()) == EXPECTED


def test_same_plan_gives_the_same_text() -> None:
    """Two equal plans built apart are written byte for byte the same."""
    assert plan_to_json(plan()).encode() == plan_to_json(plan()).encode()


def test_text_beyond_ascii_is_written_as_it_is() -> None:
    """Arabic place names stay readable in the document and come back unchanged."""
    original = plan()
    arabic = Plan(**{**_fields(original), "binding_constraint": "استقبال إدلب"})
    text = plan_to_json(arabic)
    assert "استقبال إدلب" in text
    assert plan_from_json(text) == arabic


def test_a_departure_with_seconds_keeps_them() -> None:
    """Minutes are the usual precision; a time with seconds is written and read with them."""
    convoy = Convoy("C1", date(2017, 3, 18), datetime(2017, 3, 18, 6, 0, 30, 250),
                    "jarablus", plan().convoys[0].trips)
    timed = Plan(**{**_fields(plan()), "convoys": (convoy,)})
    text = plan_to_json(timed)
    assert '"departure": "2017-03-18T06:00:30.000250"' in text
    assert plan_from_json(text) == timed


def test_fields_at_their_default_may_be_left_out() -> None:
    """Pins, split households, a pin's convoy, locked, on_stretcher and luggage have defaults."""
    document = _document()
    del document["pins"], document["split_households"]
    del document["convoys"][1]["locked"]
    del document["convoys"][0]["trips"][0]["lines"][0]["luggage_pieces"]
    del document["convoys"][0]["trips"][1]["lines"][0]["on_stretcher"]
    read = plan_from_json(json.dumps(document))
    assert read.pins == () and read.split_households == ()
    assert read.convoys[1].locked is False
    assert read.convoys[0].trips[0].lines[0].luggage_pieces == 0
    assert read.convoys[0].trips[1].lines[0].on_stretcher == ()


def _fields(value: Plan) -> dict[str, Any]:
    return {name: getattr(value, name) for name in Plan.__dataclass_fields__}


# -- refusing bad documents ------------------------------------------------------------------


def test_missing_field_is_named_by_its_json_path() -> None:
    """A missing vehicle id is reported at convoys[i].trips[j].vehicle_id, indexes from 0."""
    document = _document()
    del document["convoys"][1]["trips"][0]["vehicle_id"]
    assert _problems(document) == ["plan.json, convoys[1].trips[0].vehicle_id: is missing"]


def test_every_problem_is_listed_in_document_order() -> None:
    """Wrong types, unknown fields, unknown values and bad dates all come out at once."""
    document = _document()
    document["seed"] = "7"
    document["colour"] = "red"
    document["bounds"][1]["kind"] = "hours"
    document["pins"][0]["day"] = "18/03/2017"
    document["convoys"][0]["departure"] = "2017-03-18 06:00"
    document["convoys"][0]["trips"][0]["kind"] = "minibus"
    document["convoys"][0]["trips"][2]["lines"][0]["luggage_pieces"] = True
    document["convoys"][1]["trips"][0]["lines"][0]["persons"] = "P5"
    assert _problems(document, "plans/C1.json") == [
        "plans/C1.json, colour: is not a known field: check its spelling or remove it",
        'plans/C1.json, seed: "7" is not a whole number',
        'plans/C1.json, bounds[1].kind: "hours" is not one of days, trips',
        'plans/C1.json, pins[0].day: "18/03/2017" is not a date such as 2017-03-18',
        'plans/C1.json, convoys[0].departure: "2017-03-18 06:00" is not a time such as '
        "2017-03-18T06:00",
        'plans/C1.json, convoys[0].trips[0].kind: "minibus" is not one of bus, ambulance, '
        "luggage_truck",
        "plans/C1.json, convoys[0].trips[2].lines[0].luggage_pieces: true is not a whole number",
        'plans/C1.json, convoys[1].trips[0].lines[0].persons: "P5" is not a list of texts in '
        "quotes",
    ]


def test_values_the_domain_refuses_are_problems_at_their_path() -> None:
    """InvalidValue from a constructor becomes a problem at the field it names."""
    document = _document()
    document["convoys"][0]["departure"] = "2017-03-19T06:00"
    document["convoys"][0]["trips"][0]["lines"][0]["luggage_pieces"] = -1
    document["convoys"][0]["trips"][1]["lines"][0]["on_stretcher"] = ["P9"]
    document["convoys"][1]["trips"] = []
    assert _problems(document) == [
        "plan.json, convoys[0].trips[0].lines[0].luggage_pieces: luggage pieces cannot be "
        "negative",
        "plan.json, convoys[0].trips[1].lines[0].on_stretcher: a person on a stretcher must be "
        "one of the line's persons",
        "plan.json, convoys[0].departure: convoy C1 departs on 2017-03-19, not on its day "
        "2017-03-18",
        "plan.json, convoys[1].trips: convoy C2 has no vehicles",
    ]


def test_a_line_that_carries_nothing_is_refused() -> None:
    """A manifest line with no persons and no luggage is named by its path."""
    document = _document()
    document["convoys"][0]["trips"][2]["lines"][0]["luggage_pieces"] = 0
    assert _problems(document) == [
        "plan.json, convoys[0].trips[2].lines[0].persons: a manifest line of household H1 "
        "carries nothing"]


def test_items_of_the_wrong_shape_are_named() -> None:
    """A list that is an object, an item that is no object, a month 13: each is a problem."""
    document = _document()
    document["bounds"] = {"kind": "days"}
    document["unplanned"][0] = "H2"
    document["pins"][1]["day"] = "2017-13-01"
    document["convoys"][0]["trips"][1]["lines"][0] = ["H1", ["P1", "P2"]]
    document["convoys"][1]["trips"][0]["lines"] = None
    assert _problems(document) == [
        'plan.json, bounds: {"kind": "days"} is not a list [...]',
        'plan.json, unplanned[0]: "H2" is not an object {...}',
        'plan.json, pins[1].day: "2017-13-01" is not a date such as 2017-03-18',
        'plan.json, convoys[0].trips[1].lines[0]: ["H1", ["P1", "P2"]] is not an object {...}',
        "plan.json, convoys[1].trips[0].lines: null is not a list [...]",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("{", "plan.json: is not valid JSON: Expecting property name enclosed in double quotes at "
          "line 1 column 2"),
    ("[1, 2]", 'plan.json: is not a corridor plan: it must be a JSON object {"format": '
               '"corridor-plan", "version": 1, ...}'),
    ('{"format": "corridor-scenario", "version": 1}',
     'plan.json, format: "corridor-scenario" is not "corridor-plan": this is not a corridor plan'),
    ('{"format": "corridor-plan", "version": 2, "convoys": 3}',
     "plan.json, version: version 2 is newer than this corridor reads (1): upgrade corridor"),
    ('{"format": "corridor-plan", "version": "1"}',
     'plan.json, version: "1" is not a version this corridor reads; it reads version 1'),
    ('{"format": "corridor-plan"}',
     "plan.json, version: null is not a version this corridor reads; it reads version 1"),
])
def test_a_document_that_is_no_plan_is_refused_with_one_sentence(text: str,
                                                                 expected: str) -> None:
    """Not JSON, no object, another format or another version: one problem, nothing more."""
    with pytest.raises(ScenarioRejected) as rejected:
        plan_from_json(text)
    assert [str(problem) for problem in rejected.value.problems] == [expected]


def test_reading_stops_after_ten_thousand_problems() -> None:
    """A document wrong everywhere names its first problems and says reading stopped."""
    document = _document()
    document["convoys"][0]["trips"][0]["lines"] = [{"household_id": 1, "persons": []}] * 20_000
    problems = _problems(document)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0] == ("plan.json, convoys[0].trips[0].lines[0].household_id: 1 is not a "
                           "text in quotes")
    assert problems[-1] == f"plan.json: reading stopped after {MAX_PROBLEMS} problems"


# -- properties --------------------------------------------------------------------------------

TEXT = st.text(max_size=12)
IDS = st.text(min_size=1, max_size=8)


@st.composite
def manifest_lines(draw: st.DrawFn) -> ManifestLine:
    """A valid manifest line: persons, some of them on stretchers, or luggage alone."""
    persons = tuple(draw(st.lists(IDS, max_size=4, unique=True)))
    on_stretcher = tuple(draw(st.lists(st.sampled_from(persons), max_size=2, unique=True))) \
        if persons else ()
    luggage = draw(st.integers(0 if persons else 1, 500))
    return ManifestLine(draw(IDS), persons, on_stretcher, luggage)


TRIPS = st.builds(VehicleTrip, IDS, st.sampled_from(VehicleKind),
                  st.lists(manifest_lines(), max_size=3).map(tuple))


@st.composite
def convoys(draw: st.DrawFn) -> Convoy:
    """A valid convoy: it departs on its day, at any time, with one vehicle or more."""
    day = draw(st.dates())
    departure = datetime.combine(day, draw(st.times()))
    return Convoy(draw(IDS), day, departure, draw(IDS),
                  tuple(draw(st.lists(TRIPS, min_size=1, max_size=3))), draw(st.booleans()))


PLANS = st.builds(
    Plan,
    operation_id=IDS,
    agreement_version=TEXT,
    seed=st.integers(),
    convoys=st.lists(convoys(), max_size=3).map(tuple),
    unplanned=st.lists(st.builds(Unplanned, IDS, st.integers(), st.sampled_from(UnplannedReason),
                                 TEXT), max_size=2).map(tuple),
    bounds=st.lists(st.builds(Bound, st.sampled_from(BoundKind), TEXT, st.integers(), TEXT,
                              TEXT), max_size=2).map(tuple),
    days=st.integers(),
    proven_optimal_days=st.booleans(),
    binding_constraint=TEXT,
    pins=st.lists(st.builds(Pin, IDS, st.dates(), st.none() | IDS), max_size=2).map(tuple),
    split_households=st.lists(IDS, max_size=2).map(tuple),
)


@given(PLANS)
def test_any_plan_comes_back_equal_and_is_written_one_way(original: Plan) -> None:
    """Property: reading what was written gives an equal plan; writing again gives the same text."""
    text = plan_to_json(original)
    read = plan_from_json(text)
    assert read == original
    assert plan_to_json(read) == text


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value inside a JSON document (keys and list indexes)."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _places(item, (*path, index))
    return found


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=2),
    max_leaves=4)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_spoiled_document_gives_a_plan_or_problems_and_nothing_else(data: st.DataObject) -> None:
    """Property: whatever value is replaced or removed, reading raises only ScenarioRejected."""
    document = _document()
    places = [place for place in _places(document) if place]
    for _ in range(data.draw(st.integers(1, 3))):
        place = data.draw(st.sampled_from(places))
        parent: Any = document
        try:
            for step in place[:-1]:
                parent = parent[step]
            if data.draw(st.booleans()):
                parent[place[-1]] = data.draw(JSON_VALUES)
            else:
                del parent[place[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this place
    try:
        plan_from_json(json.dumps(document))
    except ScenarioRejected as rejected:
        assert rejected.problems
        assert all(problem.file == "plan.json" for problem in rejected.problems)


@pytest.mark.parametrize("departure", [time(0, 0), time(23, 59, 59, 999_999)])
def test_departures_at_the_edges_of_the_day_come_back(departure: time) -> None:
    """Midnight and the last microsecond of a day are written and read exactly."""
    day = date(2017, 3, 18)
    convoy = Convoy("C1", day, datetime.combine(day, departure), "jarablus",
                    plan().convoys[0].trips)
    edge = Plan(**{**_fields(plan()), "convoys": (convoy,)})
    assert plan_from_json(plan_to_json(edge)) == edge
