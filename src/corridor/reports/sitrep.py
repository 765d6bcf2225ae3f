"""The daily situation report as data: what happened up to a day, against the plan, per audience.

:func:`build_sitrep` turns a :class:`Situation` (the operation, the plan in force and what the
field events add up to as known at the end of the day, counted in :class:`Cohort` groups, never
person by person) into a :class:`Sitrep`: headline figures; people evacuated (departed) and
arrived per day and cumulative against the plan; a line per convoy; people by sex and age band;
arrivals per destination against reception capacity; medical cases; incidents with their
verification status; the next day's convoys; outside figures beside corridor's own counts.

Dating: a person counts on the day of the convoy they count in (the plan's day, which is the
day it departs), for departures and arrivals alike, as the dashboard counts them, so that the
two never show two versions of one day. Arrivals per destination are those of the day's
convoys, against the reception capacity of one day.

Audiences (:class:`Readership`):

- ``internal``: exact figures, each section as the reader's role allows (fighters only for
  roles that may see the category, medical cases by id only for those who may see medical
  fields, open protection cases only for those who read them). The edge decides from the
  permission table (:func:`corridor.tracking.situation.readership_for`).
- ``monitor`` and ``public``: every count of people is a cell of one release through
  :mod:`corridor.reports.disclosure`, declared with every relation between the figures (a day's
  convoys add up to the day, the day's table by sex and age too, cumulative figures chain day by
  day, fighters and children are among a convoy's people), against the ledger of everything
  published before; a figure that changed since it was published is a linked revision
  (:mod:`corridor.reports.revisions`). Monitor and public sitreps of a day are the same release
  (the public one shows less of it), so what one shows never undoes what the other hides.
  ``None`` in a figure means withheld.

Pure: the situation, the day, the outside figures, the policy and the ledger come in; the
sitrep and the ledger to keep come out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType

from corridor.domain import (
    AgeBand,
    Category,
    Convoy,
    Operation,
    Plan,
    Sex,
    VehicleKind,
)
from corridor.domain.errors import InvalidValue
from corridor.domain.events import Incident, Stage, Verification
from corridor.reports.disclosure import DisclosurePolicy, Key, Ledger, protect
from corridor.reports.outside import (
    COMPARED_STAGES,
    Comparison,
    Lookup,
    OutsideFigure,
    Scope,
    compare_all,
)
from corridor.reports.revisions import RevisingBuilder

FIELD: Key = ("field",)
"""Where the daily series of people departed and arrived live in the monitors' ledger, shared
with the dashboard (:data:`corridor.tracking.dashboard.MONITOR_PREFIX`)."""

SITREP: Key = ("sitrep",)
"""Where the sitrep's own figures (plan, convoys, totals) live in the monitors' ledger."""

CHILD_BANDS = (AgeBand.AGE_0_4, AgeBand.AGE_5_11, AgeBand.AGE_12_17)
"""The age bands of children (under 18)."""

BANDS = tuple(AgeBand)
SEXES = tuple(Sex)
CATEGORIES = tuple(Category)

Count = int | None
"""A count of people as a report shows it: None when withheld or not for this reader."""


class Audience(StrEnum):
    """Who a sitrep is for."""

    INTERNAL = "internal"
    MONITOR = "monitor"
    PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class Readership:
    """What a sitrep may show its reader, section by section."""

    audience: Audience
    categories: bool = False
    """Counts of fighters (civilians and combatants)."""
    convoy_categories: bool = False
    """Fighters per convoy, not only in all."""
    sex_and_age: bool = True
    """People by sex and age band."""
    medical_details: bool = False
    """Medical cases by the medical team's id, and where they went."""
    protection_cases: bool = False
    """Open protection follow-up cases."""
    incident_reporters: bool = False
    """Who reported an incident (an officer, a local council: staff only)."""
    unverified_incidents: bool = True
    """Incidents not verified yet (the public sees how many, not what they say)."""

    @property
    def protected(self) -> bool:
        """Whether every figure passes disclosure control."""
        return self.audience is not Audience.INTERNAL

    @classmethod
    def monitor(cls) -> Readership:
        """Monitors: every table, protected; every incident, with its verification status."""
        return cls(Audience.MONITOR, categories=True, convoy_categories=True)

    @classmethod
    def public(cls) -> Readership:
        """The public: the tables, protected; fighters in all only; verified incidents."""
        return cls(Audience.PUBLIC, categories=True, unverified_incidents=False)


# -- what a sitrep is made from -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cohort:
    """``people`` persons who count alike: the same convoy (the one they count in, None for
    nobody's), furthest stage, sex, age band, category, hold and intent."""

    convoy_id: str | None
    stage: Stage
    sex: Sex
    age_band: AgeBand
    category: Category
    people: int
    held: bool = False
    stays: bool = False


@dataclass(frozen=True, slots=True)
class ConvoyProgress:
    """What the events say of a convoy: when it left and arrived, vehicles out of service."""

    convoy_id: str
    departed_at: datetime | None = None
    arrived_at: datetime | None = None
    out_of_service: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MedicalCaseRecord:
    """A medical case by the medical team's id (never a diagnosis, never a name)."""

    case_id: str
    convoy_id: str | None
    opened_at: datetime
    escalated_to: str | None = None
    transferred: bool = False


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """An incident as its latest report has it, when it was first reported, and its convoy."""

    incident: Incident
    reported_at: datetime
    convoy_id: str | None = None


@dataclass(frozen=True, slots=True)
class Situation:
    """The operation, the plan in force, and what the events add up to as known at ``as_of``."""

    operation: Operation
    plan: Plan
    as_of: datetime
    cohorts: tuple[Cohort, ...]
    convoys: Mapping[str, ConvoyProgress] = field(
        default_factory=lambda: MappingProxyType({}))
    medical_cases: tuple[MedicalCaseRecord, ...] = ()
    incidents: tuple[IncidentRecord, ...] = ()
    open_follow_up: tuple[tuple[str, int], ...] = ()
    """Open protection follow-up cases by kind."""


# -- what a sitrep shows --------------------------------------------------------------------


class ConvoyStatus(StrEnum):
    """Where a convoy is."""

    PLANNED = "planned"
    BOARDING = "boarding"
    ON_THE_ROAD = "on_the_road"
    ARRIVED = "arrived"


@dataclass(frozen=True, slots=True)
class Headline:
    """The figures a reader looks at first; people counts are cumulative to the day unless
    named ``today``."""

    planned: Count
    planned_to_date: Count
    departed: Count
    departed_today: Count
    arrived: Count
    arrived_today: Count
    on_the_road: Count
    combatants_departed: Count
    children_departed: Count
    held: Count
    medical_cases: Count
    convoys_departed: int
    convoys_planned: int
    incidents: int
    plan_days: int
    proven_optimal_days: bool
    binding_constraint: str | None
    """The planner's sentence; None in a protected sitrep (its counts are not protected)."""


@dataclass(frozen=True, slots=True)
class DayLine:
    """One day: people planned, departed and arrived that day and up to it."""

    day: date
    planned: Count
    planned_cumulative: Count
    departed: Count
    departed_cumulative: Count
    arrived: Count
    arrived_cumulative: Count


@dataclass(frozen=True, slots=True)
class ConvoyLine:
    """One convoy of the plan up to the day, and how far its people got."""

    convoy_id: str
    day: date
    destination: str
    destination_name: str
    vehicles: int
    buses: int
    ambulances: int
    out_of_service: int
    planned: Count
    departed: Count
    combatants: Count
    children: Count
    medical_cases: Count
    held: Count
    arrived: Count
    departure: datetime
    departed_at: datetime | None
    expected_arrival: datetime
    arrived_at: datetime | None
    status: ConvoyStatus


@dataclass(frozen=True, slots=True)
class SexAgeRow:
    """People of one sex by age band (in :data:`BANDS` order), and their total."""

    sex: Sex
    counts: tuple[Count, ...]
    total: Count


@dataclass(frozen=True, slots=True)
class SexAgeTable:
    """People departed up to ``day`` by sex and age band, with the totals."""

    day: date
    bands: tuple[AgeBand, ...]
    rows: tuple[SexAgeRow, ...]
    by_band: tuple[Count, ...]
    total: Count


@dataclass(frozen=True, slots=True)
class DestinationLine:
    """A destination: people arrived from the day's convoys against its reception capacity."""

    site_id: str
    name: str
    pcode: str
    capacity_per_day: int
    arrived_today: Count
    arrived_cumulative: Count

    @property
    def over_capacity(self) -> bool | None:
        """Whether the day's arrivals exceed the capacity (None: the count is withheld)."""
        if self.arrived_today is None:
            return None
        return self.arrived_today > self.capacity_per_day


@dataclass(frozen=True, slots=True)
class MedicalLine:
    """One medical case (shown only to readers who may see medical fields)."""

    case_id: str
    convoy_id: str | None
    opened_at: datetime
    escalated_to: str | None
    transferred: bool


@dataclass(frozen=True, slots=True)
class MedicalSummary:
    """Medical cases up to the day: how many, escalated and transferred, and (for some) each."""

    cases: Count
    escalated: Count
    transferred: Count
    lines: tuple[MedicalLine, ...] = ()


@dataclass(frozen=True, slots=True)
class IncidentLine:
    """An incident; ``reported_by`` is None when not for this reader."""

    incident_id: str
    reported_at: datetime
    incident_type: str
    severity: str
    place: str
    verification: Verification
    convoy_id: str | None
    parties: tuple[str, ...]
    reported_by: str | None


@dataclass(frozen=True, slots=True)
class NextConvoy:
    """A convoy of the next day of the plan."""

    convoy_id: str
    day: date
    departure: datetime
    destination: str
    destination_name: str
    buses: int
    ambulances: int
    trucks: int
    planned: Count


@dataclass(frozen=True, slots=True)
class Sitrep:
    """The situation report of ``day`` for one audience; see the module's docstring."""

    operation_id: str
    operation_name: str
    agreement_version: str
    audience: Audience
    day: date
    as_of: datetime
    threshold: int | None
    headline: Headline
    days: tuple[DayLine, ...]
    convoys: tuple[ConvoyLine, ...]
    by_sex_and_age: SexAgeTable | None
    destinations: tuple[DestinationLine, ...]
    medical: MedicalSummary
    incidents: tuple[IncidentLine, ...]
    incidents_left_out: int
    next_convoys: tuple[NextConvoy, ...]
    outside: tuple[Comparison, ...]
    open_follow_up: tuple[tuple[str, int], ...] | None
    withheld: int


@dataclass(frozen=True, slots=True)
class SitrepResult:
    """A sitrep, the ledger to keep (None for an internal one), and every figure it declared
    by base key with the value shown (None: withheld)."""

    sitrep: Sitrep
    ledger: Ledger | None
    figures: Mapping[Key, int | None]
    exposed: tuple[Key, ...] = ()


# -- the exact counts -----------------------------------------------------------------------


@dataclass
class _ConvoyCounts:
    checked_in: int = 0
    boarded: int = 0
    departed: int = 0
    arrived: int = 0
    held: int = 0
    children: int = 0
    combatants: int = 0


@dataclass
class _DayCounts:
    departed_by: dict[tuple[Sex, AgeBand], int] = field(default_factory=lambda: defaultdict(int))
    departed_category: dict[Category, int] = field(default_factory=lambda: defaultdict(int))
    arrived_category: dict[Category, int] = field(default_factory=lambda: defaultdict(int))
    arrived_destination: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class _Truth:
    """The exact counts of a situation, gathered in one pass over its cohorts."""

    def __init__(self, situation: Situation) -> None:
        plan = situation.plan
        self.convoys = {convoy.convoy_id: convoy for convoy in plan.convoys}
        self.planned = {convoy.convoy_id: convoy.people for convoy in plan.convoys}
        self.by_convoy: dict[str, _ConvoyCounts] = defaultdict(_ConvoyCounts)
        self.by_day: dict[date, _DayCounts] = defaultdict(_DayCounts)
        # reached[(day, stage, scope)]: people of that day's convoys who reached the stage
        self.reached: dict[tuple[date, Stage, Scope], int] = defaultdict(int)
        self.registered: dict[Scope, int] = defaultdict(int)
        departed_rank, arrived_rank = Stage.DEPARTED.rank, Stage.ARRIVED.rank
        for cohort in situation.cohorts:
            people = cohort.people
            if people < 0:
                raise InvalidValue(f"a cohort of convoy {cohort.convoy_id} counts {people} "
                                   "people; counts cannot be negative", "people")
            scopes = _scopes(cohort)
            if not cohort.stays:
                for scope in scopes:
                    self.registered[scope] += people
            convoy = self.convoys.get(cohort.convoy_id) if cohort.convoy_id else None
            if convoy is None:
                continue
            counts = self.by_convoy[convoy.convoy_id]
            rank = cohort.stage.rank
            counts.held += people if cohort.held else 0
            counts.checked_in += people if rank >= Stage.CHECKED_IN.rank else 0
            counts.boarded += people if rank >= Stage.BOARDED.rank else 0
            for stage in COMPARED_STAGES[1:]:
                if rank >= stage.rank:
                    for scope in scopes:
                        self.reached[(convoy.day, stage, scope)] += people
            if rank < departed_rank:
                continue
            day = self.by_day[convoy.day]
            counts.departed += people
            counts.children += people if cohort.age_band in CHILD_BANDS else 0
            counts.combatants += people if cohort.category is Category.COMBATANT else 0
            day.departed_by[(cohort.sex, cohort.age_band)] += people
            day.departed_category[cohort.category] += people
            if rank >= arrived_rank:
                counts.arrived += people
                day.arrived_category[cohort.category] += people
                day.arrived_destination[convoy.destination] += people
        self.medical: dict[str | None, list[MedicalCaseRecord]] = defaultdict(list)
        for case in situation.medical_cases:
            known = case.convoy_id if case.convoy_id in self.convoys else None
            self.medical[known].append(case)

    def cumulative(self, stage: Stage, day: date, scope: Scope) -> int:
        """People of the convoys of ``day`` and before who reached ``stage``."""
        if stage is Stage.REGISTERED:
            return self.registered[scope]
        return sum(count for (when, reached, kind), count in self.reached.items()
                   if when <= day and reached is stage and kind is scope)


def _scopes(cohort: Cohort) -> tuple[Scope, ...]:
    category = Scope.COMBATANTS if cohort.category is Category.COMBATANT else Scope.CIVILIANS
    if cohort.sex is Sex.MALE and cohort.age_band is AgeBand.AGE_18_59:
        return (Scope.PEOPLE, category, Scope.MEN_18_59)
    return (Scope.PEOPLE, category)


# -- the figures, declared with their relations ---------------------------------------------


def _iso(day: date) -> str:
    return day.isoformat()


def _convoy_key(convoy_id: str, *rest: str) -> Key:
    return (*SITREP, "convoy", convoy_id, *rest)


def _series_key(name: str, period: str, day: date, *rest: str) -> Key:
    prefix = FIELD if name in ("departed", "arrived") else SITREP
    return (*prefix, name, period, _iso(day), *rest)


def _declare(builder: RevisingBuilder, situation: Situation, truth: _Truth, day: date,
             days: Sequence[date]) -> None:
    """Every figure of the sitrep of ``day``, with every relation between them."""
    plan_days = sorted({convoy.day for convoy in situation.plan.convoys})
    convoys_of: dict[date, list[Convoy]] = defaultdict(list)
    for convoy in sorted(situation.plan.convoys, key=lambda c: c.convoy_id):
        convoys_of[convoy.day].append(convoy)
    builder.add_series((*SITREP, "planned"),
                       [(_iso(d), sum(truth.planned[c.convoy_id] for c in convoys_of[d]))
                        for d in plan_days])
    for when in plan_days:
        parts = [builder.add_cell(_convoy_key(c.convoy_id, "planned"), truth.planned[c.convoy_id])
                 for c in convoys_of[when]]
        builder.add_relation(_series_key("planned", "day", when), parts)
    builder.add_series((*FIELD, "departed"),
                       [(_iso(d), sum(truth.by_day[d].departed_category.values()))
                        for d in days])
    builder.add_series((*FIELD, "arrived"),
                       [(_iso(d), sum(truth.by_day[d].arrived_category.values())) for d in days])
    destinations = [site.site_id for site in situation.operation.destinations]
    running = _DayCounts()
    previous: date | None = None
    for when in days:
        counts = truth.by_day[when]
        _add_into(running, counts)
        for period, source in (("day", counts), ("up_to", running)):
            prefix = _series_key("departed", period, when)
            builder.add_breakdown(prefix, "category", {c.value: source.departed_category[c]
                                                       for c in CATEGORIES})
            builder.add_table(prefix, ("sex", [s.value for s in SEXES]),
                              ("age", [b.value for b in BANDS]),
                              {(s.value, b.value): source.departed_by[(s, b)]
                               for s in SEXES for b in BANDS})
            children = builder.add_cell((*prefix, "children"), sum(
                source.departed_by[(s, b)] for s in SEXES for b in CHILD_BANDS))
            builder.add_relation(children, [(*prefix, "sex", s.value, "age", b.value)
                                            for s in SEXES for b in CHILD_BANDS])
            arrived = _series_key("arrived", period, when)
            builder.add_breakdown(arrived, "category", {c.value: source.arrived_category[c]
                                                        for c in CATEGORIES})
            builder.add_breakdown(arrived, "destination", {
                site: source.arrived_destination[site] for site in destinations})
        _chain(builder, when, previous, destinations)
        convoys = convoys_of[when]
        _declare_convoys(builder, truth, convoys)
        for name, suffix, part in (("departed", (), "departed"), ("arrived", (), "arrived"),
                                   ("departed", ("children",), "children"),
                                   ("departed", ("category", Category.COMBATANT.value),
                                    "combatants")):
            builder.add_relation(_series_key(name, "day", when, *suffix),
                                 [_convoy_key(c.convoy_id, part) for c in convoys])
        previous = when
    _declare_totals(builder, truth, day, days, convoys_of)


def _add_into(running: _DayCounts, counts: _DayCounts) -> None:
    for key, value in counts.departed_by.items():
        running.departed_by[key] += value
    for category, value in counts.departed_category.items():
        running.departed_category[category] += value
    for category, value in counts.arrived_category.items():
        running.arrived_category[category] += value
    for site, value in counts.arrived_destination.items():
        running.arrived_destination[site] += value


def _chain(builder: RevisingBuilder, when: date, previous: date | None,
           destinations: Sequence[str]) -> None:
    """Cumulative cells of ``when`` = those of ``previous`` + the day's, cell by cell."""
    suffixes: list[tuple[str, tuple[str, ...]]] = []
    suffixes += [("departed", ("category", c.value)) for c in CATEGORIES]
    suffixes += [("departed", ("sex", s.value, "age", b.value)) for s in SEXES for b in BANDS]
    suffixes += [("arrived", ("category", c.value)) for c in CATEGORIES]
    suffixes += [("arrived", ("destination", site)) for site in destinations]
    for name, suffix in suffixes:
        parts = [_series_key(name, "day", when, *suffix)]
        if previous is not None:
            parts.insert(0, _series_key(name, "up_to", previous, *suffix))
        builder.add_relation(_series_key(name, "up_to", when, *suffix), parts)


def _declare_convoys(builder: RevisingBuilder, truth: _Truth,
                     convoys: Iterable[Convoy]) -> None:
    for convoy in convoys:
        counts = truth.by_convoy[convoy.convoy_id]
        key = convoy.convoy_id
        departed = builder.add_cell(_convoy_key(key, "departed"), counts.departed)
        for part, value in (("arrived", counts.arrived), ("children", counts.children),
                            ("combatants", counts.combatants)):
            builder.add_subset(builder.add_cell(_convoy_key(key, part), value), departed)
        builder.add_cell(_convoy_key(key, "held"), counts.held)
        builder.add_cell(_convoy_key(key, "medical"), len(truth.medical[key]))


def _declare_totals(builder: RevisingBuilder, truth: _Truth, day: date,
                    days: Sequence[date], convoys_of: Mapping[date, Sequence[Convoy]]) -> None:
    """People held and medical cases, a day (of the convoys of the day) and cumulative, as the
    series are (chained day by day: one total over every convoy would be a relation with
    hundreds of cells, which makes disclosure control slow); on the road."""
    counts: dict[str, Callable[[Convoy], int]] = {
        "held": lambda c: truth.by_convoy[c.convoy_id].held,
        "medical": lambda c: len(truth.medical[c.convoy_id])}
    for name, count in counts.items():
        builder.add_series((*SITREP, name), [(_iso(d), sum(count(c) for c in convoys_of[d]))
                                             for d in days])
        for when in days:
            builder.add_relation(_series_key(name, "day", when),
                                 [_convoy_key(c.convoy_id, name) for c in convoys_of[when]])
    elsewhere = builder.add_cell((*SITREP, "medical", "no_convoy"), len(truth.medical[None]))
    cases = [case for when in days for convoy in convoys_of[when]
             for case in truth.medical[convoy.convoy_id]] + truth.medical[None]
    medical = builder.add_cell(_medical_key(day), len(cases))
    builder.add_relation(medical, [elsewhere] + (
        [_series_key("medical", "up_to", days[-1])] if days else []))
    escalated = builder.add_cell((*SITREP, "medical", "escalated"),
                                 sum(1 for case in cases if case.escalated_to))
    transferred = builder.add_cell((*SITREP, "medical", "transferred"),
                                   sum(1 for case in cases if case.transferred))
    builder.add_subset(escalated, medical)
    builder.add_subset(transferred, escalated)
    if days:
        last = days[-1]
        road = builder.add_cell((*SITREP, "on_the_road", "up_to", _iso(day)),
                                builder.value(_series_key("departed", "up_to", last))
                                - builder.value(_series_key("arrived", "up_to", last)))
        builder.add_relation(_series_key("departed", "up_to", last),
                             [_series_key("arrived", "up_to", last), road])


def _medical_key(day: date) -> Key:
    return (*SITREP, "medical", "in_all", _iso(day))


# -- the sitrep -----------------------------------------------------------------------------


class _Shown:
    """Reads a declared figure as this reader may see it."""

    def __init__(self, builder: RevisingBuilder, published: Mapping[Key, int] | None) -> None:
        self.builder = builder
        self.published = published
        self.shown: dict[Key, int | None] = {}

    def __call__(self, base: Key, visible: bool = True) -> Count:
        if not visible:
            return None
        try:
            key = self.builder.key(base)
        except InvalidValue:
            return None
        value = (self.builder.value(base) if self.published is None
                 else self.published.get(key))
        self.shown[base] = value
        return value


def build_sitrep(situation: Situation, day: date, readership: Readership,
                 outside: Sequence[OutsideFigure] = (), *,
                 policy: DisclosurePolicy | None = None,
                 ledger: Ledger | None = None) -> SitrepResult:
    """The sitrep of ``day`` for ``readership``.

    Monitor and public sitreps need the ``policy`` and the ``ledger`` of everything published
    to monitors so far; they return the ledger to keep. Raises :class:`InvalidValue` for a
    protected audience without a policy, and as :func:`~corridor.reports.disclosure.protect`
    does (a threshold below the ledger's).
    """
    if readership.protected and policy is None:
        raise InvalidValue(f"a {readership.audience.value} sitrep passes disclosure control: "
                           "give the disclosure policy", "policy")
    truth = _Truth(situation)
    days = sorted({convoy.day for convoy in situation.plan.convoys if convoy.day <= day})
    known = ledger if ledger is not None and readership.protected else Ledger()
    builder = RevisingBuilder(known)
    _declare(builder, situation, truth, day, days)
    kept: Ledger | None = None
    exposed: tuple[Key, ...] = ()
    published: Mapping[Key, int] | None = None
    if readership.protected:
        assert policy is not None  # checked above
        result = protect(builder.build(), policy, known)
        kept, exposed, published = result.ledger, result.exposed, result.published
    shown = _Shown(builder, published)
    sitrep = _assemble(situation, truth, day, days, readership, outside, shown,
                       policy.threshold if readership.protected and policy else None)
    return SitrepResult(sitrep, kept, MappingProxyType(dict(shown.shown)), exposed)


def _status(progress: ConvoyProgress | None, counts: _ConvoyCounts) -> ConvoyStatus:
    if (progress is not None and progress.arrived_at is not None) or counts.arrived:
        return ConvoyStatus.ARRIVED
    if (progress is not None and progress.departed_at is not None) or counts.departed:
        return ConvoyStatus.ON_THE_ROAD
    if counts.boarded or counts.checked_in:
        return ConvoyStatus.BOARDING
    return ConvoyStatus.PLANNED


def _kinds(convoy: Convoy) -> dict[VehicleKind, int]:
    kinds = dict.fromkeys(VehicleKind, 0)
    for trip in convoy.trips:
        kinds[trip.kind] += 1
    return kinds


def _assemble(situation: Situation, truth: _Truth, day: date, days: Sequence[date],
              reader: Readership, outside: Sequence[OutsideFigure], shown: _Shown,
              threshold: int | None) -> Sitrep:
    operation, plan = situation.operation, situation.plan
    sites = {site.site_id: site for site in operation.destinations}
    last = days[-1] if days else None
    label = _iso(day)

    def series(name: str, period: str, when: date | None, *rest: str,
               visible: bool = True) -> Count:
        if when is None:
            return 0 if visible else None
        return shown(_series_key(name, period, when, *rest), visible)

    today = day if last == day else None

    def counted(convoy_id: str) -> _ConvoyCounts:
        # A protected sitrep says where a convoy is from its departure and arrival alone: a
        # status read from the counts would tell that someone (one person, perhaps) boarded.
        return _ConvoyCounts() if reader.protected else truth.by_convoy[convoy_id]

    headline = Headline(
        planned=shown(_series_key("planned", "up_to", max(c.day for c in plan.convoys)))
        if plan.convoys else 0,
        planned_to_date=series("planned", "up_to", last),
        departed=series("departed", "up_to", last),
        departed_today=series("departed", "day", today),
        arrived=series("arrived", "up_to", last),
        arrived_today=series("arrived", "day", today),
        on_the_road=shown((*SITREP, "on_the_road", "up_to", label)) if last else 0,
        combatants_departed=series("departed", "up_to", last, "category",
                                   Category.COMBATANT.value, visible=reader.categories),
        children_departed=series("departed", "up_to", last, "children"),
        held=series("held", "up_to", last),
        medical_cases=shown(_medical_key(day)),
        convoys_departed=sum(1 for c in plan.convoys if c.day <= day and _status(
            situation.convoys.get(c.convoy_id), counted(c.convoy_id))
            in (ConvoyStatus.ON_THE_ROAD, ConvoyStatus.ARRIVED)),
        convoys_planned=len(plan.convoys),
        incidents=len(situation.incidents),
        plan_days=plan.days,
        proven_optimal_days=plan.proven_optimal_days,
        binding_constraint=None if reader.protected else plan.binding_constraint,
    )
    plan_days = sorted({c.day for c in plan.convoys})
    day_lines = tuple(DayLine(
        when, series("planned", "day", when), series("planned", "up_to", when),
        series("departed", "day", when) if when <= day else None,
        series("departed", "up_to", when) if when <= day else None,
        series("arrived", "day", when) if when <= day else None,
        series("arrived", "up_to", when) if when <= day else None) for when in plan_days)
    convoy_lines = []
    for convoy in sorted(plan.convoys, key=lambda c: (c.departure, c.convoy_id)):
        if convoy.day > day:
            continue
        site = sites[convoy.destination]
        progress = situation.convoys.get(convoy.convoy_id)
        kinds = _kinds(convoy)
        cid = convoy.convoy_id
        convoy_lines.append(ConvoyLine(
            cid, convoy.day, convoy.destination, site.name, len(convoy.trips),
            kinds[VehicleKind.BUS], kinds[VehicleKind.AMBULANCE],
            len(progress.out_of_service) if progress else 0,
            planned=shown(_convoy_key(cid, "planned")),
            departed=shown(_convoy_key(cid, "departed")),
            combatants=shown(_convoy_key(cid, "combatants"),
                             reader.categories and reader.convoy_categories),
            children=shown(_convoy_key(cid, "children")),
            medical_cases=shown(_convoy_key(cid, "medical")),
            held=shown(_convoy_key(cid, "held")),
            arrived=shown(_convoy_key(cid, "arrived")),
            departure=convoy.departure,
            departed_at=progress.departed_at if progress else None,
            expected_arrival=convoy.departure + site.travel,
            arrived_at=progress.arrived_at if progress else None,
            status=_status(progress, counted(cid))))
    medical = MedicalSummary(
        shown(_medical_key(day)),
        shown((*SITREP, "medical", "escalated")), shown((*SITREP, "medical", "transferred")),
        tuple(MedicalLine(c.case_id, c.convoy_id, c.opened_at, c.escalated_to, c.transferred)
              for c in sorted(situation.medical_cases, key=lambda c: (c.opened_at, c.case_id)))
        if reader.medical_details else ())
    incidents = []
    left_out = 0
    for record in sorted(situation.incidents, key=lambda r: (r.reported_at,
                                                             r.incident.incident_id)):
        incident = record.incident
        if (incident.verification is Verification.UNVERIFIED
                and not reader.unverified_incidents):
            left_out += 1
            continue
        incidents.append(IncidentLine(
            incident.incident_id, record.reported_at, incident.incident_type,
            incident.severity.value, incident.place, incident.verification, record.convoy_id,
            incident.parties, incident.reported_by if reader.incident_reporters else None))
    upcoming = [c.day for c in plan.convoys if c.day > day]
    next_day = min(upcoming) if upcoming else None
    next_convoys = []
    for convoy in sorted(plan.convoys, key=lambda c: (c.departure, c.convoy_id)):
        if convoy.day == next_day:
            kinds = _kinds(convoy)
            next_convoys.append(NextConvoy(
                convoy.convoy_id, convoy.day, convoy.departure, convoy.destination,
                sites[convoy.destination].name, kinds[VehicleKind.BUS],
                kinds[VehicleKind.AMBULANCE], kinds[VehicleKind.LUGGAGE_TRUCK],
                shown(_convoy_key(convoy.convoy_id, "planned"))))
    destinations = tuple(DestinationLine(
        site.site_id, site.name, site.pcode, site.reception_capacity_per_day,
        series("arrived", "day", today, "destination", site.site_id),
        series("arrived", "up_to", last, "destination", site.site_id))
        for site in operation.destinations)
    table = _sex_and_age(shown, last) if reader.sex_and_age else None
    comparisons = compare_all([f for f in outside if f.reported_on <= day],
                              _lookup(truth, days, day, reader, shown))
    withheld = sum(1 for value in shown.shown.values() if value is None)
    return Sitrep(
        operation.operation_id, operation.name, operation.agreement.version, reader.audience,
        day, situation.as_of, threshold, headline, day_lines, tuple(convoy_lines), table,
        destinations, medical, tuple(incidents), left_out, tuple(next_convoys), comparisons,
        situation.open_follow_up if reader.protection_cases else None, withheld)


def _sex_and_age(shown: _Shown, last: date | None) -> SexAgeTable | None:
    if last is None:
        zeros = tuple(0 for _ in BANDS)
        return SexAgeTable(date.min, BANDS, tuple(SexAgeRow(s, zeros, 0) for s in SEXES),
                           zeros, 0)
    prefix = _series_key("departed", "up_to", last)
    rows = tuple(SexAgeRow(sex, tuple(shown((*prefix, "sex", sex.value, "age", band.value))
                                      for band in BANDS), shown((*prefix, "sex", sex.value)))
                 for sex in SEXES)
    return SexAgeTable(last, BANDS, rows,
                       tuple(shown((*prefix, "age", band.value)) for band in BANDS),
                       shown(prefix))


_SCOPE_SUFFIX: Mapping[Scope, tuple[str, ...]] = {
    Scope.PEOPLE: (),
    Scope.CIVILIANS: ("category", Category.CIVILIAN.value),
    Scope.COMBATANTS: ("category", Category.COMBATANT.value),
    Scope.MEN_18_59: ("sex", Sex.MALE.value, "age", AgeBand.AGE_18_59.value),
}


def _lookup(truth: _Truth, days: Sequence[date], day: date, reader: Readership,
            shown: _Shown) -> Lookup:
    """corridor's count for an outside figure, as this reader may see it."""

    def visible(scope: Scope) -> bool:
        if scope in (Scope.CIVILIANS, Scope.COMBATANTS):
            return reader.categories
        return scope is Scope.PEOPLE or reader.sex_and_age

    def lookup(stage: Stage, when: date, scope: Scope) -> int | None:
        if when > day or not visible(scope):
            return None
        if not reader.protected:
            return truth.cumulative(stage, when, scope)
        if stage not in (Stage.DEPARTED, Stage.ARRIVED):
            return None
        if stage is Stage.ARRIVED and scope is Scope.MEN_18_59:
            return None
        earlier = [d for d in days if d <= when]
        if not earlier:
            return 0
        return shown(_series_key(stage.value, "up_to", earlier[-1], *_SCOPE_SUFFIX[scope]))

    return lookup

