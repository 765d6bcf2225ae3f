"""Run the planner's packer on one-dimensional bin-packing instances in the BPP format (issue 4).

    .venv/bin/python benchmarks/packing.py ../shared/benchmarks/bpplib
    .venv/bin/python benchmarks/packing.py FOLDER --sets Falkenauer_T,Scholl_3 --limit 5

FOLDER holds one sub-folder a set, each with instance files (line 1: n, line 2: the capacity,
then n lines of one item size each), and ``reference_values.csv`` (columns set, instance, opt,
L2, ...; another file with ``--reference``). The instance files stay outside the repository:
their licence forbids copying them.

For each instance: ``pack(sizes, capacity, seed=0)`` and, in the same run, a first-fit
decreasing written here, independently of the packer, as the baseline. Each packing is checked
here (every item exactly once, no vehicle over capacity); only then is it compared with the
reference optimum. The packer never sees the reference values: only this script reads them. The
packer's L2 is compared with the reference L2 column on every instance and every mismatch is
listed. Times are wall-clock (what a user waits) and CPU (what the machine was asked for) per
instance, the baseline's included in neither.
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from corridor.planner.packing import pack

DEFAULT_SETS = ("Falkenauer_U", "Falkenauer_T", "Scholl_1", "Scholl_2", "Scholl_3", "Schwerin_1",
                "Schwerin_2")


class InstanceError(ValueError):
    """A malformed instance file, with the file and the line."""


@dataclass(frozen=True, slots=True)
class Instance:
    """One bin-packing instance as read from its file."""

    set_name: str
    name: str
    capacity: int
    sizes: list[int]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one instance gave: vehicles of the packer and of the baseline, bounds and times."""

    instance: Instance
    optimum: int
    reference_l2: int
    vehicles: int
    lower_bound: int
    l2_bound: int
    proven: bool
    wall_seconds: float
    cpu_seconds: float
    baseline: int
    baseline_seconds: float


def read_instance(path: Path, set_name: str) -> Instance:
    """Read a BPP file; a malformed one raises InstanceError naming the file and the line."""
    values: list[tuple[int, int]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                values.append((number, int(text)))
            except ValueError:
                message = f"{path}, line {number}: {text!r} is not a whole number"
                raise InstanceError(message) from None
    if len(values) < 2:
        raise InstanceError(f"{path}: the file needs the item count on line 1 and the capacity "
                            "on line 2")
    (_, count), (capacity_line, capacity) = values[0], values[1]
    if count < 0:
        raise InstanceError(f"{path}, line 1: the item count {count} is negative")
    if capacity < 1:
        raise InstanceError(f"{path}, line {capacity_line}: the capacity {capacity} is below 1")
    items = values[2:]
    if len(items) != count:
        raise InstanceError(f"{path}: line 1 announces {count} items, the file has "
                            f"{len(items)}")
    for number, size in items:
        if not 1 <= size <= capacity:
            raise InstanceError(f"{path}, line {number}: size {size} is not from 1 to the "
                                f"capacity {capacity}")
    return Instance(set_name, path.stem, capacity, [size for _, size in items])


def read_reference(path: Path) -> dict[str, tuple[int, int]]:
    """The optimum and the L2 bound of each instance, by instance name."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    reference = {}
    for line, row in enumerate(rows, start=2):
        try:
            reference[row["instance"]] = (int(row["opt"]), int(row["L2"]))
        except (KeyError, ValueError) as error:
            raise InstanceError(f"{path}, line {line}: no whole opt and L2 ({error})") from None
    return reference


def check_packing(bins: Sequence[Sequence[int]], sizes: Sequence[int], capacity: int) -> None:
    """Raise AssertionError unless every item is in exactly one bin and none is over capacity."""
    seen = sorted(item for contents in bins for item in contents)
    if seen != list(range(len(sizes))):
        raise AssertionError("the packing does not hold every item exactly once")
    for index, contents in enumerate(bins):
        load = sum(sizes[item] for item in contents)
        if load > capacity:
            raise AssertionError(f"vehicle {index} holds {load}, above the capacity {capacity}")


def first_fit_decreasing(sizes: Sequence[int], capacity: int) -> int:
    """The baseline: vehicles of first-fit decreasing, written independently of the packer."""
    room: list[int] = []
    for size in sorted(sizes, reverse=True):
        for index, left in enumerate(room):
            if size <= left:
                room[index] = left - size
                break
        else:
            room.append(capacity - size)
    return len(room)


def run(instance: Instance, optimum: int, reference_l2: int) -> Outcome:
    """Pack one instance with the packer and the baseline; check the packer's packing."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = pack(instance.sizes, instance.capacity, seed=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    check_packing(result.bins, instance.sizes, instance.capacity)
    start = time.perf_counter()
    baseline = first_fit_decreasing(instance.sizes, instance.capacity)
    baseline_seconds = time.perf_counter() - start
    return Outcome(instance, optimum, reference_l2, result.vehicles, result.lower_bound,
                   result.l2_bound, result.proven_optimal, wall, cpu, baseline, baseline_seconds)


def summary(name: str, outcomes: list[Outcome]) -> list[str]:
    """One table row: optimum reached, vehicles above, L2 agreement and times."""
    count = len(outcomes)
    at_optimum = sum(o.vehicles == o.optimum for o in outcomes)
    above = max(o.vehicles - o.optimum for o in outcomes)
    baseline_at = sum(o.baseline == o.optimum for o in outcomes)
    baseline_above = max(o.baseline - o.optimum for o in outcomes)
    l2_equal = sum(o.l2_bound == o.reference_l2 for o in outcomes)
    proven = sum(o.proven for o in outcomes)
    walls = [o.wall_seconds for o in outcomes]
    cpus = [o.cpu_seconds for o in outcomes]
    return [name, f"{count:,}", f"{at_optimum:,} ({100 * at_optimum / count:.1f} %)",
            f"+{above}", f"{proven:,}", f"{l2_equal:,}/{count:,}",
            f"{sum(walls) / count:.3f} / {max(walls):.2f}",
            f"{sum(cpus) / count:.3f} / {max(cpus):.2f}",
            f"{baseline_at:,} ({100 * baseline_at / count:.1f} %)", f"+{baseline_above}"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; the exit code is 1 when a figure of the issue is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="the folder of sets (BPPLIB subset)")
    parser.add_argument("--sets", default=",".join(DEFAULT_SETS),
                        help="comma-separated set folders to run (default: all seven)")
    parser.add_argument("--limit", type=int, default=None,
                        help="at most this many instances a set (the first by file name)")
    parser.add_argument("--reference", type=Path, default=None,
                        help="reference values (default: FOLDER/reference_values.csv)")
    parser.add_argument("--csv", type=Path, default=None, help="write one row an instance here")
    args = parser.parse_args(argv)
    console = Console() if sys.stdout.isatty() else Console(width=170)
    reference = read_reference(args.reference or args.folder / "reference_values.csv")
    instances: list[Instance] = []
    for set_name in args.sets.split(","):
        files = sorted((args.folder / set_name).glob("*.txt"))
        if not files:
            console.print(f"[red]no instance files in {args.folder / set_name}[/red]")
            return 2
        for path in files[:args.limit]:
            try:
                instances.append(read_instance(path, set_name))
            except InstanceError as error:
                console.print(f"[red]{error}[/red]")
                return 2
    missing = [i.name for i in instances if i.name not in reference]
    if missing:
        console.print(f"[red]no reference values for {', '.join(missing[:5])}[/red]")
        return 2
    outcomes: list[Outcome] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("packing", total=len(instances))
        for instance in instances:
            progress.update(task, description=f"{instance.set_name}/{instance.name}")
            optimum, reference_l2 = reference[instance.name]
            outcomes.append(run(instance, optimum, reference_l2))
            progress.advance(task)
            if instance is instances[-1] or instances[len(outcomes)].set_name != \
                    instance.set_name:
                progress.log(f"{instance.set_name}: done")
    table = Table(title=f"corridor's packer against first-fit decreasing ({platform.machine()}, "
                        f"Python {platform.python_version()})")
    for header in ("set", "instances", "at optimum", "max above", "proven", "L2 = reference",
                   "wall s mean / max", "CPU s mean / max", "FFD at optimum", "FFD max above"):
        table.add_column(header)
    by_set: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_set.setdefault(outcome.instance.set_name, []).append(outcome)
    for set_name, group in by_set.items():
        table.add_row(*summary(set_name, group))
    table.add_row(*summary("all", outcomes), style="bold")
    console.print(table)
    for outcome in outcomes:
        if outcome.vehicles != outcome.optimum:
            console.print(f"{outcome.instance.set_name}/{outcome.instance.name}: "
                          f"{outcome.vehicles} vehicles, optimum {outcome.optimum}")
    mismatches = [o for o in outcomes if o.l2_bound != o.reference_l2]
    for outcome in mismatches:
        console.print(f"[red]L2 mismatch {outcome.instance.name}: packer {outcome.l2_bound}, "
                      f"reference {outcome.reference_l2}[/red]")
    if args.csv:
        with args.csv.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["set", "instance", "n", "capacity", "opt", "vehicles",
                             "lower_bound", "l2", "reference_l2", "proven", "wall_s", "cpu_s",
                             "ffd", "ffd_s"])
            for o in outcomes:
                writer.writerow([o.instance.set_name, o.instance.name, len(o.instance.sizes),
                                 o.instance.capacity, o.optimum, o.vehicles, o.lower_bound,
                                 o.l2_bound, o.reference_l2, int(o.proven),
                                 f"{o.wall_seconds:.4f}", f"{o.cpu_seconds:.4f}", o.baseline,
                                 f"{o.baseline_seconds:.4f}"])
    at_optimum = sum(o.vehicles == o.optimum for o in outcomes)
    met = (at_optimum >= 0.95 * len(outcomes) and not mismatches
           and all(o.vehicles <= o.optimum + 1 for o in outcomes)
           and all(o.wall_seconds <= 5 for o in outcomes))
    console.print("targets (95 % at the optimum, never above +1, at most 5 s, L2 everywhere): "
                  + ("[green]met[/green]" if met else "[red]not met[/red]"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
