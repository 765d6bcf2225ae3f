"""Events: stable codes, one sentence each, payloads that match their kinds, and the field
operations page documenting every refusal code with its sentence."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from corridor import tracking
from corridor.domain.errors import InvalidValue
from corridor.domain.events import (
    ACCEPTED,
    PAYLOADS,
    REFUSALS,
    Event,
    EventKind,
    Incident,
    RefusalReason,
    ScanOutcome,
    Screening,
    ScreeningDecision,
    Severity,
    Source,
    Stage,
)
from corridor.tracking.scans import ACTIONS

DOC = (Path(__file__).resolve().parents[1] / "docs" / "field-operations.md").read_text(
    encoding="utf-8")
MORNING = datetime(2017, 3, 20, 7, 0)


def _check_in(**changes: object) -> Event:
    event = Event("n1", EventKind.CHECKED_IN, "al-waer-test", "phone-1", "officer-amal",
                  MORNING, MORNING, household_id="H1", person_ids=("P1",), convoy_id="C1")
    return replace(event, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("reason", list(RefusalReason))
def test_every_refusal_has_one_plain_sentence(reason: RefusalReason) -> None:
    """Each code has a sentence that starts with a capital and ends with one full stop."""
    sentence = REFUSALS[reason]
    assert sentence[0].isupper() and sentence.endswith(".") and sentence.count(". ") == 0


@pytest.mark.parametrize("reason", list(RefusalReason))
def test_every_refusal_is_documented_with_its_sentence(reason: RefusalReason) -> None:
    """docs/field-operations.md has a row for the code with its exact sentence."""
    assert re.search(rf"^\| `{reason.value}` \| {re.escape(REFUSALS[reason])} \| \S", DOC,
                     re.M), f"docs/field-operations.md has no row for {reason.value}"


def test_no_refusal_is_documented_that_does_not_exist() -> None:
    """The refusal table lists no code that is gone."""
    documented = set(re.findall(r"^\| `([a-z_]+)` \| [A-Z]", DOC, re.M))
    assert documented == {reason.value for reason in RefusalReason}


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_has_a_sentence_a_payload_an_action_and_a_row(kind: EventKind) -> None:
    """Each kind has its accepted sentence, its payload entry, its action and its row in the
    docs."""
    assert ACCEPTED[kind] and kind in PAYLOADS and ACTIONS[kind]
    assert f"| `{kind.value}` |" in DOC


def test_stages_are_ordered() -> None:
    """Registered comes first and arrived last."""
    assert [stage.rank for stage in Stage] == list(range(6))
    assert Stage.REGISTERED.rank < Stage.ARRIVED.rank


def test_an_accepted_event_has_no_refusal() -> None:
    """Accepted with a refusal code cannot be built."""
    with pytest.raises(InvalidValue, match="refusal"):
        _check_in(refusal=RefusalReason.REVOKED)


def test_a_refused_event_needs_a_refusal() -> None:
    """Refused without a code cannot be built."""
    with pytest.raises(InvalidValue, match="refusal"):
        _check_in(outcome=ScanOutcome.REFUSED)


def test_a_payload_must_match_its_kind() -> None:
    """A check-in carries no screening decision; a screening needs one."""
    with pytest.raises(InvalidValue, match="carries"):
        _check_in(payload=Screening(ScreeningDecision.CLEARED))
    with pytest.raises(InvalidValue, match="carries"):
        _check_in(kind=EventKind.SCREENED)


def test_times_are_local_wall_clock() -> None:
    """A device time with a time zone is refused, as in a plan."""
    with pytest.raises(InvalidValue, match="wall-clock"):
        _check_in(device_time=MORNING.replace(tzinfo=UTC))


@pytest.mark.parametrize("nonce", ["", " n1", "x" * 129])
def test_a_nonce_is_short_and_trimmed(nonce: str) -> None:
    """Empty, padded or overlong nonces are refused."""
    with pytest.raises(InvalidValue, match="nonce"):
        _check_in(nonce=nonce)


def test_only_a_void_names_a_voided_nonce() -> None:
    """voids is set on a void and only there."""
    with pytest.raises(InvalidValue, match="void"):
        _check_in(voids="n0")
    with pytest.raises(InvalidValue, match="void"):
        _check_in(kind=EventKind.VOIDED)


def test_only_a_supervisor_overrides_a_refusal() -> None:
    """A force comes from a supervisor."""
    with pytest.raises(InvalidValue, match="supervisor"):
        _check_in(overrides="n0")
    assert _check_in(overrides="n0", source=Source.SUPERVISOR).overrides == "n0"


def test_a_person_is_listed_once() -> None:
    """The same person twice in one event is refused."""
    with pytest.raises(InvalidValue, match="twice"):
        _check_in(person_ids=("P1", "P1"))


def test_an_incident_needs_a_type_and_a_place() -> None:
    """An incident without a place cannot be built."""
    with pytest.raises(InvalidValue, match="place"):
        Incident("I1", "shooting", Severity.HIGH, " ")


def test_the_message_is_the_sentence_of_the_outcome() -> None:
    """Accepted events say what was done; refused ones say why and what to do."""
    assert _check_in().message == "Checked in."
    refused = _check_in(outcome=ScanOutcome.REFUSED, refusal=RefusalReason.REVOKED)
    assert refused.message == REFUSALS[RefusalReason.REVOKED]


def test_the_tracking_package_exports_what_it_lists() -> None:
    """Every name of corridor.tracking.__all__ is importable from it, and sorted."""
    assert all(hasattr(tracking, name) for name in tracking.__all__)
    assert tracking.__all__ == sorted(tracking.__all__, key=lambda n: (not n.isupper(), n))
