"""Protection follow-up cases: opened by a hold, a refusal to pass, a separation or a household
leaving without a member; open until a protection officer resolves them."""

from __future__ import annotations

import pytest

from corridor.domain.events import EventKind, RefusalReason, ScreeningDecision
from corridor.tracking.cases import CaseKind, FollowUpCase, follow_up_cases, open_cases
from corridor.tracking.projections import project
from corridor.tracking.scans import (
    board,
    check_in,
    report,
    resolve_case,
    screen,
    void,
)
from tests.test_tracking_fixtures import Field, phone, supervisor


@pytest.fixture
def field() -> Field:
    """An empty log over the crossing."""
    return Field()


def _cases(field: Field) -> list[FollowUpCase]:
    return follow_up_cases(project(field.roster, field.all()))


def _hold(field: Field, decision: ScreeningDecision = ScreeningDecision.HELD,
          nonce: str = "hold") -> None:
    """Check H1 in and hold P3 (or refuse them passage)."""
    check_in(field.log, phone(field.roster), "H1", "C1", nonce="in", device_time=field.at(1))
    screen(field.log, phone(field.roster), "H1", decision, nonce=nonce, device_time=field.at(2),
           person_ids=("P3",), reason="name matches a wanted list")


def test_a_hold_opens_a_case_for_the_person(field: Field) -> None:
    """Held at the checkpoint: one open case, with the reason given."""
    _hold(field)
    (case,) = _cases(field)
    assert (case.kind, case.person_id, case.household_id) == (CaseKind.HELD, "P3", "H1")
    assert case.reason == "name matches a wanted list" and case.is_open
    assert case.opened_at == field.at(2) and case.opened_by == "hold"


def test_a_refusal_to_pass_opens_a_case(field: Field) -> None:
    """Not let through at the checkpoint: a not_passed case."""
    _hold(field, ScreeningDecision.NOT_PASSED)
    assert [case.kind for case in _cases(field)] == [CaseKind.NOT_PASSED]


def test_a_later_clearance_does_not_close_the_case(field: Field) -> None:
    """Cleared afterwards, the person's case stays open until resolved."""
    _hold(field)
    screen(field.log, phone(field.roster), "H1", ScreeningDecision.CLEARED, nonce="clear",
           device_time=field.at(30), person_ids=("P3",))
    assert [case.is_open for case in _cases(field)] == [True]


def test_a_resolution_closes_the_case_and_keeps_it_listed(field: Field) -> None:
    """Resolved cases leave the open list and stay in the full list, naming the resolution."""
    _hold(field)
    (case,) = _cases(field)
    resolve_case(field.log, supervisor(field.roster), "H1", case.case_id,
                 reason="released, rejoined the family", nonce="done", device_time=field.at(90))
    (closed,) = _cases(field)
    assert closed.resolved_by == "done" and not closed.is_open
    assert open_cases(project(field.roster, field.all())) == []


def test_a_resolved_case_cannot_be_resolved_again(field: Field) -> None:
    """A second resolution is refused as unknown_case (no open case has that id)."""
    _hold(field)
    (case,) = _cases(field)
    resolve_case(field.log, supervisor(field.roster), "H1", case.case_id, reason="released",
                 nonce="done", device_time=field.at(90))
    again = resolve_case(field.log, supervisor(field.roster), "H1", case.case_id,
                         reason="released", nonce="again", device_time=field.at(91))
    assert again.refusal is RefusalReason.UNKNOWN_CASE


def test_a_voided_hold_opens_no_case(field: Field) -> None:
    """A hold recorded by mistake and voided leaves no case."""
    _hold(field)
    void(field.log, supervisor(field.roster), "hold", reason="wrong person scanned", nonce="v",
         device_time=field.at(3))
    assert _cases(field) == []


def test_a_reported_separation_opens_a_case(field: Field) -> None:
    """An officer's report of a separated person opens a separated case."""
    report(field.log, phone(field.roster), EventKind.SEPARATION_REPORTED, nonce="sep",
           device_time=field.at(5), household_id="H3", person_ids=("P6",),
           reason="boy lost in the crowd at the gate")
    assert [(c.kind, c.person_id) for c in _cases(field)] == [(CaseKind.SEPARATED, "P6")]


def test_a_household_leaving_without_a_member_opens_a_left_behind_case(field: Field) -> None:
    """The convoy departs with P1 and P2 on board and P3 held: P3 is left behind."""
    _hold(field)
    screen(field.log, phone(field.roster), "H1", ScreeningDecision.CLEARED, nonce="clear",
           device_time=field.at(2), person_ids=("P1", "P2"))
    board(field.log, phone(field.roster), "H1", "C1", "BUS-001", nonce="board",
          device_time=field.at(3), person_ids=("P1", "P2"))
    assert {c.kind for c in _cases(field)} == {CaseKind.HELD}
    report(field.log, phone(field.roster), EventKind.CONVOY_DEPARTED, nonce="gone",
           device_time=field.at(180), convoy_id="C1")
    kinds = {(c.kind, c.person_id) for c in _cases(field)}
    assert kinds == {(CaseKind.HELD, "P3"), (CaseKind.LEFT_BEHIND, "P3")}


def test_a_whole_household_left_behind_opens_no_separation_case(field: Field) -> None:
    """A household none of whose members left is not separated (the reconciliation lists it)."""
    report(field.log, phone(field.roster), EventKind.CONVOY_DEPARTED, nonce="gone",
           device_time=field.at(180), convoy_id="C1")
    assert _cases(field) == []
