"""Draw the manifests PDF of the demo scenario (20,600 leaving); print the time, pages and size.

    .venv/bin/python benchmarks/manifests_pdf.py
    .venv/bin/python benchmarks/manifests_pdf.py --leaving 20600 --lang ar,en --repeat 3

The scenario and its plan are the demo's (seed 2017, planner seed 0); the records are those a
coordinator sees (names, sex, age); every travelling household has a real ticket (signed with a
fresh keyring). Timed, in one process: the fonts' set-up (a first, empty document: the static
instances of Noto Sans Arabic are made once a process), the QR codes alone (segno and the image,
for every household: the floor of any manifest), then the whole manifests (every convoy) and the
largest convoy alone (what a convoy lead prints), in each language. Wall and CPU time are both
printed: on a shared machine the CPU time is the steadier figure. ``--check`` renders the first
pages with pdfium and decodes their QR codes with zxing-cpp (the dev packages).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from corridor.planner import make_plan
from corridor.reports.manifests import ManifestInput, manifest_pdf, travelling_households
from corridor.reports.pdf import Document, Language, qr_image
from corridor.security.keys import new_keyring
from corridor.security.permissions import FIELDS, Role, visible_household, visible_person
from corridor.security.tickets import issue_ticket
from corridor.synthetic import generate

PRINTED = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ISSUED = datetime(2017, 3, 10, tzinfo=UTC)
PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")


def _timed(work: object) -> tuple[float, float, object]:
    assert callable(work)
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaving", type=int, default=20_600)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--lang", default="ar,en", help="languages, comma-separated")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the PDFs in")
    parser.add_argument("--check", action="store_true", help="decode the first pages' codes")
    arguments = parser.parse_args()

    print(f"# {platform.platform()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    scenario = generate(arguments.leaving, seed=arguments.seed)
    plan = make_plan(scenario).plan
    fields = FIELDS[Role.COORDINATOR]
    keyring = new_keyring(os.urandom)
    operation_id = scenario.operation.operation_id
    travelling = travelling_households(plan.convoys)
    tickets = {h: issue_ticket(keyring, operation_id, h, 1, ISSUED) for h in travelling}
    source = ManifestInput(
        plan, scenario.operation,
        {h.household_id: visible_household(h, fields) for h in scenario.households},
        {p.person_id: visible_person(p, fields) for p in scenario.persons}, tickets)
    largest = max(plan.convoys, key=lambda convoy: convoy.people)
    print(f"{plan.people:,} people, {len(travelling):,} households, {len(plan.convoys)} "
          f"convoys, {plan.trips:,} vehicle trips; largest convoy {largest.convoy_id}: "
          f"{largest.people:,} people")

    wall, cpu, _ = _timed(lambda: Document("fonts", language="ar", created_at=PRINTED))
    print(f"fonts set-up (first document):        {wall:7.2f} s wall {cpu:7.2f} s CPU")
    wall, cpu, _ = _timed(lambda: [qr_image(payload) for payload in tickets.values()])
    print(f"QR codes alone ({len(tickets):,}):           {wall:7.2f} s wall {cpu:7.2f} s CPU")

    for language in arguments.lang.split(","):
        lang: Language = "ar" if language == "ar" else "en"
        for run in range(arguments.repeat):
            wall, cpu, data = _timed(lambda lang=lang: manifest_pdf(
                source, language=lang, created_at=PRINTED))
            assert isinstance(data, bytes)
            pages = len(PAGE.findall(data))
            print(f"manifests, every convoy, {lang} (run {run + 1}): {wall:7.2f} s wall "
                  f"{cpu:7.2f} s CPU, {len(data) / 1e6:.1f} MB, {pages:,} pages")
            if arguments.keep is not None:
                arguments.keep.mkdir(parents=True, exist_ok=True)
                (arguments.keep / f"manifests-{lang}.pdf").write_bytes(data)
            if arguments.check and run == 0:
                _check(data, tickets)
        wall, cpu, data = _timed(lambda lang=lang: manifest_pdf(
            source, language=lang, created_at=PRINTED, convoy_ids=[largest.convoy_id]))
        assert isinstance(data, bytes)
        print(f"manifests, largest convoy, {lang}:     {wall:7.2f} s wall {cpu:7.2f} s CPU, "
              f"{len(data) / 1e6:.1f} MB")


def _check(data: bytes, tickets: dict[str, str], pages: int = 5) -> None:
    import pypdfium2 as pdfium
    import zxingcpp

    document = pdfium.PdfDocument(data)
    payloads = set(tickets.values())
    codes = [code.text for index in range(min(pages, len(document)))
             for code in zxingcpp.read_barcodes(document[index].render(scale=3).to_pil())]
    assert codes and all(code in payloads for code in codes), "a code did not decode"
    print(f"  checked: {len(codes)} codes on the first {pages} pages decode to tickets")


if __name__ == "__main__":
    main()
