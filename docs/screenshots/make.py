"""Make the screenshots of docs/web.md: the dashboard and the scanner at phone size, in Arabic
and English, and the dashboard on a laptop, from the demo's synthetic data.

    .venv/bin/python docs/screenshots/make.py [FOLDER]

FOLDER (default: a temporary folder) holds the demo's database; the PNG files are written
beside this script. Debian's Chromium, headless, through Playwright (as the web tests).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser import launch, make_demo, sign_in, start_server  # noqa: E402
from tests.pg_cluster import free_port  # noqa: E402

HERE = Path(__file__).parent
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 900}}


def _scanner_with_a_household(page: Page, base: str, operation_id: str, household: str,
                              convoy: str) -> None:
    sign_in(page, base, "officer", then=f"/operations/{operation_id}/scanner")
    page.wait_for_selector("#scanner[data-ready=true]")
    page.select_option("#action", "check-in")
    page.select_option("#convoy", convoy)
    page.fill("#code", household)
    page.click("#lookup button[type=submit]")
    page.wait_for_selector("#card:not([hidden])")


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    site = make_demo(folder / "demo") if not (folder / "demo" / "corridor.db").exists() else None
    home = folder / "demo"
    port = free_port()
    server = start_server(home, port)
    base = f"http://127.0.0.1:{port}"
    try:
        from corridor.cli.identity import custody_for
        from corridor.cli.settings import Settings
        from corridor.store import Database

        settings = Settings.from_environment({"CORRIDOR_HOME": str(home)})
        with Database.open(settings.database_url, custody_for(settings)) as db:  # type: ignore[arg-type]
            operation_id = db.operations()[0].operation_id
            plan = db.load_plan(operation_id)
        convoy = plan.convoys[2]
        household = convoy.trips[0].lines[0].household_id
        with sync_playwright() as playwright:
            browser = launch(playwright.chromium)
            for language in ("en", "ar"):
                context = browser.new_context(locale=language, **PHONE)  # type: ignore[arg-type]
                page = context.new_page()
                sign_in(page, base, "coord")
                page.wait_for_selector("#burnup canvas")
                page.screenshot(path=str(HERE / f"dashboard-phone-{language}.png"))
                context.close()
                context = browser.new_context(locale=language, **PHONE)  # type: ignore[arg-type]
                page = context.new_page()
                _scanner_with_a_household(page, base, operation_id, household, convoy.convoy_id)
                page.screenshot(path=str(HERE / f"scanner-phone-{language}.png"))
                context.close()
            context = browser.new_context(locale="en", **LAPTOP)  # type: ignore[arg-type]
            page = context.new_page()
            sign_in(page, base, "coord")
            page.wait_for_selector("#burnup canvas")
            page.screenshot(path=str(HERE / "dashboard-laptop-en.png"), full_page=False)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    del site
    print(f"screenshots written to {HERE}")


if __name__ == "__main__":
    main()
