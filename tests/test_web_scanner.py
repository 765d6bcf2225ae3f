"""The phone scanner in a real headless Chromium against `corridor serve` on a demo of its own
(these tests scan, so they change the figures the other browser tests read): a QR ticket shown to
Chromium's fake camera boards a family; a refused scan shows its reason large, in English and in
Arabic; with the network cut the page verifies tickets itself, queues its scans and shows how
many wait, and they arrive once when the network returns; a forged ticket is refused offline.
The household card route (registry read, site scope, audit) is tested without a browser."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from corridor.domain.events import REFUSALS, Event, EventKind, RefusalReason, ScanOutcome, Stage
from corridor.security.permissions import Grant, Role
from corridor.security.tickets import issue_ticket
from corridor.store.accounts import Accounts
from corridor.store.events import StoreEventLog
from corridor.store.protection import audit_records
from corridor.store.tickets import current_tickets, revoke
from corridor.tracking import project
from corridor.tracking.roster import Roster
from corridor.web.cards import CARD_REASON
from corridor.web.i18n import catalogue
from tests.browser import DemoSite, launch, make_demo, sign_in, start_server
from tests.pg_cluster import free_port
from tests.store_databases import TEST_KEYRING
from tests.test_web_fixtures import FAST, OPERATION, PASSWORD, Api, running_api
from tests.video import qr_video

browser = pytest.mark.browser
WAIT_MS = 20_000


@dataclass(frozen=True)
class Family:
    """A household of the demo's plan, whole on one vehicle of one convoy."""

    household_id: str
    persons: tuple[str, ...]
    convoy_id: str
    vehicle_id: str


@pytest.fixture(scope="module")
def scanner_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """A demo of its own behind `corridor serve`, for the scans of this module only."""
    site = make_demo(tmp_path_factory.mktemp("scanner-site"))
    server = start_server(site.home, port := free_port())
    try:
        yield DemoSite(f"http://127.0.0.1:{port}", site.home, site.operation_id, site.settings)
    finally:
        server.terminate()
        server.wait(10)


def _families(site: DemoSite, convoy_index: int, count: int) -> list[Family]:
    """The first ``count`` households of a convoy whose members all travel on one vehicle."""
    with site.database() as db:
        scenario = db.load_scenario(site.operation_id, actor="tests", reason="test oracle")
        plan = db.load_plan(site.operation_id)
    roster = Roster(scenario, plan)
    convoy = plan.convoys[convoy_index]
    found = [Family(line.household_id, line.persons, convoy.convoy_id, trip.vehicle_id)
             for trip in convoy.trips for line in trip.lines
             if set(roster.members(line.household_id)) == set(line.persons)]
    assert len(found) >= count, "the demo's convoy has enough whole households"
    return found[:count]


def _ticket(site: DemoSite, household_id: str) -> str:
    with site.database() as db:
        return current_tickets(db, site.operation_id, [household_id], actor="tests",
                               issued_at=datetime.now(UTC))[household_id]


def _events(site: DemoSite, household_id: str) -> list[Event]:
    with site.database() as db:
        return list(StoreEventLog(db).events(site.operation_id, household_id=household_id))


def _stages(site: DemoSite, persons: tuple[str, ...]) -> dict[str, Stage]:
    """Each person's stage as the projection of every stored event counts it."""
    with site.database() as db:
        scenario = db.load_scenario(site.operation_id, actor="tests", reason="test oracle")
        plan = db.load_plan(site.operation_id)
        events = StoreEventLog(db).events(site.operation_id)
    projection = project(Roster(scenario, plan), events)
    return {person: projection.persons[person].stage for person in persons}


def _page(chromium: Browser, **options: object) -> Page:
    context: BrowserContext = chromium.new_context(**options)  # type: ignore[arg-type]
    return context.new_page()


def _open(page: Page, site: DemoSite, action: str, family: Family) -> None:
    """Sign in as the crossing's officer and set the scanner to ``action`` for the family's
    convoy and vehicle."""
    sign_in(page, site.base, "officer", then=f"/operations/{site.operation_id}/scanner")
    expect(page.locator("#scanner")).to_have_attribute("data-ready", "true", timeout=WAIT_MS)
    _choose(page, action, family)


def _choose(page: Page, action: str, family: Family) -> None:
    page.select_option("#action", action)
    page.select_option("#convoy", family.convoy_id)
    if action in ("board", "disembark"):
        page.select_option("#vehicle", family.vehicle_id)


def _look_up(page: Page, code: str) -> None:
    page.fill("#code", code)
    page.click("#lookup button[type=submit]")


def _record(page: Page, code: str, outcome: str) -> None:
    """Look a household up, tap the one button, and see the verdict."""
    _look_up(page, code)
    expect(page.locator("#card")).to_be_visible()
    page.click("#do")
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", outcome)
    page.click("#next")


def _waiting(page: Page) -> int:
    return int(page.locator("#waiting").get_attribute("data-count") or "-1")


# -- the camera ---------------------------------------------------------------------------------


@browser
def test_a_ticket_shown_to_the_camera_boards_the_whole_family(
        chromium: Browser, scanner_site: DemoSite, tmp_path: Path) -> None:
    """The fake camera plays a video of the family's QR ticket: the page decodes it (jsQR, as
    Linux Chromium has no BarcodeDetector), verifies it, shows the household, and one tap
    boards every member, as the store then has it."""
    family = _families(scanner_site, 2, 1)[0]
    ticket = _ticket(scanner_site, family.household_id)
    desk = _page(chromium)
    _open(desk, scanner_site, "check-in", family)
    _record(desk, family.household_id, "accepted")
    _choose(desk, "screen", family)
    _record(desk, family.household_id, "accepted")
    assert set(_stages(scanner_site, family.persons).values()) == {Stage.SCREENED}

    video = qr_video(ticket, tmp_path / "ticket.y4m")
    camera = launch(chromium.browser_type,
                    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-video-capture={video}")
    try:
        page = camera.new_context().new_page()
        _open(page, scanner_site, "board", family)
        page.click("#camera")
        card = page.locator("#card")
        expect(card).to_have_attribute("data-household", family.household_id, timeout=WAIT_MS)
        assert page.locator("#video").get_attribute("data-decoder") == "jsqr"
        expect(page.locator("#card-source")).to_have_text(
            catalogue("en")["scanner.ticket_verified"])
        expect(card).to_have_attribute("data-stage", "screened")
        expect(page.locator("#card-members li")).to_have_count(len(family.persons))
        page.click("#do")
        verdict = page.locator("#verdict")
        expect(verdict).to_have_attribute("data-outcome", "accepted")
        expect(page.locator("#verdict-title")).to_have_text("Boarded")
        expect(page.locator("#verdict-reason")).to_have_text(f"People: {len(family.persons)}")
    finally:
        camera.close()
    boardings = [e for e in _events(scanner_site, family.household_id)
                 if e.kind is EventKind.BOARDED]
    assert len(boardings) == 1
    assert boardings[0].outcome is ScanOutcome.ACCEPTED and not boardings[0].offline
    assert set(boardings[0].person_ids) == set(family.persons)
    assert (boardings[0].convoy_id, boardings[0].vehicle_id) == (family.convoy_id,
                                                                 family.vehicle_id)
    assert set(_stages(scanner_site, family.persons).values()) == {Stage.BOARDED}


# -- refusals -----------------------------------------------------------------------------------


@browser
def test_a_refused_scan_shows_its_reason_large_and_is_stored(chromium: Browser,
                                                             scanner_site: DemoSite) -> None:
    """A household of another convoy is refused wrong_convoy: the verdict says so in large
    letters with its code, and the refusal is stored like any scan."""
    here, elsewhere = _families(scanner_site, 4, 1)[0], _families(scanner_site, 5, 1)[0]
    page = _page(chromium, viewport={"width": 390, "height": 844})
    _open(page, scanner_site, "check-in", here)
    _look_up(page, elsewhere.household_id)
    expect(page.locator("#card-planned")).to_have_class("warn")
    page.click("#do")
    verdict = page.locator("#verdict")
    expect(verdict).to_have_attribute("data-outcome", "refused")
    expect(verdict).to_have_attribute("data-code", "wrong_convoy")
    expect(page.locator("#verdict-reason")).to_have_text(REFUSALS[RefusalReason.WRONG_CONVOY])
    expect(page.locator("#verdict-detail")).to_contain_text("wrong_convoy")
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                         "'#verdict-reason')).fontSize)")
    assert size >= 22, "a refusal reads at arm's length"
    assert verdict.bounding_box() is not None
    stored = _events(scanner_site, elsewhere.household_id)
    assert [(e.outcome, e.refusal) for e in stored] == [(ScanOutcome.REFUSED,
                                                        RefusalReason.WRONG_CONVOY)]


@browser
def test_the_arabic_scanner_reads_right_to_left_and_refuses_in_arabic(
        chromium: Browser, scanner_site: DemoSite) -> None:
    """A second check-in of the same household is refused already_checked_in, in Arabic, on a
    right-to-left page."""
    family = _families(scanner_site, 4, 2)[1]
    page = _page(chromium, locale="ar", viewport={"width": 390, "height": 844})
    _open(page, scanner_site, "check-in", family)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    arabic = catalogue("ar")
    expect(page.locator("#network")).to_have_text(arabic["scanner.online"])
    _record(page, family.household_id, "accepted")
    _look_up(page, family.household_id)
    page.click("#do")
    expect(page.locator("#verdict")).to_have_attribute("data-code", "already_checked_in")
    expect(page.locator("#verdict-title")).to_have_text(arabic["scanner.refused"])
    expect(page.locator("#verdict-reason")).to_have_text(arabic["refusal.already_checked_in"])
    assert page.evaluate("getComputedStyle(document.querySelector('#verdict')).direction") \
        == "rtl"


@browser
def test_a_reader_without_a_scan_role_gets_no_scanner(chromium: Browser,
                                                      scanner_site: DemoSite) -> None:
    """A coordinator or a monitor opening the scanner gets a 403 page, not the scanner."""
    for name in ("coord", "monitor"):
        page = _page(chromium)
        sign_in(page, scanner_site.base, name)
        answer = page.goto(f"{scanner_site.base}/operations/{scanner_site.operation_id}/scanner")
        assert answer is not None and answer.status == 403
        assert page.locator("#scanner").count() == 0


# -- offline ------------------------------------------------------------------------------------


@browser
def test_offline_scans_wait_on_the_phone_and_arrive_once(chromium: Browser,
                                                         scanner_site: DemoSite) -> None:
    """With the network cut the page verifies a ticket itself, keeps each scan (a second scan
    of a household it kept is refused on the phone), shows it is offline and how many wait,
    opens again from its service worker; back online, the queue is sent, and a batch that
    reached the server twice (an answer lost on the way) is counted once."""
    first, second = _families(scanner_site, 3, 2)
    ticket = _ticket(scanner_site, first.household_id)
    page = _page(chromium)
    context = page.context
    _open(page, scanner_site, "check-in", first)
    expect(page.locator("#scanner")).to_have_attribute("data-offline-ready", "true",
                                                       timeout=WAIT_MS)

    context.set_offline(True)
    expect(page.locator("#connection")).to_have_attribute("data-state", "offline")
    _look_up(page, ticket)
    expect(page.locator("#card-source")).to_have_text(catalogue("en")["scanner.ticket_verified"])
    page.click("#do")
    expect(page.locator("#verdict")).to_have_attribute("data-outcome", "queued")
    page.click("#next")
    _look_up(page, ticket)
    page.click("#do")
    expect(page.locator("#verdict")).to_have_attribute("data-code", "already_checked_in")
    page.click("#next")
    _record(page, second.household_id, "queued")
    expect(page.locator("#waiting")).to_have_attribute("data-count", "3")
    assert _events(scanner_site, first.household_id) == []

    reloaded = page.reload()
    assert reloaded is not None and reloaded.from_service_worker
    expect(page.locator("#scanner")).to_have_attribute("data-ready", "true", timeout=WAIT_MS)
    expect(page.locator("#connection")).to_have_attribute("data-state", "offline")
    expect(page.locator("#waiting")).to_have_attribute("data-count", "3")

    # The first upload reaches the server but its answer never reaches the phone.
    kept = page.evaluate("""() => new Promise((resolve) => {
        indexedDB.open("corridor-scanner").onsuccess = (e) => {
          e.target.result.transaction("queue").objectStore("queue").getAll().onsuccess =
            (r) => resolve(r.target.result.map((item) => item.event)); }; })""")
    assert len(kept) == 3 and len({item["nonce"] for item in kept}) == 3
    assert all("name" not in item for item in kept), "nothing but ids and times on the phone"
    context.set_offline(False)
    lost = page.evaluate("""async ([op, events]) => (await fetch(
        `/api/v1/operations/${op}/events:upload`, {method: "POST", headers: {"Content-Type":
        "application/json", "X-Corridor-Page": "1"}, body: JSON.stringify({events})})).status""",
                         [scanner_site.operation_id, kept])
    assert lost == 200
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    expect(page.locator("#waiting")).to_have_attribute("data-count", "0", timeout=WAIT_MS)

    stored = _events(scanner_site, first.household_id) + _events(scanner_site,
                                                                 second.household_id)
    assert sorted(e.nonce for e in stored) == sorted(item["nonce"] for item in kept)
    assert all(e.offline for e in stored)
    assert sorted((e.household_id, e.outcome, e.refusal) for e in stored) == sorted([
        (first.household_id, ScanOutcome.ACCEPTED, None),
        (first.household_id, ScanOutcome.REFUSED, RefusalReason.ALREADY_CHECKED_IN),
        (second.household_id, ScanOutcome.ACCEPTED, None)])
    stages = _stages(scanner_site, first.persons + second.persons)
    assert set(stages.values()) == {Stage.CHECKED_IN}


@browser
def test_a_kept_scan_the_server_refuses_stays_on_the_phone_with_its_reason(
        chromium: Browser, scanner_site: DemoSite) -> None:
    """A batch with one scan the server cannot store is refused whole; the page sends its
    scans one by one, the good one is stored and leaves the phone, the bad one stays, set
    aside with the server's sentence, and is not counted as waiting."""
    family = _families(scanner_site, 7, 1)[0]
    page = _page(chromium)
    _open(page, scanner_site, "check-in", family)
    page.context.set_offline(True)
    _record(page, family.household_id, "queued")
    page.evaluate("""([op, officer]) => new Promise((resolve) => {
        indexedDB.open("corridor-scanner").onsuccess = (e) => {
          const tx = e.target.result.transaction("queue", "readwrite");
          tx.objectStore("queue").put({nonce: "bad-1", operation_id: op, officer,
            queued_at: new Date().toISOString(), event: {nonce: "bad-1", kind: "checked_in",
            device_time: "not a time", household_id: "H0001", convoy_id: "x"}});
          tx.oncomplete = resolve; }; })""", [scanner_site.operation_id, "officer"])
    page.context.set_offline(False)
    expect(page.locator("#waiting")).to_have_attribute("data-count", "0", timeout=WAIT_MS)
    expect(page.locator("#queue-list li.problem")).to_have_count(1)
    expect(page.locator("#queue-list li.problem")).to_contain_text("device_time")
    stored = _events(scanner_site, family.household_id)
    assert [(e.kind, e.outcome, e.offline) for e in stored] == [
        (EventKind.CHECKED_IN, ScanOutcome.ACCEPTED, True)]
    with scanner_site.database() as db:
        assert StoreEventLog(db).find(scanner_site.operation_id, "bad-1") is None


@browser
def test_offline_verification_refuses_forged_and_revoked_tickets(chromium: Browser,
                                                                 scanner_site: DemoSite) -> None:
    """Offline, a ticket altered by one byte and one signed with another key are refused
    bad_signature and nothing is kept; a revoked ticket (in the list the page downloaded) is
    refused revoked, kept as a refusal, and stored as one once the network returns."""
    genuine, withdrawn = _families(scanner_site, 6, 2)
    ticket = _ticket(scanner_site, genuine.household_id)
    revoked = _ticket(scanner_site, withdrawn.household_id)
    with scanner_site.database() as db:
        revoke(db, scanner_site.operation_id, withdrawn.household_id, actor="tests",
               reason="household withdrawn", revoked_at=datetime.now(UTC))
    page = _page(chromium)
    _open(page, scanner_site, "check-in", genuine)
    page.context.set_offline(True)
    expect(page.locator("#connection")).to_have_attribute("data-state", "offline")

    data = bytearray(base64.urlsafe_b64decode(ticket[4:] + "=" * (-len(ticket[4:]) % 4)))
    data[8] ^= 0x01  # one letter of the household id
    altered = "CT1." + base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode()
    forged = issue_ticket(TEST_KEYRING, scanner_site.operation_id, genuine.household_id, 1,
                          datetime.now(UTC))
    for code in (altered, forged):
        _look_up(page, code)
        expect(page.locator("#verdict")).to_have_attribute("data-code", "bad_signature")
        expect(page.locator("#verdict-reason")).to_have_text(
            catalogue("en")["refusal.bad_signature"])
        expect(page.locator("#verdict-detail")).to_contain_text("nothing was recorded")
        page.click("#next")
    _look_up(page, "CT1.not-a-ticket")
    expect(page.locator("#verdict")).to_have_attribute("data-code", "not_a_ticket")
    page.click("#next")
    assert _waiting(page) == 0

    _look_up(page, revoked)
    expect(page.locator("#verdict")).to_have_attribute("data-code", "revoked")
    expect(page.locator("#verdict-reason")).to_have_text(REFUSALS[RefusalReason.REVOKED])
    expect(page.locator("#waiting")).to_have_attribute("data-count", "1")
    page.context.set_offline(False)
    expect(page.locator("#waiting")).to_have_attribute("data-count", "0", timeout=WAIT_MS)
    stored = _events(scanner_site, withdrawn.household_id)
    assert [(e.outcome, e.refusal, e.offline) for e in stored] == [
        (ScanOutcome.REFUSED, RefusalReason.REVOKED, True)]
    assert _events(scanner_site, genuine.household_id) == []


# -- the household card, over HTTP --------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The tracking tests' crossing behind the API (SQLite)."""
    folder = tmp_path_factory.mktemp("web-card")
    with running_api(f"sqlite:///{folder / 'corridor.db'}", folder) as running:
        yield running


CARD = f"/api/v1/operations/{OPERATION}/households/{{household}}/card"


def test_the_card_shows_the_household_as_the_role_may_see_it(api: Api) -> None:
    """A checkpoint officer sees names and the plan's vehicle, never the category; a stage per
    member; the read is in the audit log with the scanner's reason."""
    before = sum(1 for _ in audit_records(api.database))
    answer = api.client.get(CARD.format(household="H1"), headers=api.headers(
        "u-checkpoint_officer"))
    assert answer.status_code == 200, answer.text
    card = answer.json()
    assert [p["person_id"] for p in card["persons"]] == ["P1", "P2", "P3"]
    assert all("name" in p and "category" not in p for p in card["persons"])
    assert card["planned"] == [{"convoy_id": "C1", "vehicle_id": "BUS-001",
                                "destination": card["planned"][0]["destination"],
                                "day": card["planned"][0]["day"],
                                "person_ids": ["P1", "P2", "P3"]}]
    assert card["stage"] == "registered"
    assert {s["stage"] for s in card["status"]} == {"registered"}
    read = [r.entry for r in audit_records(api.database, since=before)]
    assert any(e.action == "registry.read" and e.reason == CARD_REASON
               and "household H1" in e.subject and e.actor.startswith("u-checkpoint_officer")
               for e in read), read


def test_the_card_follows_the_households_scans(api: Api) -> None:
    """After a check-in the card says checked in; a household that stays says so."""
    assert api.scan("check-in", household_id="H3", convoy_id="C1").json()["outcome"] == \
        "accepted"
    card = api.client.get(CARD.format(household="H3"), headers=api.headers()).json()
    assert card["stage"] == "checked_in"
    assert all(s["checked_in"] for s in card["status"])
    stays = api.client.get(CARD.format(household="H2"), headers=api.headers()).json()
    assert stays["planned"] == [] and all(s["stays"] for s in stays["status"])


def test_the_card_is_refused_to_roles_and_sites_that_may_not_read(api: Api) -> None:
    """A monitor is forbidden; an officer granted another assembly point gets a 404 that names
    the sites; an unknown household is a 404."""
    monitor = api.client.get(CARD.format(household="H1"), headers=api.headers("u-monitor"))
    assert monitor.status_code == 403 and monitor.json()["code"] == "forbidden"
    accounts = Accounts(api.database, FAST)
    accounts.add("u-elsewhere", PASSWORD, [Grant(Role.CHECKPOINT_OFFICER,
                                                 sites=frozenset({"ap-elsewhere"}))],
                 actor="tests")
    api.tokens["u-elsewhere"] = accounts.issue_device_token("u-elsewhere", "phone-x",
                                                            actor="tests")
    elsewhere = api.client.get(CARD.format(household="H1"), headers=api.headers("u-elsewhere"))
    assert elsewhere.status_code == 404
    assert re.search(r"at your sites", elsewhere.json()["message"])
    unknown = api.client.get(CARD.format(household="H404"), headers=api.headers())
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
