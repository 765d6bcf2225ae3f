"""``corridor demo``: the main job end to end, as a list of steps that later features extend.

Each step takes the run so far and adds to it; a new feature (the plan, the field events, the
reports) adds a step at its place in ``STEPS`` and a section to what the demo prints.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from corridor.cli.identity import ensure_keyring, open_database
from corridor.cli.planning import checked, plan_view, plan_with_progress
from corridor.cli.progress import progress_bar
from corridor.cli.render import summary_view
from corridor.cli.settings import Settings, sqlite_url
from corridor.domain import Plan, Scenario
from corridor.interop.scenario_files import load_scenario, save_scenario
from corridor.reports.summary import summarise
from corridor.security.permissions import ANY_OPERATION, Grant, Principal, Role
from corridor.store.accounts import Accounts
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
    actor: str = "demo"

    @property
    def settings(self) -> Settings:
        """The demo's own home: its database, key file and audit head in its folder."""
        return Settings.from_environment({"CORRIDOR_HOME": str(self.folder)})

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


def _accounts(run: DemoRun) -> None:
    """A new key file and database, and a demo account as coordinator and protection officer."""
    keyring, _made = ensure_keyring(run.settings)
    with open_database(run.settings, keyring) as db:
        db.upgrade()
        db.check_key()
        accounts = Accounts(db)
        if not accounts.any_account():
            password = secrets.token_urlsafe(12)
            accounts.add(run.actor, password,
                         [Grant(Role.COORDINATOR, ANY_OPERATION),
                          Grant(Role.PROTECTION_OFFICER, ANY_OPERATION)], actor="demo (setup)")
            run.notes.append(f"account {run.actor} (coordinator, protection officer), password "
                             f"{password} (shown once): CORRIDOR_HOME={run.folder} corridor "
                             f"login {run.actor}")
    run.notes.append(f"key file: {run.settings.key_file} (keep it apart from the database)")


def _import(run: DemoRun) -> None:
    with progress_bar(run.err, "Reading scenario files") as progress:
        run.scenario = load_scenario(run.scenario_folder, progress)
    with open_database(run.settings) as db:
        with progress_bar(run.err, "Storing (sealed)") as progress:
            db.import_scenario(run.scenario, actor=run.actor, reason="demo", replace=True,
                               progress=progress)
        with progress_bar(run.err, "Loading from the database") as progress:
            run.stored = db.load_scenario(run.scenario.operation.operation_id, actor=run.actor,
                                          reason="demo", progress=progress)
    run.notes.append(f"database: {run.database_url}")


def _summary(run: DemoRun) -> None:
    assert run.stored is not None  # the import step ran before
    run.out.print(summary_view(summarise(run.stored)))


def _plan(run: DemoRun) -> None:
    assert run.stored is not None  # the import step ran before
    result = plan_with_progress(run.stored, run.seed, (), run.err)
    run.plan = checked(run.stored, result.plan)
    with open_database(run.settings) as db:
        plan_id = db.save_plan(run.plan)
    run.out.print(plan_view(result, explain=False))
    run.notes.append(f"plan {plan_id}: checked and stored; after signing in, "
                     f"`CORRIDOR_HOME={run.folder} corridor plan --explain` shows every bound")


def _field(run: DemoRun) -> None:
    from corridor.cli.demo_field import simulate_first_convoy

    assert run.stored is not None and run.plan is not None  # the plan step ran before
    with open_database(run.settings) as db:
        run.out.print(simulate_first_convoy(db, run.stored, run.plan))
    run.notes.append("field events of the first convoy: `corridor field status` and "
                     "`corridor field reconcile` show them again")


def _reports(run: DemoRun) -> None:
    """The first convoy's day: its sitrep (internal and public, HTML and PDF, English and
    Arabic) and the public HXL export, in the demo's reports folder."""
    from corridor.cli.options import disclosure_policy
    from corridor.store.hxl_export import write_hxl
    from corridor.store.sitreps import write_sitreps

    assert run.plan is not None  # the plan step ran before
    day = run.plan.convoys[0].day
    folder = run.folder / "reports"
    reader = Principal(run.actor, (Grant(Role.COORDINATOR, ANY_OPERATION),
                                   Grant(Role.PROTECTION_OFFICER, ANY_OPERATION)))
    policy = disclosure_policy(run.settings)
    with open_database(run.settings) as db:
        written = write_sitreps(db, run.plan.operation_id, day, folder, principal=reader,
                                policy=policy)
        hxl = write_hxl(db, run.plan.operation_id, folder / f"figures-{day.isoformat()}.hxl.csv",
                        day=day, org="corridor demo", policy=policy, actor=run.actor,
                        reason="demo: public HXL export")
    run.out.print(f"Situation reports of {day:%d %B %Y} (internal and public, HTML and PDF, "
                  f"English and Arabic): {len(written)} files in {folder}")
    run.out.print(f"HXL export ({hxl.rows} rows, {hxl.withheld} figures withheld below "
                  f"{hxl.threshold}): {hxl.path}")
    run.notes.append(f"reports: {folder} (`corridor report sitrep --day {day.isoformat()}` "
                     "and `corridor report hxl` make them again)")


def _web(run: DemoRun) -> None:
    run.notes.append(f"the dashboard, manifests, registry and phone scanner: "
                     f"`CORRIDOR_HOME={run.folder} corridor serve`, then open "
                     f"http://127.0.0.1:8000/ and sign in as {run.actor} (phones on the "
                     "network: add --tls and scan the QR code it shows)")


STEPS: list[tuple[str, Callable[[DemoRun], None]]] = [
    ("generate", _generate),
    ("accounts", _accounts),
    ("import", _import),
    ("summary", _summary),
    ("plan", _plan),
    ("field", _field),
    ("reports", _reports),
    ("web", _web),
]


def run_demo(folder: Path, leaving: int, seed: int, out: Console, err: Console) -> DemoRun:
    """Run every demo step in order and print where its files are."""
    run = DemoRun(folder, leaving, seed, out, err)
    for _name, step in STEPS:
        step(run)
    for note in run.notes:
        out.print(f"[dim]{note}[/dim]")
    return run
