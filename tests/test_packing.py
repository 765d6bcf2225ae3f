"""The packer: items of whole sizes into identical vehicles (corridor.planner.packing)."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.planner import bounds
from corridor.planner.packing import (
    PackingResult,
    first_fit_decreasing,
    l1_bound,
    l2_bound,
    pack,
)

BENCHMARK = Path(__file__).parent.parent / "benchmarks" / "packing.py"


def _assert_valid(result: PackingResult, sizes: list[int], capacity: int) -> None:
    items = sorted(item for contents in result.bins for item in contents)
    assert items == list(range(len(sizes))), "every item exactly once"
    for contents in result.bins:
        assert contents, "no empty vehicle"
        assert sum(sizes[item] for item in contents) <= capacity


def _optimum(sizes: list[int], capacity: int) -> int:
    """The fewest vehicles, by exhaustive search (small instances only)."""
    order = sorted(sizes, reverse=True)
    for count in range(max(1, l1_bound(sizes, capacity)), len(sizes) + 1):
        room = [capacity] * count

        def place(position: int, room: list[int] = room) -> bool:
            if position == len(order):
                return True
            tried = set()
            for index, left in enumerate(room):
                if left >= order[position] and left not in tried:
                    tried.add(left)
                    room[index] -= order[position]
                    if place(position + 1):
                        return True
                    room[index] += order[position]
            return False

        if place(0):
            return count
    return len(sizes)


def _filled_exactly(vehicles: int, capacity: int, parts: tuple[int, int],
                    rng: random.Random) -> list[int]:
    """Sizes that fill ``vehicles`` vehicles exactly, each cut into a number of parts."""
    sizes = []
    for _ in range(vehicles):
        count = rng.randint(*parts)
        cuts = sorted(rng.sample(range(1, capacity), count - 1))
        sizes.extend(b - a for a, b in zip([0, *cuts], [*cuts, capacity], strict=True))
    rng.shuffle(sizes)
    return sizes


def _triplets(vehicles: int, capacity: int, rng: random.Random) -> list[int]:
    """Falkenauer-like triplets: three items between a quarter and a half fill each vehicle."""
    sizes = []
    for _ in range(vehicles):
        while True:
            first = rng.randint(capacity // 4 + 1, capacity // 2 - 1)
            second = rng.randint(capacity // 4 + 1, capacity // 2 - 1)
            third = capacity - first - second
            if capacity // 4 < third < capacity // 2:
                break
        sizes.extend((first, second, third))
    rng.shuffle(sizes)
    return sizes


instances = st.integers(1, 40).flatmap(
    lambda capacity: st.tuples(st.lists(st.integers(1, capacity), max_size=30),
                               st.just(capacity)))


@settings(max_examples=150, deadline=None)
@given(instances)
def test_every_packing_holds_each_item_once_within_capacity(instance: tuple[list[int], int],
                                                            ) -> None:
    """Property: whatever the sizes, each item is in one vehicle and no vehicle overflows."""
    sizes, capacity = instance
    _assert_valid(pack(sizes, capacity), sizes, capacity)


@settings(max_examples=150, deadline=None)
@given(instances)
def test_bounds_are_ordered_and_never_above_the_packing(instance: tuple[list[int], int]) -> None:
    """Property: L1 <= L2 <= lower bound <= vehicles; proven optimal means they meet."""
    sizes, capacity = instance
    result = pack(sizes, capacity)
    assert l1_bound(sizes, capacity) <= result.l2_bound == l2_bound(sizes, capacity)
    assert result.l2_bound <= result.lower_bound <= result.vehicles
    assert result.proven_optimal == (result.vehicles == result.lower_bound)
    assert result.vehicles <= len(first_fit_decreasing(sizes, capacity))


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 30).flatmap(
    lambda capacity: st.tuples(st.lists(st.integers(1, capacity), max_size=9),
                               st.just(capacity))))
def test_small_instances_are_packed_optimally(instance: tuple[list[int], int]) -> None:
    """Property: on instances small enough to search exhaustively, the packer finds the optimum
    and its lower bound never exceeds it."""
    sizes, capacity = instance
    optimum = _optimum(sizes, capacity) if sizes else 0
    result = pack(sizes, capacity)
    assert result.lower_bound <= optimum
    assert result.vehicles == optimum


@settings(max_examples=30, deadline=None)
@given(instances, st.integers(0, 2**32 - 1))
def test_same_seed_gives_the_same_packing(instance: tuple[list[int], int], seed: int) -> None:
    """Property: the packer is deterministic for a seed (no clock in its limits)."""
    sizes, capacity = instance
    assert pack(sizes, capacity, seed=seed) == pack(sizes, capacity, seed=seed)


@pytest.mark.parametrize("seed", range(6))
def test_vehicles_filled_exactly_are_found_again(seed: int) -> None:
    """Sizes cut from 30 full vehicles of 100 seats (2 to 6 a vehicle) go back into 30."""
    rng = random.Random(seed)
    sizes = _filled_exactly(30, 100, (2, 6), rng)
    result = pack(sizes, 100, seed=seed)
    _assert_valid(result, sizes, 100)
    assert result.vehicles == 30
    assert result.proven_optimal


@pytest.mark.parametrize("seed", range(4))
def test_triplets_are_found_again(seed: int) -> None:
    """Falkenauer-like triplets of 40 full vehicles, where first-fit decreasing is far off."""
    rng = random.Random(100 + seed)
    sizes = _triplets(40, 1000, rng)
    result = pack(sizes, 1000, seed=seed)
    _assert_valid(result, sizes, 1000)
    assert len(first_fit_decreasing(sizes, 1000)) > 40
    assert result.vehicles == 40


def test_household_sizes_into_buses() -> None:
    """The planner's case: 300 household sizes into 50-seat buses, at the bound."""
    rng = random.Random(7)
    sizes = [min(50, max(1, round(rng.lognormvariate(1.5, 0.5)))) for _ in range(300)]
    result = pack(sizes, 50)
    _assert_valid(result, sizes, 50)
    assert result.proven_optimal


def test_effort_zero_is_the_better_of_first_and_best_fit() -> None:
    """With no effort the packer stops after first-fit and best-fit decreasing."""
    rng = random.Random(3)
    sizes = _triplets(20, 1000, rng)
    result = pack(sizes, 1000, effort=0)
    _assert_valid(result, sizes, 1000)
    assert result.vehicles <= len(first_fit_decreasing(sizes, 1000))


def test_no_items_need_no_vehicle() -> None:
    """An empty list packs into no vehicle, proven."""
    assert pack([], 10) == PackingResult([], 0, 0, True)


@pytest.mark.parametrize(("sizes", "capacity", "message"), [
    ([3], 0, "capacity must be at least 1"),
    ([11], 10, "item 0 has size 11"),
    ([4, 0], 10, "item 1 has size 0"),
])
def test_impossible_items_are_refused(sizes: list[int], capacity: int, message: str) -> None:
    """A size above the capacity, a size below 1 or a capacity below 1 raise ValueError."""
    with pytest.raises(ValueError, match=message):
        pack(sizes, capacity)


def test_the_trip_bounds_use_the_packer_l2() -> None:
    """There is one L2 in the code base: the planner's trip bounds use the packer's."""
    assert bounds.l2_bound is l2_bound


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("packing_benchmark", BENCHMARK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("text", "where"), [
    ("3\n10\n4\nfive\n2\n", "line 4: 'five' is not a whole number"),
    ("3\n10\n4\n12\n2\n", "line 4: size 12 is not from 1 to the capacity 10"),
    ("3\n10\n4\n2\n", "line 1 announces 3 items, the file has 2"),
    ("3\n", "the item count on line 1 and the capacity on line 2"),
])
def test_the_benchmark_names_the_file_and_line_of_a_malformed_instance(
        tmp_path: Path, text: str, where: str) -> None:
    """The benchmark's reader rejects a malformed BPP file with the file and the line."""
    benchmark = _benchmark()
    path = tmp_path / "broken.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(benchmark.InstanceError) as error:
        benchmark.read_instance(path, "set")
    assert str(path) in str(error.value)
    assert where in str(error.value)
