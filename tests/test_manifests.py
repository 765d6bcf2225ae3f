"""The manifests PDF: a convoy's vehicles and households, each ticket a QR code that decodes to the
household's payload and verifies, names only for readers who may see them, both languages whole.

The scenario is synthetic (2,000 leaving, seeded) and planned by the planner; tickets are real,
signed with a fresh keyring. Pages are drawn with pdfium and the codes read with zxing-cpp.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from corridor.domain import Convoy, Plan, Scenario, Sex, VehicleKind, Vulnerability
from corridor.domain.errors import InvalidValue, NotFound
from corridor.planner import make_plan
from corridor.reports import manifests
from corridor.reports.manifests import (
    LABELS,
    ManifestInput,
    chosen_convoys,
    label,
    manifest_pdf,
    missing_labels,
    travelling_households,
)
from corridor.security.keys import Keyring, new_keyring
from corridor.security.permissions import FIELDS, Field, Role, visible_household, visible_person
from corridor.security.tickets import RevocationList, issue_ticket, verify_ticket
from corridor.synthetic import generate
from corridor.synthetic._names import FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES

PRINTED = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
ISSUED = datetime(2017, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """A synthetic al-Waer-like operation with 2,000 people leaving."""
    return generate(2000, seed=7)


@pytest.fixture(scope="module")
def plan(scenario: Scenario) -> Plan:
    """The planner's plan of it."""
    return make_plan(scenario, seed=1).plan


@pytest.fixture(scope="module")
def keyring() -> Keyring:
    """A fresh keyring: its ticket key signs the tickets."""
    return new_keyring(os.urandom)


@pytest.fixture(scope="module")
def convoy(plan: Plan) -> Convoy:
    """The smallest convoy that has an ambulance (so that stretchers are printed too)."""
    with_ambulance = [c for c in plan.convoys
                      if any(t.kind is VehicleKind.AMBULANCE and t.lines for t in c.trips)]
    return min(with_ambulance or plan.convoys, key=lambda c: c.people)


def _tickets(keyring: Keyring, operation_id: str, household_ids: list[str]) -> dict[str, str]:
    return {household_id: issue_ticket(keyring, operation_id, household_id, 1, ISSUED)
            for household_id in household_ids}


def _source(scenario: Scenario, plan: Plan, role: Role | None, tickets: Mapping[str, str],
            *, households: list[str] | None = None) -> ManifestInput:
    """The input as a reader in ``role`` gets it (None: a reader who sees no field)."""
    fields = FIELDS[role] if role is not None else frozenset()
    wanted = set(households) if households is not None else None
    return ManifestInput(
        plan, scenario.operation,
        {h.household_id: visible_household(h, fields) for h in scenario.households
         if wanted is None or h.household_id in wanted},
        {p.person_id: visible_person(p, fields) for p in scenario.persons
         if wanted is None or p.household_id in wanted},
        tickets, medical=Field.MEDICAL in fields)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() or ""
                     for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _codes(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    return [code.text for index in range(len(document))
            for code in zxingcpp.read_barcodes(document[index].render(scale=3).to_pil())]


def _printed(scenario: Scenario, plan: Plan, convoy: Convoy, keyring: Keyring, role: Role | None,
             language: manifests.Language = "en") -> tuple[bytes, dict[str, str]]:
    tickets = _tickets(keyring, scenario.operation.operation_id,
                       travelling_households([convoy]))
    data = manifest_pdf(_source(scenario, plan, role, tickets), language=language,
                        created_at=PRINTED, convoy_ids=[convoy.convoy_id])
    return data, tickets


def test_every_ticket_decodes_to_its_household_and_verifies(
        scenario: Scenario, plan: Plan, convoy: Convoy, keyring: Keyring) -> None:
    """One QR code per household and vehicle; each is the household's payload and verifies."""
    data, tickets = _printed(scenario, plan, convoy, keyring, Role.CONVOY_LEAD)
    found = _codes(data)
    blocks = [line.household_id for trip in convoy.trips for line in trip.lines if line.persons]
    assert sorted(found) == sorted(tickets[household] for household in blocks)
    operation_id = scenario.operation.operation_id
    no_revocations = RevocationList(operation_id, ISSUED)
    for payload in set(found):
        ticket = verify_ticket(payload, keyring.ticket_public_key(), no_revocations, operation_id)
        assert tickets[ticket.household_id] == payload


def test_a_reader_who_may_see_names_gets_every_name_of_the_convoy(
        scenario: Scenario, plan: Plan, convoy: Convoy, keyring: Keyring) -> None:
    """A convoy lead's manifest lists each person on the convoy by name, id and age."""
    data, _tickets = _printed(scenario, plan, convoy, keyring, Role.CONVOY_LEAD, "ar")
    text = _text(data)
    persons = {p.person_id: p for p in scenario.persons}
    on_convoy = [persons[pid] for trip in convoy.trips for line in trip.lines
                 for pid in line.persons]
    assert len(on_convoy) == convoy.people
    for person in on_convoy:
        assert person.name in text
        assert person.person_id in text


def test_a_reader_without_names_gets_a_pdf_with_no_name_in_it(
        scenario: Scenario, plan: Plan, convoy: Convoy, keyring: Keyring) -> None:
    """Records without the name field: ids only; no synthetic given or family name anywhere."""
    for language in ("en", "ar"):
        data, tickets = _printed(scenario, plan, convoy, keyring, None, language)
        text = _text(data)
        words = set(re.split(r"[\s،,:·]+", text))
        assert not words & {*MALE_GIVEN_NAMES, *FEMALE_GIVEN_NAMES, *FAMILY_NAMES}
        persons = {p.person_id: p for p in scenario.persons}
        for trip in convoy.trips:
            for line in trip.lines:
                for person_id in line.persons:
                    assert person_id in text
                    assert persons[person_id].name not in text
        assert label("name", language) not in words  # no name column at all
        assert sorted(set(_codes(data))) == sorted(tickets.values())


def test_the_category_and_phone_are_never_printed(
        scenario: Scenario, plan: Plan, convoy: Convoy, keyring: Keyring) -> None:
    """A coordinator may see categories and phones; the printed manifest still leaves them out."""
    data, _tickets = _printed(scenario, plan, convoy, keyring, Role.COORDINATOR)
    text = _text(data)
    assert "combatant" not in text and "civilian" not in text
    phones = {h.phone for h in scenario.households if h.phone}
    assert not any(phone in text for phone in phones)


def test_vehicles_show_how_full_they_are_and_stretchers_are_marked(
        scenario: Scenario, plan: Plan, convoy: Convoy, keyring: Keyring) -> None:
    """Each vehicle's seats (and stretchers) used of its capacity; stretcher cases noted."""
    data, _tickets = _printed(scenario, plan, convoy, keyring, Role.MEDICAL_OFFICER)
    text = " ".join(_text(data).split())
    vehicles = {v.vehicle_id: v for v in scenario.operation.vehicles()}
    for trip in convoy.trips:
        vehicle = vehicles[trip.vehicle_id]
        if trip.kind is VehicleKind.LUGGAGE_TRUCK:
            assert f"{trip.luggage_pieces} of {vehicle.luggage_capacity} pieces" in text
            continue
        assert f"{trip.seated} of {vehicle.seats} seats" in text
        if trip.kind is VehicleKind.AMBULANCE:
            assert f"{trip.on_stretchers} of {vehicle.stretchers} stretchers" in text
    if any(line.on_stretcher for trip in convoy.trips for line in trip.lines):
        assert "on a stretcher" in text
    assert f"Convoy {convoy.convoy_id}" in text
    assert f"departs {convoy.departure:%H:%M}" in text


def test_an_arabic_manifest_is_in_arabic(
        scenario: Scenario, plan: Plan, convoy: Convoy, keyring: Keyring) -> None:
    """The Arabic labels come back whole from the text; the English ones are absent."""
    data, _tickets = _printed(scenario, plan, convoy, keyring, Role.COORDINATOR, "ar")
    text = _text(data)
    for key in ("title", "people", "households", "vehicles", "departure", "name", "sex",
                "age", "person_id"):
        assert label(key, "ar").replace("\u2068", "").replace("\u2069", "") in text
    assert "Household" not in text and "seats" not in text
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "ar"


def test_a_household_without_a_valid_ticket_says_so(
        scenario: Scenario, plan: Plan, convoy: Convoy, keyring: Keyring) -> None:
    """A household left out of the tickets (all revoked) gets a frame saying so, no code."""
    household_ids = travelling_households([convoy])
    tickets = _tickets(keyring, scenario.operation.operation_id, household_ids[1:])
    data = manifest_pdf(_source(scenario, plan, Role.COORDINATOR, tickets), language="en",
                        created_at=PRINTED, convoy_ids=[convoy.convoy_id])
    assert "No valid ticket: reissue it" in " ".join(_text(data).split())
    assert sorted(set(_codes(data))) == sorted(tickets.values())  # no code for the first


def test_a_household_of_another_site_is_shown_by_ids_only(
        scenario: Scenario, plan: Plan, convoy: Convoy, keyring: Keyring) -> None:
    """Households the reader may not read (other sites) keep their place, by ids, no names."""
    household_ids = travelling_households([convoy])
    readable, hidden = household_ids[1:], household_ids[0]
    tickets = _tickets(keyring, scenario.operation.operation_id, readable)
    source = _source(scenario, plan, Role.CONVOY_LEAD, tickets, households=readable)
    data = manifest_pdf(source, language="en", created_at=PRINTED,
                        convoy_ids=[convoy.convoy_id])
    text = _text(data)
    assert "Not at your sites: members by id only." in " ".join(text.split())
    for person in scenario.persons:
        if person.household_id == hidden:
            assert person.person_id in text
            assert person.name not in text


def test_the_whole_plan_prints_every_convoy_in_order(
        scenario: Scenario, plan: Plan, keyring: Keyring) -> None:
    """With no convoy named, every convoy is printed, each under its heading, in plan order
    (a plan cut to its first three convoys: the whole one takes a minute to draw)."""
    plan = replace(plan, convoys=plan.convoys[:3])
    tickets = _tickets(keyring, scenario.operation.operation_id,
                       travelling_households(plan.convoys))
    seen: list[tuple[int, int]] = []
    data = manifest_pdf(_source(scenario, plan, Role.COORDINATOR, tickets), language="en",
                        created_at=PRINTED, progress=lambda done, total: seen.append(
                            (done, total)))
    text = " ".join(_text(data).split())
    positions = [text.index(f"Convoy {c.convoy_id} ") for c in plan.convoys]
    assert positions == sorted(positions)
    total = sum(len(trip.lines) for c in plan.convoys for trip in c.trips)
    assert seen[0] == (0, total) and seen[-1] == (total, total)


def test_an_unknown_convoy_is_named_in_the_error(plan: Plan) -> None:
    """Asking for a convoy the plan lacks names it and the convoys there are."""
    with pytest.raises(NotFound, match="has no convoy C-404; its convoys are ") as raised:
        chosen_convoys(plan, ["C-404", plan.convoys[0].convoy_id])
    assert plan.convoys[0].convoy_id in raised.value.message


def test_an_unknown_convoy_stops_the_pdf(scenario: Scenario, plan: Plan) -> None:
    """manifest_pdf refuses the same way, before drawing anything."""
    with pytest.raises(NotFound, match="C-404"):
        manifest_pdf(_source(scenario, plan, Role.COORDINATOR, {}), language="en",
                     created_at=PRINTED, convoy_ids=["C-404"])


def test_another_operations_plan_is_refused(scenario: Scenario, plan: Plan) -> None:
    """A plan and an operation that do not belong together are refused, both named."""
    other = replace(plan, operation_id="another-operation")
    with pytest.raises(InvalidValue, match="another-operation"):
        manifest_pdf(_source(scenario, other, Role.COORDINATOR, {}), language="en",
                     created_at=PRINTED)


def test_a_language_other_than_arabic_or_english_is_refused(
        scenario: Scenario, plan: Plan) -> None:
    """French is not a manifest language: the error says which are."""
    bad: Any = "fr"
    with pytest.raises(InvalidValue, match="ar, en"):
        manifest_pdf(_source(scenario, plan, Role.COORDINATOR, {}), language=bad,
                     created_at=PRINTED)


def test_every_label_is_in_both_languages() -> None:
    """No label lacks its Arabic or English text."""
    assert missing_labels() == []


def test_a_missing_translation_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a label with English only is reported with the missing language."""
    monkeypatch.setattr(manifests, "LABELS", {**LABELS, "held": {"en": "held"},
                                              "blank": {"en": "x", "ar": " "}})
    assert missing_labels() == [("held", "ar"), ("blank", "ar")]
    with pytest.raises(InvalidValue, match="no ar label 'held'"):
        label("held", "ar")


def test_every_value_printed_from_a_record_has_its_label() -> None:
    """Sexes, vehicle kinds and vulnerabilities, which come from data, are all in the table."""
    keys = {*(sex.value for sex in Sex), *(kind.value for kind in VehicleKind),
            *(need.value for need in Vulnerability)}
    assert keys <= set(LABELS)


def test_the_same_manifest_gives_the_same_bytes(
        scenario: Scenario, plan: Plan, convoy: Convoy, keyring: Keyring) -> None:
    """Printing twice at the same time gives the same file."""
    first, _ = _printed(scenario, plan, convoy, keyring, Role.COORDINATOR, "ar")
    second, _ = _printed(scenario, plan, convoy, keyring, Role.COORDINATOR, "ar")
    assert first == second


def test_the_printing_time_is_given_in_utc(scenario: Scenario, plan: Plan, convoy: Convoy) -> None:
    """A time with another offset is printed as UTC; a time with no zone is refused."""
    damascus = PRINTED.astimezone(timezone(timedelta(hours=3)))
    data = manifest_pdf(_source(scenario, plan, Role.COORDINATOR, {}), language="en",
                        created_at=damascus, convoy_ids=[convoy.convoy_id])
    assert "printed 2026-11-27 09:30 UTC" in " ".join(_text(data).split())
    with pytest.raises(InvalidValue, match="time zone"):
        manifest_pdf(_source(scenario, plan, Role.COORDINATOR, {}), language="en",
                     created_at=PRINTED.replace(tzinfo=None))
