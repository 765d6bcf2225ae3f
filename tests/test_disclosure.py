"""Disclosure control: no small cell published, none recoverable, across tables and days."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corridor.domain.errors import InvalidValue
from corridor.reports.disclosure import (
    MINIMUM_THRESHOLD,
    DisclosurePolicy,
    Key,
    Ledger,
    ProtectedRelease,
    Release,
    ReleaseBuilder,
    Suppression,
    feasible_bounds,
    protect,
    recoverable_cells,
)

DESTINATIONS = ("Jarablus", "Idlib", "Al-Bab")
SEXES = ("female", "male")
BANDS = ("0-11", "12-59", "60+")
POLICY = DisclosurePolicy()
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])

# Counts as a sitrep meets them: many zeros and small cells among large ones.
COUNTS = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 60))


def _table(prefix: Key, counts: dict[tuple[str, str], int]) -> Release:
    builder = ReleaseBuilder()
    builder.add_table(prefix, ("sex", SEXES), ("age", BANDS), counts)
    return builder.build()


def _audit(result: ProtectedRelease) -> dict[Key, int]:
    return recoverable_cells(result.ledger.published, result.ledger.relations)


@st.composite
def days(draw: st.DrawFn) -> list[dict[str, dict[str, int]]]:
    """One to four days: arrivals per destination, and people by sex/age adding up the same."""
    drawn = []
    for _ in range(draw(st.integers(1, 4))):
        arrivals = {destination: draw(COUNTS) for destination in DESTINATIONS[:2]}
        total = sum(arrivals.values())
        cells = [f"{sex}/{band}" for sex in SEXES for band in BANDS]
        shares = draw(st.lists(st.integers(0, 3), min_size=len(cells), max_size=len(cells)))
        people = dict.fromkeys(cells, 0)
        rng = random.Random(draw(st.integers(0, 1000)))
        weights = [share + 0.01 for share in shares]
        for cell in rng.choices(cells, weights, k=total):
            people[cell] += 1
        drawn.append({"arrivals": arrivals, "people": people})
    return drawn


def _declare(builder: ReleaseBuilder, figures: list[dict[str, dict[str, int]]], first: int,
             before: list[dict[str, dict[str, int]]]) -> None:
    """Days ``first``.. as a sitrep declares them: series per destination, total, sex x age."""
    labels = [f"d{first + index + 1}" for index in range(len(figures))]
    chain = f"d{first}" if before else None
    for destination in DESTINATIONS[:2]:
        earlier = sum(day["arrivals"][destination] for day in before)
        builder.add_series(("arrivals", destination),
                           [(label, day["arrivals"][destination])
                            for label, day in zip(labels, figures, strict=True)],
                           before=None if chain is None else (chain, earlier))
    earlier = sum(sum(day["arrivals"].values()) for day in before)
    builder.add_series(("arrivals", "all"), [(label, sum(day["arrivals"].values()))
                                             for label, day in zip(labels, figures, strict=True)],
                       before=None if chain is None else (chain, earlier))
    for label, day in zip(labels, figures, strict=True):
        total = ("arrivals", "all", "day", label)
        builder.add_relation(total, [("arrivals", destination, "day", label)
                                     for destination in DESTINATIONS[:2]])
        counts = {(sex, band): day["people"].get(f"{sex}/{band}", 0)
                  for sex in SEXES for band in BANDS}
        builder.add_table(total, ("sex", SEXES), ("age", BANDS), counts)


def _whole(figures: list[dict[str, dict[str, int]]]) -> Release:
    builder = ReleaseBuilder()
    _declare(builder, figures, 0, [])
    return builder.build()


def _day_by_day(figures: list[dict[str, dict[str, int]]], thresholds: list[int]
                ) -> list[tuple[Ledger, ProtectedRelease]]:
    """Each day protected with the ledger of the days before; (ledger before, result)."""
    ledger = Ledger()
    steps = []
    for day, threshold in enumerate(thresholds):
        builder = ReleaseBuilder()
        _declare(builder, figures[day:day + 1], day, figures[:day])
        result = protect(builder.build(), DisclosurePolicy(threshold), ledger)
        steps.append((ledger, result))
        ledger = result.ledger
    return steps


def _small_cells_reach(before: Ledger, result: ProtectedRelease) -> list[Key]:
    """Primary cells whose most possible value is below min(threshold, cap before)."""
    caps = feasible_bounds(before.published, result.ledger.relations)
    now = feasible_bounds(result.ledger.published, result.ledger.relations)
    threshold = result.threshold
    return [key for key, reason in result.ledger.suppressed.items()
            if reason == Suppression.PRIMARY
            and now[key].high < min(threshold, caps[key].high) - 1e-6]


# Properties


@PROPERTY_SETTINGS
@given(days())
def test_no_hidden_cell_of_one_release_can_be_recovered(figures: list[dict[str, dict[str, int]]]
                                                        ) -> None:
    """From one release's published figures and relations, no hidden cell is determined."""
    result = protect(_whole(figures), POLICY, Ledger())
    assert _audit(result) == {}
    assert result.exposed == ()


@PROPERTY_SETTINGS
@given(days(), st.lists(st.sampled_from([5, 6, 10]), min_size=4, max_size=4).map(sorted))
def test_no_hidden_cell_can_be_recovered_from_several_days(
        figures: list[dict[str, dict[str, int]]], thresholds: list[int]) -> None:
    """Day after day with the ledger (threshold sometimes raised), after every day nothing
    hidden so far is determined by everything published so far."""
    for _before, result in _day_by_day(figures, thresholds[:len(figures)]):
        assert _audit(result) == {}
        assert result.exposed == ()


@PROPERTY_SETTINGS
@given(days(), st.sampled_from([5, 7, 10]))
def test_no_published_cell_counts_fewer_than_the_threshold(
        figures: list[dict[str, dict[str, int]]], threshold: int) -> None:
    """Every published figure is 0 or at least the threshold."""
    result = protect(_whole(figures), DisclosurePolicy(threshold), Ledger())
    assert all(value == 0 or value >= threshold for value in result.published.values())
    assert all(reason == Suppression.SECONDARY or 0 < result.ledger.cells[key].value < threshold
               for key, reason in result.suppressed.items())


@PROPERTY_SETTINGS
@given(days())
def test_every_small_cell_could_be_as_large_as_the_threshold(
        figures: list[dict[str, dict[str, int]]]) -> None:
    """Each primary cell's most possible value reaches the threshold (or what earlier
    figures allow), in one release and day by day."""
    result = protect(_whole(figures), POLICY, Ledger())
    assert _small_cells_reach(Ledger(), result) == []
    for before, daily in _day_by_day(figures, [POLICY.threshold] * len(figures)):
        assert _small_cells_reach(before, daily) == []


@PROPERTY_SETTINGS
@given(days(), st.randoms(use_true_random=False))
def test_protection_is_deterministic_whatever_the_declaration_order(
        figures: list[dict[str, dict[str, int]]], rng: random.Random) -> None:
    """The same figures declared in another order give the same result and ledger."""
    release = _whole(figures)
    cells = list(release.counts.items())
    relations = list(release.relations)
    rng.shuffle(cells)
    rng.shuffle(relations)
    shuffled = Release(dict(cells), tuple(relations))
    first = protect(release, POLICY, Ledger())
    assert protect(shuffled, POLICY, Ledger()) == first
    assert protect(release, POLICY, Ledger()).ledger.to_json() == first.ledger.to_json()


@PROPERTY_SETTINGS
@given(st.integers(-3, MINIMUM_THRESHOLD - 1))
def test_a_threshold_below_five_is_refused(threshold: int) -> None:
    """No policy can publish cells smaller than five."""
    with pytest.raises(InvalidValue, match="can only be raised"):
        DisclosurePolicy(threshold)


@PROPERTY_SETTINGS
@given(st.integers(MINIMUM_THRESHOLD, 20), st.integers(MINIMUM_THRESHOLD, 20))
def test_a_threshold_can_be_raised_but_never_lowered(used: int, asked: int) -> None:
    """After publishing with one threshold, a lower one raises and an equal or higher works."""
    ledger = protect(_table(("d1",), {("female", "0-11"): 30}), DisclosurePolicy(used),
                     Ledger()).ledger
    release = _table(("d2",), {("male", "0-11"): 30})
    if asked < used:
        with pytest.raises(InvalidValue, match="can only be raised"):
            protect(release, DisclosurePolicy(asked), ledger)
    else:
        assert protect(release, DisclosurePolicy(asked), ledger).ledger.threshold == asked


# Behaviour


def test_a_cell_below_the_threshold_is_hidden_as_primary() -> None:
    """A count of 1 to 4 is never shown; 0 and 5 are shown."""
    builder = ReleaseBuilder()
    for key, count in ((("a",), 0), (("b",), 1), (("c",), 4), (("d",), 5)):
        builder.add_cell(key, count)
    result = protect(builder.build(), POLICY, Ledger())
    assert result.value(("a",)) == 0 and result.value(("d",)) == 5
    assert result.suppressed == {("b",): Suppression.PRIMARY, ("c",): Suppression.PRIMARY}


def test_the_audit_recovers_a_small_cell_hidden_alone() -> None:
    """The audit is not blind: hiding only the small cell of a table with its margins leaks it."""
    release = _table(("d1",), {("female", "0-11"): 3, ("female", "12-59"): 40,
                               ("male", "0-11"): 20, ("male", "12-59"): 50})
    published = {key: count for key, count in release.counts.items()
                 if key != ("d1", "sex", "female", "age", "0-11")}
    assert recoverable_cells(published, release.relations) == {
        ("d1", "sex", "female", "age", "0-11"): 3}


def test_a_small_cell_in_a_table_gets_secondary_cells_in_its_row_and_column() -> None:
    """Margins published, the small cell is protected by a rectangle of hidden cells."""
    release = _table(("d1",), {("female", "0-11"): 3, ("female", "12-59"): 40,
                               ("female", "60+"): 9, ("male", "0-11"): 20,
                               ("male", "12-59"): 50, ("male", "60+"): 7})
    result = protect(release, POLICY, Ledger())
    assert result.suppressed == {
        ("d1", "sex", "female", "age", "0-11"): Suppression.PRIMARY,
        ("d1", "sex", "female", "age", "60+"): Suppression.SECONDARY,
        ("d1", "sex", "male", "age", "0-11"): Suppression.SECONDARY,
        ("d1", "sex", "male", "age", "60+"): Suppression.SECONDARY,
    }
    assert result.value(("d1", "sex", "female")) == 52
    assert _audit(result) == {}


def test_secondary_cells_are_the_ones_hiding_the_fewest_people() -> None:
    """Of the two rectangles that protect the small cell, the one with fewer people is hidden."""
    release = _table(("d1",), {("female", "0-11"): 2, ("female", "12-59"): 400,
                               ("female", "60+"): 30, ("male", "0-11"): 25,
                               ("male", "12-59"): 500, ("male", "60+"): 35})
    hidden = set(protect(release, POLICY, Ledger()).suppressed)
    assert ("d1", "sex", "female", "age", "60+") in hidden
    assert ("d1", "sex", "female", "age", "12-59") not in hidden


def test_a_small_cell_may_be_as_large_as_the_threshold_for_an_attacker() -> None:
    """The bounds an attacker computes for a hidden 1 reach at least 5."""
    release = _table(("d1",), {("female", "0-11"): 1, ("female", "12-59"): 40,
                               ("male", "0-11"): 2, ("male", "12-59"): 50})
    result = protect(release, POLICY, Ledger())
    bounds = feasible_bounds(result.ledger.published, result.ledger.relations)
    assert bounds[("d1", "sex", "female", "age", "0-11")].high >= 5
    assert bounds[("d1", "sex", "male", "age", "0-11")].high >= 5


def test_a_zero_is_published_and_the_audit_counts_it_as_known() -> None:
    """Zeros are shown; a row of zeros around a small cell does not let it be recovered."""
    release = _table(("d1",), {("female", "0-11"): 3, ("male", "12-59"): 50,
                               ("male", "60+"): 20})
    result = protect(release, POLICY, Ledger())
    assert result.value(("d1", "sex", "male", "age", "0-11")) in (0, None)
    assert 0 in result.published.values()
    assert _audit(result) == {}


def test_a_small_day_hides_a_cumulative_figure() -> None:
    """In a series, a small day cannot be recovered as the difference of two cumulatives."""
    builder = ReleaseBuilder()
    builder.add_series(("arrivals",), [("d1", 300), ("d2", 3), ("d3", 250)])
    result = protect(builder.build(), POLICY, Ledger())
    assert result.value(("arrivals", "day", "d2")) is None
    assert (result.value(("arrivals", "up_to", "d1")) is None
            or result.value(("arrivals", "up_to", "d2")) is None)
    assert _audit(result) == {}


def test_the_audit_recovers_a_day_from_two_days_of_cumulative_figures() -> None:
    """Across releases: yesterday's and today's cumulatives published give today's small day."""
    published = {("arrivals", "up_to", "d1"): 300, ("arrivals", "up_to", "d2"): 303}
    builder = ReleaseBuilder()
    builder.add_series(("arrivals",), [("d1", 300), ("d2", 3)])
    assert recoverable_cells(published, builder.build().relations) == {
        ("arrivals", "day", "d1"): 300, ("arrivals", "day", "d2"): 3}


def test_tomorrow_s_release_keeps_today_s_small_day_hidden() -> None:
    """Publishing day 3 with the ledger of days 1-2 does not reveal day 2."""
    first = ReleaseBuilder()
    first.add_series(("arrivals",), [("d1", 300), ("d2", 3)])
    today = protect(first.build(), POLICY, Ledger())
    second = ReleaseBuilder()
    second.add_series(("arrivals",), [("d3", 250)], before=("d2", 303))
    tomorrow = protect(second.build(), POLICY, today.ledger)
    assert tomorrow.value(("arrivals", "up_to", "d2")) is None
    assert _audit(tomorrow) == {}


def test_tables_sharing_a_total_are_protected_together() -> None:
    """A day total in a destination breakdown and in a sex x age table links both tables."""
    builder = ReleaseBuilder()
    builder.add_breakdown(("d1",), "destination", {"Jarablus": 40, "Idlib": 3})
    builder.add_table(("d1",), ("sex", SEXES), ("age", BANDS),
                      {("female", "0-11"): 20, ("male", "12-59"): 23})
    result = protect(builder.build(), POLICY, Ledger())
    assert result.value(("d1", "destination", "Idlib")) is None
    assert _audit(result) == {}


def test_a_subset_narrows_what_an_attacker_can_infer() -> None:
    """Children are at most the people of a convoy: the audit uses that bound."""
    builder = ReleaseBuilder()
    builder.add_cell(("convoy", "1"), 30)
    builder.add_cell(("convoy", "1", "children"), 3)
    builder.add_subset(("convoy", "1", "children"), ("convoy", "1"))
    relations = builder.build().relations
    bounds = feasible_bounds({("convoy", "1"): 30}, relations)
    assert bounds[("convoy", "1", "children")].high == pytest.approx(30)


def test_what_was_published_stays_published_and_what_was_hidden_stays_hidden() -> None:
    """Republishing yesterday's table shows the same figures and hides the same cells."""
    release = _table(("d1",), {("female", "0-11"): 3, ("female", "12-59"): 40,
                               ("male", "0-11"): 20, ("male", "12-59"): 50})
    yesterday = protect(release, POLICY, Ledger())
    today = protect(release, POLICY, yesterday.ledger)
    assert today.figures == yesterday.figures


def test_a_raised_threshold_hides_new_cells_below_it_and_keeps_old_figures() -> None:
    """Raised to 10, a new 7 is hidden while yesterday's published 7 stays shown."""
    builder = ReleaseBuilder()
    builder.add_cell(("d1",), 7)
    yesterday = protect(builder.build(), POLICY, Ledger())
    builder.add_cell(("d2",), 7)
    today = protect(builder.build(), DisclosurePolicy(10), yesterday.ledger)
    assert today.value(("d1",)) == 7
    assert today.suppressed == {("d2",): Suppression.PRIMARY}
    assert today.ledger.threshold == 10


def test_a_published_figure_cannot_change() -> None:
    """A figure already released with another value raises (a correction needs a new key)."""
    builder = ReleaseBuilder()
    builder.add_cell(("d1",), 70)
    ledger = protect(builder.build(), POLICY, Ledger()).ledger
    changed = ReleaseBuilder()
    changed.add_cell(("d1",), 71)
    with pytest.raises(InvalidValue, match="cannot change"):
        protect(changed.build(), POLICY, ledger)


def test_a_relation_declared_late_that_determines_a_hidden_cell_is_reported() -> None:
    """If earlier figures already give a hidden cell away, protect lists it as exposed."""
    builder = ReleaseBuilder()
    for key, count in ((("a",), 3), (("b",), 10), (("c",), 13)):
        builder.add_cell(key, count)
    ledger = protect(builder.build(), POLICY, Ledger()).ledger
    builder.add_relation(("c",), [("a",), ("b",)])
    result = protect(builder.build(), POLICY, ledger)
    assert result.exposed == (("a",),)
    assert result.value(("a",)) is None


def test_a_shared_total_with_two_counts_is_refused() -> None:
    """Two tables that disagree on a shared total are a report bug, refused at declaration."""
    builder = ReleaseBuilder()
    builder.add_breakdown(("d1",), "destination", {"Jarablus": 40})
    with pytest.raises(InvalidValue, match="one count"):
        builder.add_breakdown(("d1",), "sex", {"female": 41})


def test_a_relation_that_does_not_add_up_is_refused() -> None:
    """A total that is not the sum of its parts raises with both figures."""
    builder = ReleaseBuilder()
    builder.add_cell(("t",), 10)
    builder.add_cell(("p",), 9)
    builder.add_relation(("t",), [("p",)])
    with pytest.raises(InvalidValue, match="counts 10 but its parts add up to 9"):
        builder.build()


def test_the_ledger_survives_json() -> None:
    """A ledger written as JSON text reads back equal."""
    result = protect(_whole([{"arrivals": {"Jarablus": 3, "Idlib": 40},
                              "people": {"female/0-11": 43}}]), POLICY, Ledger())
    text = json.dumps(result.ledger.to_json())
    assert Ledger.from_json(json.loads(text)) == result.ledger


@pytest.mark.parametrize("damage", [
    {"format": "something else"},
    {"version": 99},
    {"threshold": 3},
    {"cells": [{"key": "a", "value": 1, "suppression": None}]},
    {"cells": [{"key": ["a"], "value": -1, "suppression": None}]},
    {"cells": [{"key": ["a"], "value": 1, "suppression": "maybe"}]},
    {"relations": [{"total": ["a"], "parts": [["b"]], "exact": True}]},
])
def test_a_damaged_ledger_is_refused(damage: dict[str, object]) -> None:
    """Any damaged field raises InvalidValue, never a bare KeyError or TypeError."""
    data = Ledger().to_json() | damage
    with pytest.raises(InvalidValue):
        Ledger.from_json(data)
