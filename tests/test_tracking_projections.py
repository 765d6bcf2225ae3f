"""Projections: each person's status, counts by stage that never double count, conflicts counted
once until resolved, and the reconciliation of a convoy."""

from __future__ import annotations

from datetime import datetime

import pytest

from corridor.domain import Intent
from corridor.domain.errors import InvalidValue
from corridor.domain.events import (
    EventKind,
    Headcount,
    Incident,
    ScreeningDecision,
    Severity,
    Source,
    Stage,
    Verification,
)
from corridor.tracking.projections import (
    GROUPINGS,
    CountKey,
    DiscrepancyKind,
    Projection,
    project,
)
from corridor.tracking.scans import (
    Recorded,
    board,
    change_intent,
    check_in,
    disembark,
    report,
    resolve_conflict,
    screen,
    upload,
    void,
)
from tests.test_tracking_fixtures import Field, phone, supervisor

CLEARED = ScreeningDecision.CLEARED
NIGHT = datetime(2017, 3, 21, 1, 0)


@pytest.fixture
def field() -> Field:
    """An empty log over the crossing."""
    return Field()


def _now(field: Field) -> Projection:
    return project(field.roster, field.all())


def _boarded(field: Field, household_id: str = "H1", vehicle_id: str = "BUS-001") -> None:
    """Check in, clear and board a household of convoy C1."""
    context = phone(field.roster)
    check_in(field.log, context, household_id, "C1", nonce=field.nonce(), device_time=field.at(1))
    screen(field.log, context, household_id, CLEARED, nonce=field.nonce(),
           device_time=field.at(2))
    assert board(field.log, context, household_id, "C1", vehicle_id, nonce=field.nonce(),
                 device_time=field.at(3)).accepted


def _depart(field: Field, convoy_id: str = "C1") -> None:
    report(field.log, phone(field.roster), EventKind.CONVOY_DEPARTED, nonce=field.nonce(),
           device_time=field.at(180), convoy_id=convoy_id)


def _arrive(field: Field, convoy_id: str = "C1") -> None:
    report(field.log, phone(field.roster), EventKind.CONVOY_ARRIVED, nonce=field.nonce(),
           device_time=NIGHT, convoy_id=convoy_id)


def _two_phones_board_h1(field: Field) -> tuple[str, str]:
    """Two phones, offline, each board H1: on BUS-001 at 07:10, on BUS-002 at 07:05."""
    upload(field.log, phone(field.roster, "phone-1"),
           [Recorded("p1-board", EventKind.BOARDED, field.at(70), "H1", ("P1", "P2", "P3"), "C1",
                     "BUS-001")])
    upload(field.log, phone(field.roster, "phone-2"),
           [Recorded("p2-board", EventKind.BOARDED, field.at(65), "H1", ("P1", "P2", "P3"), "C1",
                     "BUS-002")])
    return "p1-board", "p2-board"


def test_a_person_moves_through_the_stages(field: Field) -> None:
    """Checked in, screened, boarded, departed, arrived, each from its own evidence."""
    context = phone(field.roster)
    stages = []
    check_in(field.log, context, "H3", "C1", nonce="a", device_time=field.at(1))
    stages.append(_now(field).persons["P5"].stage)
    screen(field.log, context, "H3", CLEARED, nonce="b", device_time=field.at(2))
    stages.append(_now(field).persons["P5"].stage)
    board(field.log, context, "H3", "C1", "BUS-002", nonce="c", device_time=field.at(3))
    stages.append(_now(field).persons["P5"].stage)
    _depart(field)
    stages.append(_now(field).persons["P5"].stage)
    disembark(field.log, context, "H3", "C1", nonce="e", device_time=NIGHT)
    stages.append(_now(field).persons["P5"].stage)
    assert stages == [Stage.CHECKED_IN, Stage.SCREENED, Stage.BOARDED, Stage.DEPARTED,
                      Stage.ARRIVED]


def test_a_person_counts_in_their_trips_row(field: Field) -> None:
    """A person on no scan yet counts as registered in the row of the trip the plan gives them."""
    status = _now(field).persons["P7"]
    assert (status.convoy_id, status.vehicle_id, status.destination) == ("C2", "BUS-001",
                                                                        "idlib")
    assert status.day is not None and status.day.isoformat() == "2017-03-21"


def test_a_boarding_on_two_vehicles_counts_once_on_the_earliest(field: Field) -> None:
    """Two phones offline boarding the same household: one count, on the earlier device time."""
    _, earlier = _two_phones_board_h1(field)
    view = _now(field)
    assert view.total().boarded == 3
    assert view.persons["P1"].boarding == earlier and view.persons["P1"].vehicle_id == "BUS-002"
    assert {c.person_id for c in view.conflicts} == {"P1", "P2", "P3"}
    assert [view.persons[p].conflict for p in ("P1", "P2", "P3", "P5")] == [True, True, True,
                                                                            False]


def test_a_resolution_decides_the_boarding_that_counts(field: Field) -> None:
    """After the supervisor keeps BUS-001, the conflict is gone and the count moves there."""
    later, _ = _two_phones_board_h1(field)
    decided = resolve_conflict(field.log, supervisor(field.roster), "H1", later,
                               reason="the driver's list shows them on BUS-001", nonce="r",
                               device_time=field.at(90))
    assert decided.accepted and decided.person_ids == ("P1", "P2", "P3")
    view = _now(field)
    assert view.conflicts == ()
    assert view.persons["P1"].vehicle_id == "BUS-001" and view.total().boarded == 3
    assert view.counts(("vehicle",))[CountKey(vehicle_id="BUS-001")].boarded == 3


def test_a_new_boarding_after_a_resolution_reopens_the_conflict(field: Field) -> None:
    """A third vehicle the decision did not see opens the conflict again."""
    later, _ = _two_phones_board_h1(field)
    resolve_conflict(field.log, supervisor(field.roster), "H1", later, reason="driver's list",
                     nonce="r", device_time=field.at(90))
    upload(field.log, phone(field.roster, "phone-3"),
           [Recorded("p3-board", EventKind.BOARDED, field.at(95), "H1", ("P1",), "C2",
                     "BUS-001")])
    view = _now(field)
    assert [c.person_id for c in view.conflicts] == ["P1"]
    assert view.total().boarded == 3


def test_voiding_one_of_two_boardings_ends_the_conflict(field: Field) -> None:
    """With one boarding voided, the other counts and nothing is in conflict."""
    later, earlier = _two_phones_board_h1(field)
    void(field.log, supervisor(field.roster), earlier, reason="scanned at the wrong bus",
         nonce="v", device_time=field.at(90))
    view = _now(field)
    assert view.conflicts == () and view.persons["P2"].boarding == later


def test_a_hold_after_boarding_takes_the_person_off(field: Field) -> None:
    """Held at the checkpoint after boarding: no longer counted as boarded."""
    _boarded(field)
    screen(field.log, phone(field.roster), "H1", ScreeningDecision.HELD, nonce="h",
           device_time=field.at(20), person_ids=("P2",), reason="taken off at the search")
    view = _now(field)
    assert view.persons["P2"].stage is Stage.CHECKED_IN and view.persons["P2"].held
    assert view.persons["P1"].stage is Stage.BOARDED


def test_changing_intent_to_stay_is_a_flag_not_a_stage(field: Field) -> None:
    """Someone who now stays keeps their stage and counts among those staying."""
    check_in(field.log, phone(field.roster), "H3", "C1", nonce="a", device_time=field.at(1))
    change_intent(field.log, phone(field.roster), "H3", Intent.STAY, nonce="b",
                  device_time=field.at(2), person_ids=("P6",))
    view = _now(field)
    assert view.persons["P6"].stays and view.persons["P6"].stage is Stage.CHECKED_IN
    assert view.total().stays == 2  # P4 registered as staying, P6 now


def test_duplicated_events_are_counted_once(field: Field) -> None:
    """The same events projected twice over count as once."""
    _boarded(field)
    events = field.all()
    assert project(field.roster, events + events).total() == project(field.roster,
                                                                     events).total()


@pytest.mark.parametrize("grouping", [(), ("convoy",), ("destination",), ("day",),
                                      ("vehicle",), ("convoy", "vehicle"), GROUPINGS])
def test_rows_of_any_grouping_add_up_to_the_total(field: Field,
                                                   grouping: tuple[str, ...]) -> None:
    """Every person is in one row: the rows of a grouping sum to the whole."""
    _boarded(field)
    _boarded(field, "H3", "BUS-002")
    _two_phones_board_h1(field)
    view = _now(field)
    rows = view.counts(grouping)
    assert sum(rows.values(), start=type(view.total())()) == view.total()
    assert view.total().registered == len(field.roster.persons)


def test_counts_by_convoy_and_destination(field: Field) -> None:
    """Boarded persons of C1 count under C1 and Jarablus."""
    _boarded(field)
    view = _now(field)
    assert view.counts(("convoy",))[CountKey(convoy_id="C1")].boarded == 3
    assert view.counts(("destination",))[CountKey(destination="jarablus")].boarded == 3
    assert view.counts(("destination",))[CountKey(destination="idlib")].registered == 1


def test_an_unknown_grouping_is_refused(field: Field) -> None:
    """Counts are grouped only by convoy, vehicle, destination and day."""
    with pytest.raises(ValueError, match="grouped by"):
        _now(field).counts(("household",))


def _kinds(field: Field, convoy_id: str = "C1") -> set[DiscrepancyKind]:
    return {d.kind for d in _now(field).reconcile(convoy_id)}


def test_a_clean_convoy_reconciles_without_discrepancy(field: Field) -> None:
    """Everyone checked in, cleared, boarded, departed and disembarked: nothing to report."""
    _boarded(field)
    _boarded(field, "H3", "BUS-002")
    _depart(field)
    _arrive(field)
    disembark(field.log, phone(field.roster), "H1", "C1", nonce="d1", device_time=NIGHT)
    disembark(field.log, phone(field.roster), "H3", "C1", nonce="d3", device_time=NIGHT)
    assert _now(field).reconcile("C1") == []


def test_reconcile_lists_boarded_but_not_arrived(field: Field) -> None:
    """After the convoy arrived, whoever boarded and did not disembark is listed."""
    _boarded(field)
    _boarded(field, "H3", "BUS-002")
    _depart(field)
    _arrive(field)
    disembark(field.log, phone(field.roster), "H3", "C1", nonce="d3", device_time=NIGHT)
    found = _now(field).reconcile("C1")
    missing = {d.person_id for d in found if d.kind is DiscrepancyKind.BOARDED_NOT_ARRIVED}
    assert missing == {"P1", "P2", "P3"}
    assert DiscrepancyKind.COUNTS_DIFFER in {d.kind for d in found}


def test_reconcile_lists_arrived_but_never_boarded(field: Field) -> None:
    """Someone who got off the convoy without a boarding is listed."""
    disembark(field.log, phone(field.roster), "H3", "C1", nonce="d3", device_time=NIGHT)
    assert DiscrepancyKind.ARRIVED_NOT_BOARDED in _kinds(field)


def test_reconcile_lists_boardings_without_check_in_or_screening(field: Field) -> None:
    """A paper tally of a boarding with no check-in shows both gaps and the tally's origin."""
    upload(field.log, phone(field.roster),
           [Recorded("t1", EventKind.BOARDED, field.at(50), "H3", ("P5", "P6"), "C1", "BUS-002",
                     reason="sheet 3")], Source.PAPER_TALLY)
    assert {DiscrepancyKind.BOARDED_NOT_CHECKED_IN,
            DiscrepancyKind.BOARDED_NOT_SCREENED} <= _kinds(field)


def test_reconcile_lists_boardings_off_the_manifest_and_conflicts(field: Field) -> None:
    """H1 boarded on BUS-002 (off its manifest) and on BUS-001: both are listed."""
    _two_phones_board_h1(field)
    assert {DiscrepancyKind.BOARDED_OFF_MANIFEST, DiscrepancyKind.CONFLICT} <= _kinds(field)


def test_reconcile_lists_who_did_not_board_before_departure(field: Field) -> None:
    """Listed on the convoy, not boarded when it left: listed, with why when known."""
    _boarded(field)
    _depart(field)
    found = [d for d in _now(field).reconcile("C1") if d.kind is DiscrepancyKind.NOT_BOARDED]
    assert {d.person_id for d in found} == {"P5", "P6"}
    assert "no record of why" in found[0].sentence


def test_reconcile_compares_headcounts_with_scans(field: Field) -> None:
    """A paper tally of 4 on BUS-001 against 3 scanned boardings is a discrepancy."""
    _boarded(field)
    upload(field.log, phone(field.roster),
           [Recorded("t1", EventKind.HEADCOUNT_REPORTED, field.at(60), convoy_id="C1",
                     vehicle_id="BUS-001", payload=Headcount(Stage.BOARDED, 4))],
           Source.PAPER_TALLY)
    found = [d for d in _now(field).reconcile("C1")
             if d.kind is DiscrepancyKind.HEADCOUNT_DIFFERS]
    assert [d.sentence for d in found] == ["the paper tally of BUS-001 says 4 boarded, the "
                                           "scans 3"]


def test_a_matching_headcount_is_no_discrepancy(field: Field) -> None:
    """A convoy lead's count equal to the scans adds nothing."""
    _boarded(field)
    report(field.log, phone(field.roster), EventKind.HEADCOUNT_REPORTED, nonce="h",
           device_time=field.at(60), convoy_id="C1", vehicle_id="BUS-001",
           payload=Headcount(Stage.BOARDED, 3))
    assert DiscrepancyKind.HEADCOUNT_DIFFERS not in _kinds(field)


def test_an_incident_is_as_its_latest_report(field: Field) -> None:
    """A later report of the same incident updates its verification."""
    first = Incident("I1", "shots fired", Severity.HIGH, "checkpoint lane 2", ("government",),
                     "SARC monitor")
    later = Incident("I1", "shots fired", Severity.HIGH, "checkpoint lane 2", ("government",),
                     "SARC monitor", Verification.VERIFIED)
    for nonce, minute, incident in (("i2", 30, later), ("i1", 10, first)):
        report(field.log, phone(field.roster), EventKind.INCIDENT_REPORTED, nonce=nonce,
               device_time=field.at(minute), payload=incident)
    assert _now(field).incidents() == {"I1": later}


def test_a_batch_with_a_bad_item_stores_nothing(field: Field) -> None:
    """An upload whose last item lists a person twice is refused before the first is stored."""
    batch = [Recorded("u1", EventKind.CHECKED_IN, field.at(1), "H1", ("P1",), "C1"),
             Recorded("u2", EventKind.CHECKED_IN, field.at(1), "H3", ("P5", "P5"), "C1")]
    with pytest.raises(InvalidValue):
        upload(field.log, phone(field.roster), batch)
    assert field.all() == []
