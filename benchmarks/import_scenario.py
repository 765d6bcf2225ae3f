"""Generate and import a large synthetic scenario into SQLite; print time and peak memory.

    .venv/bin/python benchmarks/import_scenario.py --leaving 1000000 --workdir /tmp/corridor-bench

Each phase runs in its own process so that its peak memory (max RSS) is its own. The baseline,
in the same run, is the floor for the same files: csv.reader straight into sqlite3.executemany
with no checks at all; the import is reported as a ratio of it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

PHASES = ("generate", "import", "baseline")


def _phase_generate(workdir: Path, leaving: int, seed: int) -> dict[str, float]:
    from corridor.interop.scenario_files import save_scenario
    from corridor.synthetic import generate

    started = time.perf_counter()
    scenario = generate(leaving, seed=seed)
    generated = time.perf_counter()
    save_scenario(scenario, workdir / "scenario")
    return {"generate_s": generated - started, "write_s": time.perf_counter() - generated,
            "households": len(scenario.households), "persons": len(scenario.persons)}


def _phase_import(workdir: Path) -> dict[str, float]:
    from corridor.interop.scenario_files import load_scenario
    from corridor.security.keys import new_keyring
    from corridor.store import Database
    from corridor.store.custody import Custody

    database = workdir / "corridor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    custody = Custody(new_keyring(os.urandom), workdir / "audit-head")
    with Database.open(f"sqlite:///{database}", custody) as db:
        db.upgrade()
        started = time.perf_counter()
        scenario = load_scenario(workdir / "scenario")
        read = time.perf_counter()
        db.import_scenario(scenario, actor="benchmark")
        stored = time.perf_counter()
    return {"read_s": read - started, "store_s": stored - read, "import_s": stored - started}


def _phase_baseline(workdir: Path) -> dict[str, float]:
    database = workdir / "baseline.db"
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    connection.execute("pragma journal_mode=wal")
    connection.execute("pragma synchronous=normal")
    for name in ("households", "persons"):
        with (workdir / "scenario" / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            connection.execute(f"create table {name} ({', '.join(header)})")
            marks = ", ".join("?" * len(header))
            connection.executemany(f"insert into {name} values ({marks})", reader)
    connection.commit()
    connection.close()
    return {"baseline_s": time.perf_counter() - started}


def _run_phase(phase: str, workdir: Path, leaving: int, seed: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--phase", phase, "--workdir", str(workdir),
               "--leaving", str(leaving), "--seed", str(seed)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    """Run every phase in its own process and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaving", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/corridor-bench"))
    parser.add_argument("--phase", choices=PHASES)
    arguments = parser.parse_args()
    if arguments.phase:
        functions = {"generate": lambda: _phase_generate(arguments.workdir, arguments.leaving,
                                                         arguments.seed),
                     "import": lambda: _phase_import(arguments.workdir),
                     "baseline": lambda: _phase_baseline(arguments.workdir)}
        figures = functions[arguments.phase]()
        figures["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    shutil.rmtree(arguments.workdir, ignore_errors=True)
    arguments.workdir.mkdir(parents=True)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, {subprocess.getoutput('nproc')} cores")
    results = {phase: _run_phase(phase, arguments.workdir, arguments.leaving, arguments.seed)
               for phase in PHASES}
    generated, imported, baseline = (results[phase] for phase in PHASES)
    print(f"scenario: {arguments.leaving:,} leaving; {generated['households']:,.0f} households, "
          f"{generated['persons']:,.0f} persons")
    print(f"generate: {generated['generate_s']:.1f} s + write files {generated['write_s']:.1f} s,"
          f" peak {generated['peak_rss_mib']:,.0f} MiB")
    print(f"import:   {imported['import_s']:.1f} s (read and check {imported['read_s']:.1f} s, "
          f"store {imported['store_s']:.1f} s), peak {imported['peak_rss_mib']:,.0f} MiB")
    print(f"baseline: {baseline['baseline_s']:.1f} s (csv.reader into sqlite3, no checks), "
          f"peak {baseline['peak_rss_mib']:,.0f} MiB")
    print(f"import / baseline: {imported['import_s'] / baseline['baseline_s']:.2f}x; "
          "targets: import <= 60 s and <= 2,048 MiB")


if __name__ == "__main__":
    main()
