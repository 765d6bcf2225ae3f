"""The pages in a real headless Chromium against `corridor serve` on the demo's data: sign in,
the dashboard with the demo's figures (live, without a reload), manifests, the registry,
Arabic right to left, and a monitor who sees no name and no figure below the threshold."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from corridor.tracking import project
from corridor.tracking.dashboard import dashboard
from corridor.tracking.roster import Roster
from tests.browser import PASSWORD, DemoSite, sign_in

pytestmark = pytest.mark.browser


def _page(chromium: Browser, **options: object) -> Page:
    context = chromium.new_context(**options)  # type: ignore[arg-type]
    return context.new_page()


def _exact_figures(site: DemoSite) -> dict[str, int | None]:
    """The stage counts the demo's events add up to, computed here from the store."""
    from corridor.store.events import StoreEventLog

    with site.database() as db:
        scenario = db.load_scenario(site.operation_id, actor="tests", reason="test oracle")
        plan = db.load_plan(site.operation_id)
        events = StoreEventLog(db).events(site.operation_id)
    board = dashboard(project(Roster(scenario, plan), events), plan.convoys[0].departure)
    return board.stages


def _names(site: DemoSite) -> list[str]:
    with site.database() as db:
        scenario = db.load_scenario(site.operation_id, actor="tests", reason="test oracle")
    return [p.name for p in scenario.persons][:400]


def test_sign_in_refuses_a_wrong_password_in_a_sentence(chromium: Browser,
                                                        demo_site: DemoSite) -> None:
    page = _page(chromium)
    page.goto(f"{demo_site.base}/")
    expect(page).to_have_url(re.compile(r"/signin"))
    page.fill("input[name=name]", "coord")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.locator("#sign-in-problem")).to_contain_text("wrong")
    expect(page).to_have_url(re.compile(r"/signin"))


def test_the_dashboard_shows_the_demos_figures(chromium: Browser, demo_site: DemoSite) -> None:
    page = _page(chromium)
    sign_in(page, demo_site.base, "coord")
    expect(page).to_have_url(re.compile(rf"/operations/{demo_site.operation_id}/dashboard"))
    expected = _exact_figures(demo_site)
    assert expected["boarded"], "the demo boards the first convoy"
    for stage in ("registered", "checked_in", "boarded", "departed"):
        expect(page.locator(f"[data-stage={stage}]")).to_have_text(f"{expected[stage]:,}")
    expect(page.locator("#binding")).not_to_be_empty()
    expect(page.locator("#convoys tbody tr").first).to_be_visible()
    expect(page.locator("#burnup canvas").first).to_be_visible()
    expect(page.locator("#discrepancies li").first).to_be_visible()


def test_the_dashboard_updates_without_a_reload(chromium: Browser, demo_site: DemoSite) -> None:
    """A scan stored while the page is open shows on it: no navigation happens."""
    page = _page(chromium)
    sign_in(page, demo_site.base, "coord")
    page.evaluate("window.__same_page = true")
    before = page.locator("[data-stage=checked_in]").inner_text()
    with demo_site.database() as db:
        plan = db.load_plan(demo_site.operation_id)
    later = plan.convoys[-1]
    household = later.trips[0].lines[0]
    token_page = _page(chromium)
    sign_in(token_page, demo_site.base, "officer", then="/signin")
    answer = token_page.evaluate(
        """async ([op, hh, convoy]) => {
             const r = await fetch(`/api/v1/operations/${op}/scans/check-in`, {method: "POST",
               headers: {"Content-Type": "application/json", "X-Corridor-Page": "1"},
               body: JSON.stringify({nonce: crypto.randomUUID(), household_id: hh,
                                     convoy_id: convoy, device_time: new Date().toISOString()})});
             return [r.status, await r.json()];
           }""", [demo_site.operation_id, household.household_id, later.convoy_id])
    assert answer[0] == 200, answer
    grown = int(before.replace(",", "")) + len(household.persons)
    if answer[1]["outcome"] == "accepted":
        expect(page.locator("[data-stage=checked_in]")).to_have_text(f"{grown:,}",
                                                                     timeout=15_000)
    assert page.evaluate("window.__same_page") is True


def test_a_convoy_manifest_page_shows_names_to_a_coordinator(chromium: Browser,
                                                            demo_site: DemoSite) -> None:
    page = _page(chromium)
    sign_in(page, demo_site.base, "coord")
    page.locator("#convoys tbody tr a").first.click()
    expect(page.locator("section.vehicle").first).to_be_visible()
    names = set(_names(demo_site))
    shown = page.locator("section.vehicle td").all_inner_texts()
    assert names & set(shown), "a coordinator sees the names on the manifest"


def test_a_stretcher_is_marked_only_for_roles_that_may_see_medical_fields(
        chromium: Browser, demo_site: DemoSite) -> None:
    """The stretcher mark is medical detail: a checkpoint officer's manifest page lists the
    stretcher case on the ambulance without it, a protection officer's marks it (a review
    found it shown to every role)."""
    with demo_site.database() as db:
        plan = db.load_plan(demo_site.operation_id)
    convoy, trip = next((c, t) for c in plan.convoys for t in c.trips
                        if any(line.on_stretcher for line in t.lines))
    case = next(p for line in trip.lines for p in line.on_stretcher)
    path = f"/operations/{demo_site.operation_id}/convoys/{convoy.convoy_id}"
    marks = {}
    for user in ("officer", "protect"):
        page = _page(chromium)
        sign_in(page, demo_site.base, user, then=path)
        row = page.locator("section.vehicle tr", has_text=case).first
        expect(row).to_be_visible()
        marks[user] = row.inner_text()
    assert "stretcher" not in marks["officer"]
    assert "stretcher" in marks["protect"]


def test_the_registry_needs_a_reason_and_shows_what_the_role_may_see(
        chromium: Browser, demo_site: DemoSite) -> None:
    page = _page(chromium)
    sign_in(page, demo_site.base, "officer", then=f"/operations/{demo_site.operation_id}/registry")
    family = _names(demo_site)[0].split()[-1]
    page.goto(f"{demo_site.base}/operations/{demo_site.operation_id}/registry?q={family}")
    expect(page.locator(".problem")).to_be_visible()
    page.fill("input[name=reason]", "family asks at the checkpoint")
    with page.expect_navigation():
        page.click("#registry-search button[type=submit]")
    expect(page.locator("article.household").first).to_be_visible()
    body = page.locator("main").inner_text()
    assert family in body
    assert "Category" not in body, "a checkpoint officer never sees the category"


def test_the_arabic_pages_read_right_to_left(chromium: Browser, demo_site: DemoSite) -> None:
    page = _page(chromium, locale="ar")
    page.goto(f"{demo_site.base}/signin")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    sign_in(page, demo_site.base, "coord")
    assert page.evaluate("document.documentElement.lang") == "ar"
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    expect(page.locator("h2").first).to_contain_text("الأشخاص")
    font = page.evaluate("document.fonts.check('16px \"Noto Sans Arabic\"', 'مرحبا')")
    assert font, "the Arabic font comes from the npm package, not the system"
    page.goto(f"{demo_site.base}/lang/en?next=/")
    assert page.evaluate("document.documentElement.dir") == "ltr"


def test_a_monitor_sees_no_name_and_no_small_figure(chromium: Browser,
                                                    demo_site: DemoSite) -> None:
    page = _page(chromium)
    sign_in(page, demo_site.base, "monitor")
    expect(page).to_have_url(re.compile(r"/dashboard"))
    expect(page.locator("#protected-note")).to_be_visible()
    text = page.locator("body").inner_text()
    for name in _names(demo_site):
        assert name not in text
    figures = " ".join(page.locator("#stages .value, table.days tbody td").all_inner_texts())
    for number in re.findall(r"(?<![\d:,-])\d[\d,]*(?![\d:-])", figures):
        value = int(number.replace(",", ""))
        assert value == 0 or value >= 5, f"{value} is below the disclosure threshold"
    assert page.locator("#discrepancies, #medical").count() == 0
    for path in ("registry", "convoys/x"):
        answer = page.goto(f"{demo_site.base}/operations/{demo_site.operation_id}/{path}")
        assert answer is not None and answer.status == 403
    assert PASSWORD not in text


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_dashboard_fits_a_phone(chromium: Browser, demo_site: DemoSite,
                                    language: str) -> None:
    """At a phone's width nothing pushes the page sideways (in Arabic an overflow would
    shrink the whole page): wide tables scroll inside their card."""
    page = _page(chromium, locale=language, viewport={"width": 390, "height": 844},
                 is_mobile=True, has_touch=True)
    sign_in(page, demo_site.base, "coord")
    page.wait_for_selector("#burnup canvas")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_vehicle_page_and_the_manifests_pdf_with_tickets(chromium: Browser,
                                                           demo_site: DemoSite) -> None:
    """A convoy's page narrows to one vehicle; its PDF link gives the manifests with each
    household's QR ticket (the download is a PDF whose codes verify), audited as a print."""
    import pypdfium2
    import zxingcpp

    from corridor.security.tickets import RevocationList, verify_ticket
    from corridor.store.protection import audit_records

    page = _page(chromium)
    sign_in(page, demo_site.base, "coord")
    page.locator("#convoys tbody tr a").first.click()
    first = page.locator("section.vehicle").first
    vehicle = first.get_attribute("data-vehicle")
    first.locator("h2 a").click()
    expect(page.locator("section.vehicle")).to_have_count(1)
    assert page.locator("section.vehicle").get_attribute("data-vehicle") == vehicle
    with page.expect_download() as download:
        page.click("#pdf-en")
    data = (download.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(data)
    codes = [result.text for result in zxingcpp.read_barcodes(document[0].render(scale=3)
                                                               .to_pil())]
    assert codes, "the first page carries QR tickets"
    with demo_site.database() as db:
        from datetime import UTC, datetime

        revoked = RevocationList(demo_site.operation_id, datetime.now(UTC))
        key = db.custody.keyring.ticket_public_key()
        assert all(verify_ticket(code, key, revoked, demo_site.operation_id) for code in codes)
        assert "manifests.print" in [r.entry.action for r in audit_records(db)]
