"""The coordinator's dashboard as data: the operation now, against its plan.

:func:`dashboard` turns a projection (the events so far under the newest plan) into what the
dashboard page shows: counts by stage against the plan, people evacuated per day planned and
actual (the burn-up), each convoy and vehicle with its status, medical cases, incidents, the
next 24 hours of the schedule, the binding constraint and the reconciliation's discrepancies.
No name is in it: figures, convoys, vehicles, and the discrepancies by person id.

Monitors see :func:`protected_dashboard` instead: the daily series of people departed and
arrived up to the last full day, through disclosure control (the same rules and ledger as every
release to monitors), the convoys' status without their counts, and the incidents.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from corridor.domain.events import (
    EventKind,
    Incident,
    MedicalCase,
    Stage,
)
from corridor.domain.plan import BoundKind, Convoy
from corridor.reports.disclosure import DisclosurePolicy, Key, Ledger, protect
from corridor.reports.revisions import RevisingBuilder
from corridor.tracking.projections import CountKey, Projection, StageCounts

STAGES = (Stage.REGISTERED, Stage.CHECKED_IN, Stage.SCREENED, Stage.BOARDED, Stage.DEPARTED,
          Stage.ARRIVED)
"""The stages the dashboard counts, in order."""

NEXT_HOURS = 24
"""How far ahead the schedule on the dashboard reaches."""


@dataclass(frozen=True, slots=True)
class DayLine:
    """People evacuated on one day of the plan: planned, and departed so far (None: withheld)."""

    day: date
    planned: int | None
    planned_cumulative: int | None
    departed: int | None
    departed_cumulative: int | None
    arrived: int | None


@dataclass(frozen=True, slots=True)
class VehicleLine:
    """One vehicle trip of a convoy and how far its people got."""

    vehicle_id: str
    kind: str
    planned: int
    boarded: int
    status: str


@dataclass(frozen=True, slots=True)
class ConvoyLine:
    """One convoy of the plan: when, where to, how many, and its status now."""

    convoy_id: str
    day: date
    departure: datetime
    destination: str
    vehicles: int
    planned: int | None  # None on a protected (monitor) board
    checked_in: int | None
    boarded: int | None
    departed: int | None
    arrived: int | None
    status: str
    locked: bool
    trips: tuple[VehicleLine, ...]


@dataclass(frozen=True, slots=True)
class MedicalLine:
    """A medical case by the medical team's own id; never a diagnosis, never a name."""

    case_id: str
    escalated_to: str | None
    transferred: bool


@dataclass(frozen=True, slots=True)
class IncidentLine:
    """An incident as its latest report has it."""

    incident_id: str
    incident_type: str
    severity: str
    place: str
    verification: str


@dataclass(frozen=True, slots=True)
class DiscrepancyLine:
    """A discrepancy of a convoy's reconciliation, as a sentence."""

    convoy_id: str
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class Dashboard:
    """Everything the dashboard shows; figures a reader may not see are None (withheld)."""

    operation_id: str
    operation_name: str
    as_of: datetime
    protected: bool
    threshold: int | None
    planned_people: int | None
    stages: dict[str, int | None]
    held: int | None
    no_show: int | None
    conflicts: int | None
    days: tuple[DayLine, ...]
    convoys: tuple[ConvoyLine, ...]
    next_hours: tuple[ConvoyLine, ...]
    medical: tuple[MedicalLine, ...]
    incidents: tuple[IncidentLine, ...]
    discrepancies: tuple[DiscrepancyLine, ...]
    binding_constraint: str
    """The planner's sentence (in English; empty for monitors: it can carry registry counts)."""
    binding_kind: str | None
    """The constraint of the best day bound (``checkpoint``, ``reception``, ``fleet``, ...),
    which the pages name in the reader's language."""
    day_bound: int | None
    """The best proven lower bound on days (None for monitors, or with no bound)."""
    plan_days: int
    proven_optimal_days: bool


def _convoy_status(projection: Projection, convoy: Convoy, counts: StageCounts) -> str:
    if convoy.convoy_id in projection.arrived_convoys or counts.arrived:
        return "arrived"
    if projection.has_departed(convoy.convoy_id, None) or counts.departed:
        return "departed"
    if counts.boarded or counts.checked_in:
        return "boarding"
    return "planned"


def _vehicle_status(projection: Projection, convoy: Convoy, vehicle_id: str,
                    boarded: int) -> str:
    if (convoy.convoy_id, vehicle_id) in projection.out_of_service:
        return "out_of_service"
    if projection.has_departed(convoy.convoy_id, vehicle_id):
        return "departed"
    return "boarding" if boarded else "waiting"


def _convoys(projection: Projection,
             by_vehicle: dict[CountKey, StageCounts]) -> list[ConvoyLine]:
    by_convoy: dict[str | None, StageCounts] = {}
    for key, row in by_vehicle.items():
        by_convoy[key.convoy_id] = by_convoy.get(key.convoy_id, StageCounts()) + row
    boarded_on = {(key.convoy_id, key.vehicle_id): row.boarded for key, row in by_vehicle.items()}
    lines = []
    for convoy in sorted(projection.roster.plan.convoys,
                         key=lambda c: (c.departure, c.convoy_id)):
        counts = by_convoy.get(convoy.convoy_id, StageCounts())
        trips = []
        for trip in convoy.trips:
            boarded = boarded_on.get((convoy.convoy_id, trip.vehicle_id), 0)
            planned = sum(len(line.persons) for line in trip.lines)
            trips.append(VehicleLine(trip.vehicle_id, trip.kind.value, planned, boarded,
                                     _vehicle_status(projection, convoy, trip.vehicle_id,
                                                     boarded)))
        lines.append(ConvoyLine(
            convoy.convoy_id, convoy.day, convoy.departure, convoy.destination,
            len(convoy.trips), sum(t.planned for t in trips), counts.checked_in,
            counts.boarded, counts.departed, counts.arrived,
            _convoy_status(projection, convoy, counts), convoy.locked, tuple(trips)))
    return lines


def _days(projection: Projection, rows: dict[CountKey, StageCounts],
          today: date) -> list[DayLine]:
    planned: Counter[date] = Counter()
    for convoy in projection.roster.plan.convoys:
        planned[convoy.day] += sum(len(line.persons) for trip in convoy.trips
                                   for line in trip.lines)
    departed: Counter[date] = Counter()
    arrived: Counter[date] = Counter()
    for key, row in rows.items():
        if key.day is not None:
            departed[key.day] += row.departed
            arrived[key.day] += row.arrived
    lines = []
    planned_so_far = departed_so_far = 0
    for day in sorted(set(planned) | set(departed)):
        planned_so_far += planned[day]
        departed_so_far += departed[day]
        if day > today:  # what has not happened yet is not drawn as zero
            lines.append(DayLine(day, planned[day], planned_so_far, None, None, None))
        else:
            lines.append(DayLine(day, planned[day], planned_so_far, departed[day],
                                 departed_so_far, arrived[day]))
    return lines


def _medical(projection: Projection) -> list[MedicalLine]:
    cases: dict[str, MedicalLine] = {}
    for event in projection.live:
        if isinstance(event.payload, MedicalCase):
            case = event.payload
            known = cases.get(case.case_id)
            cases[case.case_id] = MedicalLine(
                case.case_id, case.escalated_to or (known.escalated_to if known else None),
                case.transferred or (known.transferred if known else False))
    return sorted(cases.values(), key=lambda line: line.case_id)


def _incidents(projection: Projection) -> list[IncidentLine]:
    found: dict[str, Incident] = projection.incidents()
    return [IncidentLine(i.incident_id, i.incident_type, i.severity.value, i.place,
                         i.verification.value) for i in sorted(found.values(),
                                                               key=lambda i: i.incident_id)]


def _discrepancies(projection: Projection) -> list[DiscrepancyLine]:
    touched = {e.convoy_id for e in projection.live
               if e.convoy_id is not None and e.kind is not EventKind.VOIDED}
    lines: list[DiscrepancyLine] = []
    for convoy in sorted(projection.roster.plan.convoys, key=lambda c: c.convoy_id):
        if convoy.convoy_id in touched:
            lines.extend(DiscrepancyLine(convoy.convoy_id, found.kind.value, found.sentence)
                         for found in projection.reconcile(convoy.convoy_id))
    return lines


def dashboard(projection: Projection, now: datetime, *, medical: bool = True) -> Dashboard:
    """The dashboard of the projection's operation at ``now`` (local wall-clock time).

    ``medical`` is whether the reader may see the medical cases' ids and where they went.
    """
    scenario, plan = projection.roster.scenario, projection.roster.plan
    binding = max((bound for bound in plan.bounds if bound.kind is BoundKind.DAYS),
                  key=lambda bound: bound.value, default=None)
    rows = projection.counts(("convoy", "vehicle", "day"))
    total = sum(rows.values(), StageCounts())
    convoys = _convoys(projection, rows)
    return Dashboard(
        operation_id=scenario.operation.operation_id,
        operation_name=scenario.operation.name,
        as_of=now,
        protected=False,
        threshold=None,
        planned_people=sum(line.planned or 0 for line in convoys),
        stages={stage.value: total.at(stage) for stage in STAGES},
        held=total.held, no_show=total.no_show, conflicts=total.conflicts,
        days=tuple(_days(projection, rows, now.date())),
        convoys=tuple(convoys),
        next_hours=tuple(_upcoming(convoys, now)),
        medical=tuple(_medical(projection)) if medical else (),
        incidents=tuple(_incidents(projection)),
        discrepancies=tuple(_discrepancies(projection)),
        binding_constraint=plan.binding_constraint,
        binding_kind=None if binding is None else binding.constraint,
        day_bound=None if binding is None else binding.value,
        plan_days=plan.days,
        proven_optimal_days=plan.proven_optimal_days,
    )


def _upcoming(convoys: list[ConvoyLine], now: datetime) -> list[ConvoyLine]:
    until = now + timedelta(hours=NEXT_HOURS)
    return [line for line in convoys
            if now <= line.departure <= until and line.status == "planned"]


MONITOR_PREFIX = ("field",)
"""Where the field series live in the monitors' disclosure ledger (shared by every release of
field figures to monitors: the dashboard, the situation reports)."""

PLAN_PREFIX = ("sitrep", "planned")
"""The plan's people a day, as the situation reports publish them (a new plan's figures are
revisions of the old ones)."""


def protected_dashboard(projection: Projection, now: datetime, policy: DisclosurePolicy,
                        ledger: Ledger) -> tuple[Dashboard, Ledger]:
    """The dashboard a monitor may see, and the ledger to keep.

    Only whole days are published: people departed and arrived each day up to yesterday, with
    their running totals, through :func:`~corridor.reports.disclosure.protect`; today's figures
    wait for the day to close (a figure that changes every minute would give away, by
    difference, the few people who just passed). A day's figure that changes after it was
    shown (a phone's offline batch uploaded late, a void) is published as a revision linked to
    the first (:mod:`corridor.reports.revisions`), so the change too is protected. The plan's
    people a day are published as the situation reports publish them. Convoys
    keep their schedule and status but not their counts; medical cases and discrepancies are
    not shown.
    """
    exact = dashboard(projection, now, medical=False)
    closed = [line for line in exact.days if line.day < now.date()]
    builder = RevisingBuilder(ledger)
    departed = builder.add_series((*MONITOR_PREFIX, "departed"),
                                  [(line.day.isoformat(), line.departed or 0) for line in closed])
    arrived = builder.add_series((*MONITOR_PREFIX, "arrived"),
                                 [(line.day.isoformat(), line.arrived or 0) for line in closed])
    plan_days = [line for line in exact.days if line.planned]
    planned = builder.add_series(PLAN_PREFIX, [(line.day.isoformat(), line.planned or 0)
                                               for line in plan_days])
    release = protect(builder.build(), policy, ledger)

    def value(base: Key) -> int | None:
        return release.value(builder.key(base))

    by_day: dict[date, tuple[int | None, int | None, int | None]] = defaultdict(
        lambda: (None, None, None))
    for line, cumulative in zip(closed, departed, strict=True):
        label = line.day.isoformat()
        by_day[line.day] = (value((*MONITOR_PREFIX, "departed", "day", label)),
                            value(cumulative),
                            value((*MONITOR_PREFIX, "arrived", "day", label)))
    planned_on = {line.day: (value((*PLAN_PREFIX, "day", line.day.isoformat())),
                             value(cumulative))
                  for line, cumulative in zip(plan_days, planned, strict=True)}
    days = tuple(replace(line, planned=planned_on.get(line.day, (0, None))[0],
                         planned_cumulative=planned_on.get(line.day, (0, None))[1],
                         departed=by_day[line.day][0], departed_cumulative=by_day[line.day][1],
                         arrived=by_day[line.day][2])
                 for line in exact.days)
    total_departed = value(departed[-1]) if departed else 0
    total_arrived = value(arrived[-1]) if arrived else 0
    stages: dict[str, int | None] = {stage.value: None for stage in STAGES}
    stages[Stage.DEPARTED.value] = total_departed
    stages[Stage.ARRIVED.value] = total_arrived
    # A convoy's people are a day's planned figure cut finer (and the day's may be withheld):
    # monitors see none of them.
    convoys = tuple(replace(line, planned=None, checked_in=None, boarded=None, departed=None,
                            arrived=None, trips=()) for line in exact.convoys)
    total_planned = value(planned[-1]) if planned else 0
    shown = replace(exact, protected=True, threshold=policy.threshold, stages=stages,
                    planned_people=total_planned,
                    held=None, no_show=None, conflicts=None, days=days, convoys=convoys,
                    next_hours=tuple(replace(line, planned=None, checked_in=None, boarded=None,
                                             departed=None, arrived=None, trips=())
                                     for line in exact.next_hours),
                    medical=(), discrepancies=(), binding_constraint="", day_bound=None)
    return shown, release.ledger
