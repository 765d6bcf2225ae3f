"""Solve every bus evacuation (BEP) instance under a folder; check and compare each (issue 4).

    .venv/bin/python benchmarks/bep.py ../shared/benchmarks/bep-loyola [--output table.md]

Every ``*.txt`` under FOLDER (recursively) is read with ``corridor.planner.bep.read_bep`` and
solved with ``solve_bep`` (seed 0, default effort: deterministic limits, the same for every
instance). Each schedule then goes through the independent checker
(``corridor.checker._bep``), which reads the file itself and recomputes the makespan; a figure
counts only when the schedule passes. The published values come from ``reference_values.csv``
(FOLDER's own, or ``--reference``); only this script reads them, never the solver. Instances
without a published value are solved and checked all the same.

The time is the wall-clock time of ``solve_bep`` alone (reading and checking not included).
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from corridor.checker._bep import check_bep, read_instance
from corridor.planner.bep import read_bep, solve_bep


@dataclass(frozen=True, slots=True)
class Row:
    """One instance's figures."""

    name: str
    makespan: int
    lower_bound: int
    proven: bool
    valid: bool
    best: int | None
    best_proven: bool
    seconds: float

    @property
    def gap(self) -> str:
        if self.best is None:
            return ""
        return f"{100 * (self.makespan - self.best) / self.best:+.1f} %"


def _references(path: Path) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    with path.open(newline="") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


def _run(path: Path, name: str, reference: dict[str, str] | None) -> Row:
    text = path.read_text()
    instance = read_bep(text, name)
    start = time.perf_counter()
    solution = solve_bep(instance, seed=0)
    seconds = time.perf_counter() - start
    check = check_bep(read_instance(text),
                      [[(t.assembly_point, t.shelter, t.persons) for t in route]
                       for route in solution.routes])
    valid = check.valid and check.makespan == solution.makespan
    best = int(reference["best_known"]) if reference and reference["best_known"] else None
    best_proven = bool(reference and reference.get("proven_optimal") == "1")
    return Row(name, check.makespan, solution.lower_bound, solution.proven_optimal, valid, best,
               best_proven, seconds)


def _markdown(rows: list[Row]) -> str:
    lines = ["| instance | makespan | lower bound | proven? | published best | gap | time |",
             "| --- | ---: | ---: | --- | ---: | ---: | ---: |"]
    for row in rows:
        best = "" if row.best is None else f"{row.best}{' (opt)' if row.best_proven else ''}"
        makespan = str(row.makespan) if row.valid else f"{row.makespan} INVALID"
        lines.append(f"| {row.name} | {makespan} | {row.lower_bound} | "
                     f"{'yes' if row.proven else 'no'} | {best} | {row.gap} | "
                     f"{row.seconds:.2f} s |")
    return "\n".join(lines)


def _summary(rows: list[Row]) -> list[str]:
    proven_rows = [r for r in rows if r.best_proven]
    matched = sum(r.valid and r.makespan == r.best for r in proven_rows)
    compared = [r for r in rows if r.best is not None]
    worse = [r.name for r in compared if not r.valid
             or (r.best is not None and r.makespan > r.best)]
    better = [r.name for r in compared if r.valid and r.best is not None and r.makespan < r.best]
    return [
        f"instances: {len(rows)}, every schedule accepted by the checker: "
        f"{all(r.valid for r in rows)}",
        f"proven optima matched: {matched}/{len(proven_rows)}",
        f"worse than the published best: {len(worse)}" + (f" ({', '.join(worse)})"
                                                          if worse else ""),
        f"better than the published best: {len(better)}",
        f"proven optimal by corridor's bound: {sum(r.proven for r in rows)}/{len(rows)}",
        f"max time: {max((r.seconds for r in rows), default=0):.2f} s, total "
        f"{sum(r.seconds for r in rows):.1f} s",
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the folder of instances (searched recursively)")
    parser.add_argument("--reference", type=Path, default=None,
                        help="published values (default: FOLDER/reference_values.csv)")
    parser.add_argument("--output", type=Path, default=None,
                        help="also write the table and summary (Markdown) to this file")
    arguments = parser.parse_args()
    folder: Path = arguments.folder
    references = _references(arguments.reference or folder / "reference_values.csv")
    paths = sorted(folder.rglob("*.txt"), key=lambda p: _natural(p.relative_to(folder)))
    console = Console(stderr=True)
    rows: list[Row] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("BEP", total=len(paths))
        for path in paths:
            name = path.relative_to(folder).as_posix()
            progress.update(task, description=name)
            reference = references.get(name) or next(
                (r for f, r in references.items() if Path(f).name == path.name), None)
            rows.append(_run(path, name, reference))
            progress.advance(task)
    table = Table(title="Bus evacuation problem")
    for column in ("instance", "makespan", "bound", "proven?", "published best", "gap", "time"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.name, str(row.makespan) if row.valid else f"{row.makespan} INVALID",
                      str(row.lower_bound), "yes" if row.proven else "no",
                      "" if row.best is None else f"{row.best}{'*' if row.best_proven else ''}",
                      row.gap, f"{row.seconds:.2f} s")
    output = Console()
    output.print(table)
    summary = _summary(rows)
    for line in summary:
        output.print(line)
    if arguments.output:
        arguments.output.write_text(_markdown(rows) + "\n\n" + "\n".join(f"- {line}"
                                                                       for line in summary) + "\n")
    return 0 if all(r.valid for r in rows) else 1


def _natural(path: Path) -> list[object]:
    """Sort set2 before set10 and i2 before i10."""
    import re

    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(path))]


if __name__ == "__main__":
    sys.exit(main())
