"""``corridor demo``: the main job end to end, as a list of steps that later features extend.

Each step takes the run so far and adds to it; a new feature (the plan, the field events, the
reports) adds a step at its place in ``STEPS`` and a section to what the demo prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from corridor.cli.planning import checked, plan_view, plan_with_progress
from corridor.cli.progress import progress_bar
from corridor.cli.render import summary_view
from corridor.cli.settings import sqlite_url
from corridor.domain import Plan, Scenario
from corridor.interop.scenario_files import load_scenario, save_scenario
from corridor.reports.summary import summarise
from corridor.store import Database
from corridor.synthetic import generate


@dataclass
class DemoRun:
    """What the demo has made so far."""

    folder: Path
    leaving: int
    seed: int
    out: Console
    err: Console
    scenario: Scenario | None = None
    stored: Scenario | None = None
    plan: Plan | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def scenario_folder(self) -> Path:
        """Where the scenario files go."""
        return self.folder / "scenario"

    @property
    def database_url(self) -> str:
        """The demo's own SQLite database."""
        return sqlite_url(self.folder / "corridor.db")


def _generate(run: DemoRun) -> None:
    with progress_bar(run.err, "Generating the scenario") as progress:
        generated = generate(run.leaving, seed=run.seed, progress=progress)
    with progress_bar(run.err, "Writing scenario files") as progress:
        save_scenario(generated, run.scenario_folder, progress=progress)
    run.notes.append(f"scenario files: {run.scenario_folder}")


def _import(run: DemoRun) -> None:
    with progress_bar(run.err, "Reading scenario files") as progress:
        run.scenario = load_scenario(run.scenario_folder, progress)
    with Database.open(run.database_url) as db:
        db.upgrade()
        with progress_bar(run.err, "Storing") as progress:
            db.import_scenario(run.scenario, replace=True, progress=progress)
        with progress_bar(run.err, "Loading from the database") as progress:
            run.stored = db.load_scenario(run.scenario.operation.operation_id, progress=progress)
    run.notes.append(f"database: {run.database_url}")


def _summary(run: DemoRun) -> None:
    assert run.stored is not None  # the import step ran before
    run.out.print(summary_view(summarise(run.stored)))


def _plan(run: DemoRun) -> None:
    assert run.stored is not None  # the import step ran before
    result = plan_with_progress(run.stored, run.seed, (), run.err)
    run.plan = checked(run.stored, result.plan)
    with Database.open(run.database_url) as db:
        plan_id = db.save_plan(run.plan)
    run.out.print(plan_view(result, explain=False))
    run.notes.append(f"plan {plan_id}: checked and stored; `corridor plan --explain --db "
                     f"{run.database_url}` shows every bound")


STEPS: list[tuple[str, Callable[[DemoRun], None]]] = [
    ("generate", _generate),
    ("import", _import),
    ("summary", _summary),
    ("plan", _plan),
]


def run_demo(folder: Path, leaving: int, seed: int, out: Console, err: Console) -> DemoRun:
    """Run every demo step in order and print where its files are."""
    run = DemoRun(folder, leaving, seed, out, err)
    for _name, step in STEPS:
        step(run)
    for note in run.notes:
        out.print(f"[dim]{note}[/dim]")
    return run
