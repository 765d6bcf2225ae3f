"""``corridor plan`` and ``corridor check-plan``: plan, prove and show; check any plan."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from corridor.checker import Violation, check_plan
from corridor.domain import (
    BoundKind,
    CorridorError,
    InvalidValue,
    Pin,
    Plan,
    Scenario,
    UnplannedReason,
    VehicleKind,
)
from corridor.planner import PlanResult, TripGap, make_plan
from corridor.planner.pins import PinConflict, PinsUnmeetable
from corridor.security.permissions import Field

STAGES = ("problem", "schedule", "manifests")
SHOWN_VIOLATIONS = 50
__all__ = ["PinsUnmeetable", "PlanRejected", "checked", "parse_pins", "pin_conflicts_view",
           "plan_view", "plan_with_progress", "read_plan_file", "readable_violations",
           "trip_gap_view", "violations_view"]


class PlanRejected(CorridorError):
    """The independent checker rejected a plan; ``violations`` says why."""

    code = "plan_rejected"

    def __init__(self, violations: list[Violation]) -> None:
        noun = "violation" if len(violations) == 1 else "violations"
        super().__init__(f"the plan breaks the rules with {len(violations)} {noun}; the first: "
                         f"{violations[0].rule}: {violations[0].message}")
        self.violations = violations


def parse_pins(values: list[str]) -> tuple[Pin, ...]:
    """Pins written HOUSEHOLD=YYYY-MM-DD, or HOUSEHOLD=YYYY-MM-DD/N for the day's N-th convoy."""
    pins = []
    for value in values:
        household, _, day = value.partition("=")
        when, slash, number = day.strip().partition("/")
        try:
            if not household.strip() or (slash and not number.isdigit()):
                raise ValueError(value)
            pins.append(Pin(household.strip(), date.fromisoformat(when),
                            f"{when}/{int(number)}" if slash else None))
        except ValueError:
            raise InvalidValue(f"--pin {value!r} is not HOUSEHOLD=YYYY-MM-DD or "
                               "HOUSEHOLD=YYYY-MM-DD/N (the day's N-th convoy), for example "
                               "--pin H0042=2017-03-21 or --pin H0042=2017-03-21/2",
                               "pin") from None
    return tuple(pins)


def pin_conflicts_view(conflicts: tuple[PinConflict, ...], title: str) -> RenderableType:
    """One red panel a pin that cannot be kept, naming the household, day and constraint."""
    shown = [Panel(f"{conflict.explanation} [{conflict.constraint}]", title=title,
                   style="red", expand=False) for conflict in conflicts[:SHOWN_VIOLATIONS]]
    if len(conflicts) > SHOWN_VIOLATIONS:
        shown.append(Panel(f"... and {len(conflicts) - SHOWN_VIOLATIONS:,} more pins",
                           style="red", expand=False))
    return Group(*shown)


def plan_with_progress(scenario: Scenario, seed: int, pins: tuple[Pin, ...],
                       console: Console, drop_unmeetable_pins: bool = False) -> PlanResult:
    """Run the planner with a progress bar a stage; PinsUnmeetable when a pin cannot be kept
    (unless ``drop_unmeetable_pins``)."""
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        tasks: dict[str, TaskID] = {stage: bar.add_task(f"Planning: {stage}", total=1)
                                    for stage in STAGES}

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(tasks[stage], completed=done, total=max(total, 1))

        result = make_plan(scenario, seed=seed, pins=pins, progress=progress,
                           drop_unmeetable_pins=drop_unmeetable_pins)
        for task in tasks.values():
            bar.update(task, completed=bar.tasks[task].total)
    return result


def checked(scenario: Scenario, plan: Plan, visible: frozenset[Field] | None = None) -> Plan:
    """The plan, once the independent checker accepts it; PlanRejected otherwise, its
    violations as a reader who sees only the ``visible`` fields may read them (all, if None)."""
    violations = check_plan(scenario, plan)
    if violations:
        raise PlanRejected(violations if visible is None else
                           readable_violations(violations, visible))
    return plan


RULE_FIELDS: dict[str, frozenset[Field]] = {
    "category": frozenset({Field.CATEGORY}),
    "eligibility": frozenset({Field.CATEGORY}),
    "coverage": frozenset({Field.INTENT, Field.CATEGORY}),
    "stretchers": frozenset({Field.MEDICAL}),
    "companion": frozenset({Field.MEDICAL}),
    "luggage": frozenset({Field.LUGGAGE}),
    "hold": frozenset({Field.LUGGAGE}),
    "destination": frozenset({Field.DESTINATION}),
}
"""The personal fields a rule's violations tell of (a combatant's routing, a stretcher case)."""


def readable_violations(violations: list[Violation],
                        visible: frozenset[Field]) -> list[Violation]:
    """The violations as a reader who sees only the ``visible`` fields may read them: a rule
    whose violations tell of a field they may not see is one line, with how many and which
    field the details need, and no person or household named (a checkpoint officer must not
    learn from the checker who is a combatant)."""
    readable: list[Violation] = []
    hidden: dict[str, int] = {}
    for violation in violations:
        if RULE_FIELDS.get(violation.rule, frozenset()) <= visible:
            readable.append(violation)
        else:
            hidden[violation.rule] = hidden.get(violation.rule, 0) + 1
    for rule, count in hidden.items():
        needed = ", ".join(sorted(field.value for field in RULE_FIELDS[rule] - visible))
        readable.append(Violation(rule, f"{count:,} {'violation' if count == 1 else 'violations'}",
                                  f"details withheld: they tell of the {needed} field, which "
                                  "your role may not see; a coordinator can read them"))
    return readable


def violations_view(violations: list[Violation]) -> RenderableType:
    """The checker's findings, one a line."""
    table = Table(title=f"{len(violations)} rule violations", title_justify="left")
    for column in ("rule", "subject", "what is wrong"):
        table.add_column(column)
    for violation in violations[:SHOWN_VIOLATIONS]:
        table.add_row(violation.rule, violation.subject, violation.message)
    if len(violations) > SHOWN_VIOLATIONS:
        table.add_row("...", f"{len(violations) - SHOWN_VIOLATIONS:,} more", "")
    return table


def plan_view(result: PlanResult, explain: bool) -> RenderableType:
    """The plan's headline figures; with ``explain``, every bound and what binds."""
    plan = result.plan
    trips = Counter(trip.kind for convoy in plan.convoys for trip in convoy.trips)
    day_bound = plan.best_bound(BoundKind.DAYS)
    trip_bound = next((b for b in plan.bounds if b.name == "all vehicle trips"), None)
    unplanned: Counter[UnplannedReason] = Counter()
    for item in plan.unplanned:
        unplanned[item.reason] += item.people
    table = Table(title="Plan", title_justify="left", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    proven = "proven shortest" if plan.proven_optimal_days else (
        f"{plan.day_gap} above the bound" if day_bound else "")
    table.add_row("days", f"{plan.days} (lower bound {day_bound.value if day_bound else '-'}; "
                  f"{proven})")
    table.add_row("people planned", f"{plan.people:,}")
    households = {line.household_id for c in plan.convoys for t in c.trips for line in t.lines}
    table.add_row("households", f"{len(households):,}")
    table.add_row("convoys", f"{len(plan.convoys):,}")
    above = f", {100 * (plan.trips / trip_bound.value - 1):.1f} % above the bound " \
            f"{trip_bound.value:,}" if trip_bound and trip_bound.value else ""
    table.add_row("vehicle trips", f"{plan.trips:,}: {trips[VehicleKind.BUS]:,} bus, "
                  f"{trips[VehicleKind.AMBULANCE]:,} ambulance, "
                  f"{trips[VehicleKind.LUGGAGE_TRUCK]:,} truck{above}")
    if plan.split_households:
        table.add_row("split households", f"{len(plan.split_households):,} (larger than a bus)")
    for reason, people in sorted(unplanned.items()):
        table.add_row(f"not planned: {reason.value}", f"{people:,} people")
    table.add_row("what binds", plan.binding_constraint)
    parts: list[RenderableType] = [table]
    for sentence in result.infeasibility:
        parts.append(Panel(sentence, title="cannot be done in the window", style="red",
                           expand=False))
    if result.dropped_pins:
        parts.append(pin_conflicts_view(result.dropped_pins, "pin not kept (dropped)"))
    if explain:
        bounds = Table(title="Lower bounds (proven)", title_justify="left")
        for column in ("kind", "bound", "value", "because"):
            bounds.add_column(column)
        for bound in sorted(plan.bounds, key=lambda b: (b.kind, -b.value)):
            bounds.add_row(bound.kind.value, bound.name, f"{bound.value:,}", bound.explanation)
        parts.append(bounds)
        if result.trip_gaps:
            parts.append(trip_gap_view(result.trip_gaps))
        days = Table(title="Convoys by day (first 14 days)", title_justify="left")
        for column in ("day", "convoys", "people", "destinations"):
            days.add_column(column)
        by_day: dict[date, list[int]] = {}
        destinations: dict[date, set[str]] = {}
        for convoy in plan.convoys:
            entry = by_day.setdefault(convoy.day, [0, 0])
            entry[0] += 1
            entry[1] += convoy.people
            destinations.setdefault(convoy.day, set()).add(convoy.destination)
        for day in sorted(by_day)[:14]:
            convoys, people = by_day[day]
            days.add_row(str(day), str(convoys), f"{people:,}",
                         ", ".join(sorted(destinations[day])))
        parts.append(days)
        if result.schedule_days is not None:
            parts.append(f"The aggregate schedule (HiGHS) fits in {result.schedule_days} days "
                         "with people counted fractionally.")
    return Group(*parts)


GAP_CAUSES = (
    ("busloads", "buses: part-busload days"),
    ("packing", "buses: households, last buses"),
    ("more_convoys", "ambulances: more convoys"),
    ("compulsory", "ambulances: no stretcher case"),
    ("trucks", "trucks"),
)


def trip_gap_view(gaps: tuple[TripGap, ...]) -> RenderableType:
    """The trips above the trip bound, destination by destination and by cause."""
    table = Table(
        title="Trips above the bound, by cause", title_justify="left", caption_justify="left",
        caption="Plan and bound: bus, ambulance and truck trips. The bound lets each "
        "destination's people travel on any number of days, each a whole number of busloads, "
        "and its stretcher cases fill the ambulances of any convoy. The plan takes as few days "
        "as it can and medical emergencies first, so days carry riders who are not whole "
        "busloads (counted by departure day), and the convoys after the last stretcher case "
        "(in brackets) take compulsory ambulances without one. Also: seats that whole "
        "households leave empty, each convoy's last bus, more convoys than reception and "
        "convoy size force, trucks (fewer where the plan's buses or ambulances take the "
        "luggage in their holds). docs/planner.md, \"Why trips are above the bound\".")
    table.add_column("destination")
    table.add_column("convoys", justify="right")
    table.add_column("plan", justify="right")
    table.add_column("bound", justify="right")
    for _, header in GAP_CAUSES:
        table.add_column(header, justify="right")
    table.add_column("above", justify="right")

    def row(name: str, convoys: str, plan: list[int], bound: list[int], causes: list[int],
            above: int) -> None:
        table.add_row(name, convoys, ", ".join(f"{n:,}" for n in plan),
                      ", ".join(f"{n:,}" for n in bound), *(f"{n:+,}" for n in causes),
                      f"{above:+,}")

    for gap in gaps:
        row(gap.destination, f"{gap.convoys:,} ({gap.after_stretchers:,})", list(gap.plan),
            list(gap.bound), [getattr(gap, name) for name, _ in GAP_CAUSES], gap.above)
    if len(gaps) > 1:
        row("all", f"{sum(g.convoys for g in gaps):,}",
            [sum(g.plan[i] for g in gaps) for i in range(3)],
            [sum(g.bound[i] for g in gaps) for i in range(3)],
            [sum(getattr(g, name) for g in gaps) for name, _ in GAP_CAUSES],
            sum(g.above for g in gaps))
    return table


def read_plan_file(path: Path) -> Plan:
    """A plan from a plan.json file."""
    from corridor.interop.plan_json import plan_from_json

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidValue(f"cannot read {path}: {error.strerror}", "plan") from None
    return plan_from_json(text, path.name)
