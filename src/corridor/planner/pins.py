"""A coordinator's pins checked against the rules before planning, and after it.

A pin puts a household on a day, or in a named convoy (``YYYY-MM-DD/n``, the n-th convoy of that
day). ``unmeetable_pins`` is pure: from the planning problem and the pins it finds every pin that
no plan can keep, each with the constraint it breaks and one sentence naming the household, the
pinned day or convoy and the figures ("household H0123 is pinned to 2017-03-20 but Idlib city
receives 250 a day and the 6 households pinned to arrive there that day number 270 people").
The checks are necessary conditions (each a relaxation of a rule); ``broken_pins`` then says
which pins a finished plan did not keep, so that a pin the planner could not keep is explained
too, never handed to the checker as a broken plan.

Where pinned households together are too many for a day's reception, checkpoint, fleet, convoys or
a phase's quota, households are kept in priority order (medical emergencies first, then household
id) while they fit; the rest are the unmeetable ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from corridor.domain import Convoy, InvalidValue, Pin, Plan, Scenario, VehicleKind
from corridor.planner.problem import Group, Problem, lanes_of

_Refuse = Callable[[Pin, str, str], None]


@dataclass(frozen=True, slots=True)
class PinConflict:
    """A pin that cannot be kept: the pin, the rule it runs into (a checker code or ``planner``)
    and one sentence that names the household, the pinned day or convoy and the figures."""

    pin: Pin
    constraint: str
    explanation: str


class PinsUnmeetable(InvalidValue):
    """Pins that no plan can keep; nothing was planned. ``conflicts`` says why, one a pin."""

    code = "pins_unmeetable"

    def __init__(self, conflicts: tuple[PinConflict, ...]) -> None:
        count = len(conflicts)
        noun = "pin cannot" if count == 1 else "pins cannot"
        super().__init__(f"{count} {noun} be kept, so nothing was planned; the first: "
                         f"{conflicts[0].explanation}. Change or remove the pins, or plan "
                         "without them (--drop-unmeetable-pins)", "pin")
        self.conflicts = conflicts


def pinned_to(pin: Pin) -> str:
    """The pinned day, and convoy when one is named, as a sentence says it."""
    return f"{pin.day}" + (f" in convoy {pin.convoy_id}" if pin.convoy_id is not None else "")


def convoy_day_and_number(convoy_id: str) -> tuple[date, int] | None:
    """The day and number of a convoy id ``YYYY-MM-DD/n``, or None when it is not one."""
    day, slash, number = convoy_id.partition("/")
    if not slash or not number.isdigit():
        return None
    try:
        return date.fromisoformat(day), int(number)
    except ValueError:
        return None


def _people(count: int) -> str:
    return f"{count:,} {'person' if count == 1 else 'people'}"


def unmeetable_pins(scenario: Scenario, problem: Problem,
                    pins: tuple[Pin, ...]) -> tuple[PinConflict, ...]:
    """Every pin that no plan of ``problem`` can keep, in the order of ``pins``.

    ``problem`` is built from ``scenario`` with these pins (``build_problem``). Pure.
    """
    operation = problem.operation
    rules = operation.convoy_rules
    known = {household.household_id for household in scenario.households}
    unplanned = {item.household_id: item for item in problem.unplanned}
    group_of: dict[str, Group] = {traveller.household_id: group for group in problem.groups
                                  for traveller in group.households}
    conflicts: dict[Pin, PinConflict] = {}
    # make_plan may plan with the widest lanes too: a pin fails only if it fails both ways.
    wide = {lane.destination: lane for lane in lanes_of(operation, widest=True)}

    def refuse(pin: Pin, constraint: str, reason: str) -> None:
        if pin not in conflicts:
            conflicts[pin] = PinConflict(pin, constraint, f"household {pin.household_id} is "
                                         f"pinned to {pinned_to(pin)} but {reason}")

    by_household: dict[str, list[Pin]] = defaultdict(list)
    for pin in pins:
        by_household[pin.household_id].append(pin)
    for its_pins in by_household.values():
        if len({(p.day, p.convoy_id) for p in its_pins}) > 1:
            for pin in its_pins:
                refuse(pin, "pin", "it is pinned more than once: "
                       + ", ".join(pinned_to(p) for p in its_pins))
    # 1. One pin at a time: the household, the window, the phases, the convoy named.
    for pin in pins:
        household_id = pin.household_id
        if household_id not in known:
            refuse(pin, "pin", "it is not in the registry")
            continue
        group = group_of.get(household_id)
        if group is None:
            why = unplanned.get(household_id)
            refuse(pin, "coverage", f"it is not planned: {why.explanation}" if why is not None
                   else "nobody of it leaves (they stay, or the terms do not let them leave)")
            continue
        index = (pin.day - problem.start).days
        lane = problem.lane(group.destination)
        offset = min(lane.arrival_offset, wide[group.destination].arrival_offset)
        window = operation.agreement.window
        if index < 0 or index >= problem.window_days:
            refuse(pin, "window", f"the window runs from {window.start} to {window.end}")
            continue
        if index + offset >= problem.window_days:
            refuse(pin, "window", f"a convoy to {lane.name} leaving that day arrives on "
                   f"{pin.day + timedelta(days=offset)} at the earliest, after the window ends "
                   f"on {window.end}")
            continue
        phase = problem.phase_of_day[index]
        if operation.agreement.phases and phase is None:
            refuse(pin, "phase", "that day is in no phase of the agreement")
            continue
        if phase is not None and group.destination not in problem.phase_destinations[phase]:
            name = operation.agreement.phases[phase].name
            refuse(pin, "phase", f"phase {name!r} takes nobody to {lane.name}, where the "
                   "household goes")
            continue
        if pin.convoy_id is not None:
            named = convoy_day_and_number(pin.convoy_id)
            if named is None or named[0] != pin.day or not 1 <= named[1] <= \
                    rules.max_convoys_per_day:
                refuse(pin, "pin", f"convoy {pin.convoy_id} does not exist: convoys of "
                       f"{pin.day} are {pin.day}/1 to {pin.day}/{rules.max_convoys_per_day}")
                continue
        linked = [other for traveller in group.households
                  for other in by_household.get(traveller.household_id, ())
                  if (other.day, other.convoy_id) != (pin.day, pin.convoy_id)]
        if linked:
            refuse(pin, "linked", "linked households travel in one convoy and "
                   + ", ".join(f"{other.household_id} is pinned to {pinned_to(other)}"
                               for other in linked))
    # 2. Pins of one convoy going to different destinations.
    by_convoy: dict[str, list[Pin]] = defaultdict(list)
    for pin in pins:
        if pin not in conflicts and pin.convoy_id is not None:
            by_convoy[pin.convoy_id].append(pin)
    for convoy_id, its_pins in by_convoy.items():
        going = {group_of[p.household_id].destination for p in its_pins}
        if len(going) > 1:
            names = {p.household_id: problem.lane(group_of[p.household_id].destination).name
                     for p in its_pins}
            for pin in its_pins:
                others = ", ".join(f"{other} goes to {name}" for other, name in names.items()
                                   if name != names[pin.household_id])
                refuse(pin, "pin", f"convoy {convoy_id} goes to one destination: the household "
                       f"goes to {names[pin.household_id]} and {others}")
    _capacities(problem, [p for p in pins if p not in conflicts], group_of, refuse)
    return tuple(conflicts[pin] for pin in pins if pin in conflicts)


def _capacities(problem: Problem, pins: list[Pin],
                group_of: dict[str, Group], refuse: _Refuse) -> None:
    """Reception, checkpoint, fleet, convoys a day and quotas against the pinned groups."""
    operation = problem.operation
    rules = operation.convoy_rules
    checkpoint = operation.checkpoint
    # Each travel group once, on its day, with the pins that put it there.
    groups: dict[int, tuple[Group, int, list[Pin]]] = {}
    for pin in pins:
        group = group_of[pin.household_id]
        entry = groups.setdefault(group.group_id, (group, (pin.day - problem.start).days, []))
        entry[2].append(pin)
    ordered = sorted(groups.values(), key=lambda entry: (
        entry[0].priority, min(p.household_id for p in entry[2])))

    def keep_while(key_of: Mapping[int, Hashable], limit_of: Mapping[Hashable, int],
                   amount: str, constraint: str, sentence: str) -> None:
        """Groups in priority order while the sum of ``amount`` under each key fits its limit;
        the rest are refused with ``sentence`` formatted with the key's total and count."""
        totals: dict[Hashable, int] = defaultdict(int)
        counts: dict[Hashable, int] = defaultdict(int)
        for group, _, _ in ordered:
            if group.group_id in key_of:
                key = key_of[group.group_id]
                totals[key] += getattr(group, amount)
                counts[key] += len(group.households)
        used: dict[Hashable, int] = defaultdict(int)
        for group, _, group_pins in ordered:
            if group.group_id not in key_of:
                continue
            key = key_of[group.group_id]
            if used[key] + getattr(group, amount) <= limit_of[key]:
                used[key] += getattr(group, amount)
                continue
            for pin in group_pins:
                refuse(pin, constraint, sentence.format(limit=limit_of[key], total=totals[key],
                                                        households=counts[key]))
            del groups[group.group_id]

    # Reception by arrival day and destination.
    arrival = {g.group_id: (d + problem.lane(g.destination).arrival_offset, g.destination)
               for g, d, _ in groups.values()}
    for key in set(arrival.values()):
        lane = problem.lane(key[1])
        keep_while({gid: k for gid, k in arrival.items() if k == key},
                   {key: lane.reception_per_day}, "people", "reception",
                   f"{lane.name} receives {lane.reception_per_day:,} a day and the "
                   "{households} households pinned to arrive there on "
                   f"{problem.day(key[0])} number {{total:,}} people")
        ordered = [entry for entry in ordered if entry[0].group_id in groups]
    widest = {lane.destination: lane for lane in lanes_of(operation, widest=True)}
    # The checkpoint: everyone of a day passes before the last departure to their destination.
    per_hour = checkpoint.lanes * checkpoint.people_per_hour_per_lane
    for day in sorted({d for _, d, _ in groups.values()}):
        on_day = {g.group_id: day for g, d, _ in groups.values() if d == day}
        latest = max(max(problem.lane(groups[gid][0].destination).latest,
                         widest[groups[gid][0].destination].latest) for gid in on_day)
        limit = int(per_hour * max(0, latest - problem.opens) / 60)
        keep_while(on_day, {day: limit}, "people", "checkpoint",
                   f"the checkpoint passes {limit:,} people from {checkpoint.opens:%H:%M} to "
                   "the day's last departure and the {households} households pinned to that "
                   "day number {total:,} people")
        ordered = [entry for entry in ordered if entry[0].group_id in groups]
    # The fleet available that day: seats and stretchers; convoys a day.
    for day in sorted({d for _, d, _ in groups.values()}):
        when = problem.day(day)
        vehicles = [v for v in operation.vehicles() if v.available_on(when)]
        seats = sum(v.seats for v in vehicles if v.kind is not VehicleKind.LUGGAGE_TRUCK)
        stretchers = sum(v.stretchers for v in vehicles if v.kind is VehicleKind.AMBULANCE)
        on_day = {g.group_id: day for g, d, _ in groups.values() if d == day}
        seated = {gid: groups[gid][0].people - groups[gid][0].stretcher_cases for gid in on_day}
        total = sum(seated.values())
        if total > seats:
            kept = 0
            for group, _, group_pins in list(ordered):
                if group.group_id not in seated:
                    continue
                if kept + seated[group.group_id] <= seats:
                    kept += seated[group.group_id]
                    continue
                for pin in group_pins:
                    refuse(pin, "seats", f"the vehicles available that day seat {seats:,} and "
                           f"the households pinned to that day seat {total:,} people")
                del groups[group.group_id]
            ordered = [entry for entry in ordered if entry[0].group_id in groups]
        on_day = {g.group_id: day for g, d, _ in groups.values() if d == day}
        keep_while(on_day, {day: stretchers}, "stretcher_cases", "stretchers",
                   f"the ambulances available that day carry {stretchers:,} stretchers and "
                   "the {households} households pinned to that day have {total:,} "
                   "stretcher cases")
        ordered = [entry for entry in ordered if entry[0].group_id in groups]
        on_day = {g.group_id: day for g, d, _ in groups.values() if d == day}
        destinations = sorted({groups[gid][0].destination for gid in on_day})
        if len(destinations) > rules.max_convoys_per_day:
            kept_destinations: list[str] = []
            for group, _, group_pins in list(ordered):
                if group.group_id not in on_day:
                    continue
                if group.destination in kept_destinations or \
                        len(kept_destinations) < rules.max_convoys_per_day:
                    if group.destination not in kept_destinations:
                        kept_destinations.append(group.destination)
                    continue
                for pin in group_pins:
                    refuse(pin, "convoys_per_day", f"at most {rules.max_convoys_per_day} "
                           f"convoys leave a day and households are pinned to that day for "
                           f"{len(destinations)} destinations")
                del groups[group.group_id]
            ordered = [entry for entry in ordered if entry[0].group_id in groups]
    # Quotas of the phases.
    for phase, quota in enumerate(problem.phase_quotas):
        if quota is None:
            continue
        in_phase = {g.group_id: phase for g, d, _ in groups.values()
                    if problem.phase_of_day[d] == phase}
        name = operation.agreement.phases[phase].name
        keep_while(in_phase, {phase: quota}, "people", "quota",
                   f"phase {name!r} lets {quota:,} people leave and the {{households}} "
                   "households pinned to its days number {total:,} people")
        ordered = [entry for entry in ordered if entry[0].group_id in groups]


def broken_pins(plan: Plan, pins: tuple[Pin, ...]) -> tuple[PinConflict, ...]:
    """The pins a finished plan does not keep, each with where the household is instead."""
    where: dict[str, set[tuple[date, str]]] = defaultdict(set)
    for convoy in plan.convoys:
        for trip in convoy.trips:
            for line in trip.lines:
                where[line.household_id].add((convoy.day, convoy.convoy_id))
    reasons = {item.household_id: item.explanation for item in plan.unplanned}
    broken = []
    for pin in pins:
        places = where.get(pin.household_id, set())
        if places and all(day == pin.day and pin.convoy_id in (None, convoy_id)
                          for day, convoy_id in places):
            continue
        if not places:
            instead = "the planner found no room for it" + (
                f" ({reasons[pin.household_id]})" if pin.household_id in reasons else "")
        else:
            instead = "the planner could place it only in " + ", ".join(
                f"convoy {convoy_id}" for _, convoy_id in sorted(places))
        broken.append(PinConflict(pin, "planner", f"household {pin.household_id} is pinned to "
                                  f"{pinned_to(pin)} but {instead}: that day's reception, "
                                  "checkpoint, vehicles and convoys are taken by the other "
                                  "pinned households and the rules"))
    return tuple(broken)


def without(pins: tuple[Pin, ...], conflicts: tuple[PinConflict, ...]) -> tuple[Pin, ...]:
    """The pins that are not in ``conflicts``."""
    dropped = {conflict.pin for conflict in conflicts}
    return tuple(pin for pin in pins if pin not in dropped)




def name_pinned_convoys(convoys: tuple[Convoy, ...], pins: tuple[Pin, ...]) -> tuple[Convoy, ...]:
    """Convoys renamed so that households pinned to a convoy id travel in the convoy of that id.

    A convoy's id is its name only (``YYYY-MM-DD/n``; the checker orders a day's convoys by
    departure): the convoy that carries the households pinned to ``2017-03-20/2`` is called so,
    and a convoy of that day that had the name takes the smallest free number. A pinned id whose
    households travel in more than one convoy, or a convoy wanted under two ids, is left as it
    is (``broken_pins`` then reports it).
    """
    where: dict[str, int] = {}
    for index, convoy in enumerate(convoys):
        for trip in convoy.trips:
            for line in trip.lines:
                where[line.household_id] = index
    wanted: dict[str, set[int]] = defaultdict(set)
    for pin in pins:
        if pin.convoy_id is not None and pin.household_id in where:
            wanted[pin.convoy_id].add(where[pin.household_id])
    names: dict[int, str] = {}
    for convoy_id, indexes in wanted.items():
        if len(indexes) == 1:
            names.setdefault(next(iter(indexes)), convoy_id)
    names = {index: name for index, name in names.items()
             if convoys[index].day == (convoy_day_and_number(name) or (None,))[0]
             and sum(1 for other in names.values() if other == name) == 1}
    if not names:
        return convoys
    taken = set(names.values())
    renamed = list(convoys)
    for index, name in names.items():
        renamed[index] = replace(convoys[index], convoy_id=name)
    for index, convoy in enumerate(convoys):
        if index in names or convoy.convoy_id not in taken:
            continue
        number = 1
        while f"{convoy.day:%Y-%m-%d}/{number}" in taken or any(
                other.convoy_id == f"{convoy.day:%Y-%m-%d}/{number}"
                for other_index, other in enumerate(convoys) if other_index not in names):
            number += 1
        renamed[index] = replace(convoy, convoy_id=f"{convoy.day:%Y-%m-%d}/{number}")
        taken.add(renamed[index].convoy_id)
    return tuple(renamed)
