"""The bus evacuation problem: reader, bound, solver and the independent checker, on generated
instances (the benchmark's instance files stay out of the repository)."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.checker._bep import check_bep, read_instance
from corridor.domain.errors import InvalidValue
from corridor.planner.bep import BepSolution, Effort, lower_bound, read_bep, solve_bep

QUICK = Effort(search_legs=40_000, exact_nodes=200)


def bep_text(seed: int, points: int, shelters: int, buses: int, depots: int = 1,
             capacity: int = 1, most_loads: int = 3, longest: int = 10) -> str:
    """An instance file in the benchmark's format: random times from 1 to ``longest`` (not
    metric), demands of up to ``most_loads`` bus loads, room for everyone."""
    rng = random.Random(seed)
    per_depot = [buses // depots + (k < buses % depots) for k in range(depots)]
    demands = [rng.randint(0, most_loads * capacity) for _ in range(points)]
    if not any(demands):
        demands[0] = capacity
    room = [rng.randint(0, sum(demands)) for _ in range(shelters)]
    while sum(room) < sum(demands):
        room[rng.randrange(shelters)] += rng.randint(1, capacity)
    lines = [f"{buses} {capacity}", " ".join(map(str, [depots, *per_depot])),
             " ".join(map(str, [points, sum(demands), *demands])),
             " ".join(map(str, [shelters, sum(room), *room])), ""]
    lines += [" ".join(map(str, [k + 1, *(rng.randint(1, longest) for _ in range(points))]))
              for k in range(depots)]
    lines.append("")
    lines += [" ".join(map(str, [i + 1, *(rng.randint(1, longest) for _ in range(shelters))]))
              for i in range(points)]
    return "\n".join(lines) + "\n"


def brute_force(text: str) -> int:
    """The least makespan by enumeration (bus loads of one person): every shelter for every
    load, every order, every split among the buses. Empty legs and first legs take the
    shortest way (driving through other points and shelters), as the checker allows."""
    data = read_instance(text)
    assert data.bus_capacity == 1
    points, shelters = len(data.demands), len(data.shelter_capacities)
    n = points + shelters
    dist = [[0 if u == v else 10**9 for v in range(n)] for u in range(n)]
    for i in range(points):
        for j in range(shelters):
            dist[i][points + j] = dist[points + j][i] = data.shelter_times[i][j]
    for k, u, v in itertools.product(range(n), repeat=3):
        dist[u][v] = min(dist[u][v], dist[u][k] + dist[k][v])
    reach = [[min(row[a] + dist[a][i] for a in range(points)) for i in range(points)]
             for row in data.depot_times]
    depot_of = [k for k, count in enumerate(data.depot_buses) for _ in range(count)]
    units = [i for i, d in enumerate(data.demands) for _ in range(d)]
    best = 10**9
    for targets in itertools.product(range(shelters), repeat=len(units)):
        if any(targets.count(j) > c for j, c in enumerate(data.shelter_capacities)):
            continue
        trips = list(zip(units, targets, strict=True))
        for order in set(itertools.permutations(trips)):
            for cuts in itertools.combinations_with_replacement(range(len(order) + 1),
                                                                len(depot_of) - 1):
                bounds = [0, *cuts, len(order)]
                worst = 0
                for bus in range(len(depot_of)):
                    route = order[bounds[bus]:bounds[bus + 1]]
                    if not route:
                        continue
                    time = reach[depot_of[bus]][route[0][0]]
                    for number, (i, j) in enumerate(route):
                        if number:
                            time += dist[points + route[number - 1][1]][i]
                        time += data.shelter_times[i][j]
                    worst = max(worst, time)
                best = min(best, worst)
    return best


def checked(text: str, solution: BepSolution) -> int:
    """The makespan the independent checker recomputes; fails on any violation."""
    check = check_bep(read_instance(text), [[(t.assembly_point, t.shelter, t.persons)
                                             for t in route] for route in solution.routes])
    assert check.violations == ()
    assert check.bus_times == solution.bus_times
    return check.makespan


@pytest.mark.parametrize("seed", range(12))
def test_tiny_instances_are_solved_to_the_brute_force_optimum(seed: int) -> None:
    """On instances small enough to enumerate, the solver finds the least makespan, the bound
    never exceeds it, and a makespan equal to the bound is reported proven."""
    rng = random.Random(seed)
    text = bep_text(seed, points=rng.randint(1, 2), shelters=rng.randint(1, 2),
                    buses=rng.randint(1, 2), most_loads=2)
    optimum = brute_force(text)
    instance = read_bep(text, f"tiny-{seed}")
    solution = solve_bep(instance, seed=seed)
    assert checked(text, solution) == solution.makespan == optimum
    assert lower_bound(instance) <= solution.lower_bound <= optimum
    assert solution.proven_optimal == (solution.lower_bound == optimum)


def test_a_bus_repositions_empty_through_a_point_when_that_is_quicker() -> None:
    """A depot far from the point but near another point reaches it through that point and a
    shelter, as a trip with nobody on board, and the checker accepts the schedule."""
    text = "1 1\n1 1\n2 1 1 0\n1 1 1\n\n1 50 1\n\n1 2\n2 2\n"
    solution = solve_bep(read_bep(text, "detour"), seed=0)
    assert solution.routes == ((solution.routes[0][0], solution.routes[0][1]),)
    assert [(t.assembly_point, t.shelter, t.persons) for t in solution.routes[0]] == [
        (1, 0, 0), (0, 0, 1)]
    assert checked(text, solution) == solution.makespan == 1 + 2 + 2 + 2


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), points=st.integers(1, 5), shelters=st.integers(1, 4),
       buses=st.integers(1, 4), depots=st.integers(1, 2), capacity=st.integers(1, 4))
def test_every_schedule_passes_the_checker_and_keeps_above_the_bound(
        seed: int, points: int, shelters: int, buses: int, depots: int, capacity: int) -> None:
    """Property: whatever the instance (several depots, buses seating several persons, room
    that is not whole bus loads), the schedule carries everyone within the shelters' room, the
    checker recomputes the same makespan, and the makespan is at least the lower bound."""
    depots = min(depots, buses)
    text = bep_text(seed, points, shelters, buses, depots, capacity)
    instance = read_bep(text, "generated")
    solution = solve_bep(instance, seed=seed, effort=QUICK)
    assert checked(text, solution) == solution.makespan
    assert lower_bound(instance) <= solution.lower_bound <= solution.makespan


def test_the_same_seed_gives_the_same_schedule() -> None:
    """Determinism: the limits are counts of work, never seconds."""
    text = bep_text(7, points=6, shelters=5, buses=4, most_loads=4)
    instance = read_bep(text, "seeded")
    first = solve_bep(instance, seed=3, effort=QUICK)
    assert solve_bep(instance, seed=3, effort=QUICK) == first


def test_a_larger_instance_beats_its_construction_and_keeps_its_bound() -> None:
    """Several depots and buses of 30 seats (the shape of the Valparaiso instances): a valid
    schedule, at most the bound's double."""
    text = bep_text(11, points=20, shelters=6, buses=8, depots=3, capacity=30, most_loads=3,
                    longest=3000)
    instance = read_bep(text, "larger")
    solution = solve_bep(instance, seed=0, effort=Effort(search_legs=300_000))
    assert checked(text, solution) == solution.makespan
    assert solution.lower_bound <= solution.makespan <= 2 * solution.lower_bound


@pytest.mark.parametrize(("text", "place"), [
    ("2 x\n", "bad.txt line 1, token 2 ('x'): the seats of a bus must be a whole number"),
    ("2 1\n1 3\n", "bad.txt line 2, token 2 ('3'): the depots hold 3 buses, but the first"),
    ("2 1\n1 2\n2 9 3 5\n", "bad.txt line 3, token 2 ('9'): the total demand is 9, but"),
    ("2 1\n1 2\n2 8 3 5\n2 8 4 4\n\n2 4 7\n", "bad.txt line 6, token 1 ('2'): the id of "
     "depot 1 should be 1, not 2"),
    ("2 1\n1 2\n2 8 3 5\n2 8 4 4\n\n1 4 7\n\n1 6 4\n", "bad.txt after line 8 (end of file): "
     "the file ends where the id of assembly point 2 should be"),
    ("2 1\n1 2\n2 8 3 5\n2 8 4 4\n\n1 4 7\n\n1 6 4\n2 6 7\n3\n", "bad.txt line 10, token 1 "
     "('3'): unexpected text after"),
    ("2 1\n1 2\n2 8 3 5\n2 7 4 3\n\n1 4 7\n\n1 6 4\n2 6 7\n", "bad.txt: the shelters hold 7 "
     "persons, fewer than the 8"),
    ("2 1\n1 2\n2 8 3 5\n2 8 4 4\n\n1 4 -7\n", "bad.txt line 6, token 3 ('-7'): the time from "
     "depot 1 to assembly point 2 must be at least 0"),
])
def test_reading_errors_name_the_file_line_token_and_what_is_wrong(text: str,
                                                                   place: str) -> None:
    """A malformed file is refused with one sentence that says where and what."""
    with pytest.raises(InvalidValue) as refused:
        read_bep(text, "bad.txt")
    assert str(refused.value).startswith(place)


def test_the_checker_finds_a_broken_schedule() -> None:
    """A dropped trip, an overfull shelter, an overfull bus and a missing bus are each found;
    the makespan is recomputed from the legs, not taken from the solver."""
    text = "2 2\n1 2\n2 5 3 2\n2 5 3 2\n\n1 4 7\n\n1 6 4\n2 6 7\n"
    data = read_instance(text)
    good = [[(0, 0, 2), (0, 1, 1)], [(1, 1, 1), (1, 0, 1)]]
    check = check_bep(data, good)
    assert check.valid
    assert check.bus_times == (4 + 6 + 6 + 4, 7 + 7 + 7 + 6)
    assert {v.rule for v in check_bep(data, [good[0], good[1][:1]]).violations} == {"demand"}
    overfull = [[(0, 0, 2), (0, 0, 1)], [(1, 0, 1), (1, 0, 1)]]
    assert [v.rule for v in check_bep(data, overfull).violations] == ["shelter_capacity"]
    crowded = [[(0, 0, 3)], [(1, 1, 2)]]
    assert [v.rule for v in check_bep(data, crowded).violations] == ["seats"]
    assert [v.rule for v in check_bep(data, good[:1]).violations] == ["buses", "demand"]
    swapped = [[(0, 1, 1), (0, 0, 2)], good[1]]
    assert check_bep(data, swapped).bus_times[0] == 4 + 4 + 4 + 6
