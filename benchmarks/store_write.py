"""Write a large registry into the store and read it back; print the time and memory of each.

    .venv/bin/python benchmarks/store_write.py --persons 3700000
    .venv/bin/python benchmarks/store_write.py --persons 3700000 --url postgresql://...

The registry is made in memory with the domain classes (seeded, about five persons a household,
one in ten vulnerable), so only the store is measured: ``import_scenario`` into a new database
at head, then ``load_scenario``. "Extra" memory is the highest resident size during a step less
the resident size just before it, sampled every 50 ms. The baseline, in the same process, is the
floor for the same rows: plain ``sqlite3.executemany`` of prepared tuples into the same tables.
Targets for 3,700,000 persons on a 2-core machine: write <= 25 s with well under 1.5 GiB extra,
load < 40 s.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from corridor.domain import (
    Category,
    Household,
    Intent,
    Person,
    Scenario,
    Sex,
    Vulnerability,
)
from corridor.security.keys import new_keyring
from corridor.security.sealing import Sealer
from corridor.store import Database
from corridor.store.custody import Custody
from corridor.store.rows import (
    HOUSEHOLD_COLUMNS,
    PERSON_COLUMNS,
    household_rows,
    members_by_household,
    person_rows,
)
from corridor.synthetic import operation_for

FIRST_NAMES = ("Amal", "Omar", "Lina", "Khaled", "Rana", "Yusuf", "Huda", "Samir", "Nour",
               "Fadi", "Maya", "Ali", "Reem", "Tarek", "Salma", "Bilal")
FAMILY_NAMES = ("Haddad", "Nasser", "Khoury", "Saleh", "Darwish", "Haidar", "Aswad", "Hamdan",
                "Sabbagh", "Qassem")
VULNERABILITIES = (frozenset({Vulnerability.ELDERLY}), frozenset({Vulnerability.DISABILITY}),
                   frozenset({Vulnerability.PREGNANCY}),
                   frozenset({Vulnerability.MEDICAL_EMERGENCY, Vulnerability.ELDERLY}))
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def registry(persons: int, seed: int) -> Scenario:
    """A valid scenario of ``persons`` persons in households of one to nine."""
    rng = random.Random(seed)
    operation = operation_for(1_000_000, seed)
    assembly_points = [site.site_id for site in operation.assembly_points]
    destinations = [*operation.agreement.destinations, None]
    households: list[Household] = []
    people: list[Person] = []
    while len(people) < persons:
        household_id = f"H{len(households) + 1:07d}"
        households.append(Household(household_id, rng.choice(assembly_points),
                                    rng.choice(destinations)))
        family = rng.choice(FAMILY_NAMES)
        for _ in range(min(rng.randint(1, 9), persons - len(people))):
            vulnerable = rng.random() < 0.1
            people.append(Person(
                f"P{len(people) + 1:08d}", household_id,
                f"{rng.choice(FIRST_NAMES)} {family}", rng.choice((Sex.FEMALE, Sex.MALE)),
                Category.COMBATANT if rng.random() < 0.05 else Category.CIVILIAN,
                Intent.LEAVE if rng.random() < 0.27 else Intent.STAY,
                birth_year=rng.randint(1930, 2016),
                vulnerabilities=rng.choice(VULNERABILITIES) if vulnerable else frozenset(),
                luggage_pieces=rng.randint(0, 3)))
    return Scenario(operation, tuple(households), tuple(people))


def _resident_bytes() -> int:
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


@contextmanager
def _measured(label: str) -> Iterator[None]:
    """Print the seconds and the extra resident memory the block took."""
    before = _resident_bytes()
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, _resident_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        peak = max(peak, _resident_bytes())
        print(f"{label}: {elapsed:.1f} s, extra memory {(peak - before) / 2**20:,.0f} MiB",
              flush=True)


def _baseline(scenario: Scenario, path: Path, sealer: Sealer) -> None:
    """The same sealed rows with the same pragmas through sqlite3 alone, into the schema."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")
    operation_id = scenario.operation.operation_id
    gc.disable()
    try:
        connection.execute("BEGIN")
        connection.execute("INSERT INTO operations VALUES (?, '', '', '', '')", (operation_id,))
        connection.executemany(
            f"INSERT INTO households ({', '.join(HOUSEHOLD_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(HOUSEHOLD_COLUMNS))})",
            household_rows(operation_id, scenario.households, 0, sealer, scenario.persons,
                           members_by_household(scenario.persons)))
        connection.executemany(
            f"INSERT INTO persons ({', '.join(PERSON_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(PERSON_COLUMNS))})",
            person_rows(operation_id, scenario.persons, 0, sealer))
        connection.execute("COMMIT")
    finally:
        gc.enable()
        connection.close()


def main() -> None:
    """Generate, import, load and compare; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=3_700_000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--url", help="database URL (default: SQLite in a temporary folder); "
                                      "a PostgreSQL database must be empty")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the sqlite3 baseline (it needs as much memory again)")
    arguments = parser.parse_args()

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{platform.python_implementation()} {platform.python_version()}")
    started = time.perf_counter()
    scenario = registry(arguments.persons, arguments.seed)
    print(f"registry: {len(scenario.households):,} households, {len(scenario.persons):,} "
          f"persons, generated in {time.perf_counter() - started:.1f} s", flush=True)

    with tempfile.TemporaryDirectory(prefix="corridor-bench-") as folder:
        url = arguments.url or f"sqlite:///{Path(folder) / 'corridor.db'}"
        custody = Custody(new_keyring(os.urandom), Path(folder) / "audit-head")
        with Database.open(url, custody) as database:
            database.upgrade()
            with _measured(f"write, sealed ({database.dialect})"):
                database.import_scenario(scenario, replace=True, actor="benchmark")
            del scenario
            gc.collect()
            with _measured(f"load, opened ({database.dialect})"):
                loaded = database.load_scenario(actor="benchmark", reason="benchmark")
        if arguments.url is None:  # closed: SQLite has folded its write-ahead log in by now
            size = sum(path.stat().st_size for path in Path(folder).iterdir())
            print(f"database file: {size / 2**20:,.0f} MiB")
        if not arguments.no_baseline:
            baseline = Path(folder) / "baseline.db"
            with Database.open(f"sqlite:///{baseline}") as database:
                database.upgrade()
            with _measured("baseline write (sqlite3 executemany, same rows and schema)"):
                _baseline(loaded, baseline, custody.sealer)


if __name__ == "__main__":
    main()
