"""Outside figures beside corridor's counts: the difference and what could explain it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.domain import InvalidValue
from corridor.domain.events import Stage
from corridor.reports.outside import (
    Explanation,
    ExplanationKind,
    OutsideFigure,
    Scope,
    compare,
    compare_all,
    tolerance,
)

DAY = date(2017, 3, 20)


def _lookup(counts: dict[tuple[Stage, date, Scope], int]):  # type: ignore[no-untyped-def]
    return lambda stage, day, scope: counts.get((stage, day, scope))


def _claim(people: int, stage: Stage = Stage.DEPARTED, combatants: int | None = None,
           day: date = DAY) -> OutsideFigure:
    return OutsideFigure("Homs media centre", day, stage, people, combatants)


def _kinds(explanations: tuple[Explanation, ...]) -> list[ExplanationKind]:
    return [item.kind for item in explanations]


def test_a_rounded_claim_close_to_corridors_count_agrees() -> None:
    """2,000 against 2,013 departed is within 3 %: it agrees, difference -13."""
    side = compare(_claim(2000), _lookup({(Stage.DEPARTED, DAY, Scope.PEOPLE): 2013})).people
    assert side.corridor == 2013 and side.difference == -13
    assert _kinds(side.explanations) == [ExplanationKind.AGREES]


def test_a_claim_that_matches_the_people_who_boarded_is_another_stage() -> None:
    """"2,000 have left" when 1,600 departed and 2,010 boarded: the source counts boarding."""
    side = compare(_claim(2000), _lookup({(Stage.DEPARTED, DAY, Scope.PEOPLE): 1600,
                                          (Stage.BOARDED, DAY, Scope.PEOPLE): 2010,
                                          (Stage.CHECKED_IN, DAY, Scope.PEOPLE): 2300})).people
    assert side.difference == 400
    assert side.explanations == (Explanation(ExplanationKind.OTHER_STAGE, Stage.BOARDED, DAY,
                                             Scope.PEOPLE, 2010),)


def test_a_claim_that_matches_the_next_day_is_another_day() -> None:
    """A figure cumulative to the 21st, dated the 20th: the nearest day that matches is named."""
    later = DAY + timedelta(days=1)
    side = compare(_claim(2000), _lookup({(Stage.DEPARTED, DAY, Scope.PEOPLE): 1500,
                                          (Stage.DEPARTED, later, Scope.PEOPLE): 1990,
                                          (Stage.DEPARTED, DAY + timedelta(days=2),
                                           Scope.PEOPLE): 2001})).people
    assert side.explanations == (Explanation(ExplanationKind.OTHER_DAY, Stage.DEPARTED, later,
                                             Scope.PEOPLE, 1990),)


def test_residents_and_fighters_are_other_categories() -> None:
    """"2,000 residents, including 400 fighters": the residents are corridor's civilians, and
    the fighters its men of 18 to 59, not its 150 combatants."""
    counts = {(Stage.DEPARTED, DAY, Scope.PEOPLE): 2400,
              (Stage.DEPARTED, DAY, Scope.CIVILIANS): 2010,
              (Stage.DEPARTED, DAY, Scope.COMBATANTS): 150,
              (Stage.DEPARTED, DAY, Scope.MEN_18_59): 405}
    result = compare(_claim(2000, combatants=400), _lookup(counts))
    assert result.people.explanations == (Explanation(
        ExplanationKind.OTHER_CATEGORY, Stage.DEPARTED, DAY, Scope.CIVILIANS, 2010),)
    assert result.combatants is not None and result.combatants.difference == 250
    assert result.combatants.explanations == (Explanation(
        ExplanationKind.OTHER_CATEGORY, Stage.DEPARTED, DAY, Scope.MEN_18_59, 405),)


def test_a_claim_above_every_count_says_so() -> None:
    """5,000 when corridor registered 3,000 to leave: no definition explains it."""
    counts = {(Stage.REGISTERED, DAY, Scope.PEOPLE): 3000,
              (Stage.DEPARTED, DAY, Scope.PEOPLE): 1600}
    side = compare(_claim(5000), _lookup(counts)).people
    assert side.explanations == (Explanation(ExplanationKind.ABOVE_EVERY_COUNT, None, DAY,
                                             Scope.PEOPLE, 3000),)
    low = compare(_claim(100), _lookup(counts)).people
    assert _kinds(low.explanations) == [ExplanationKind.BELOW_EVERY_COUNT]
    between = compare(_claim(2400), _lookup(counts)).people
    assert _kinds(between.explanations) == [ExplanationKind.UNEXPLAINED]


def test_a_withheld_count_is_never_compared() -> None:
    """When corridor's figure is not shown, nothing is said about how close the claim is."""
    result = compare(_claim(7, combatants=2), _lookup({}))
    assert result.people.corridor is None and result.people.difference is None
    assert _kinds(result.people.explanations) == [ExplanationKind.NO_FIGURE]
    assert result.combatants is not None
    assert _kinds(result.combatants.explanations) == [ExplanationKind.NO_FIGURE]


def test_claims_are_listed_oldest_first() -> None:
    """compare_all orders by date, then source."""
    later = OutsideFigure("SANA", DAY + timedelta(days=1), Stage.ARRIVED, 10)
    earlier = OutsideFigure("Reuters witness", DAY, Stage.DEPARTED, 10)
    result = compare_all([later, earlier], _lookup({}))
    assert [c.figure.source for c in result] == ["Reuters witness", "SANA"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"source": " "}, "source"),
    ({"people": -1}, "people"),
    ({"people": 10, "combatants": 11}, "combatants"),
    ({"stage": Stage.SCREENED}, "stage"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"note": "x" * 1001}, "note"),
])
def test_a_bad_outside_figure_is_refused_naming_the_field(changes: dict[str, object],
                                                          field: str) -> None:
    """Each bad value raises InvalidValue naming its field."""
    values: dict[str, object] = {"source": "SANA", "reported_on": DAY,
                                 "stage": Stage.DEPARTED, "people": 100}
    values.update(changes)
    with pytest.raises(InvalidValue) as raised:
        OutsideFigure(**values)  # type: ignore[arg-type]
    assert raised.value.field == field


@given(st.integers(0, 50_000), st.dictionaries(
    st.tuples(st.sampled_from([Stage.REGISTERED, Stage.CHECKED_IN, Stage.BOARDED,
                               Stage.DEPARTED, Stage.ARRIVED]),
              st.sampled_from([DAY + timedelta(days=k) for k in range(-4, 5)]),
              st.sampled_from(list(Scope))),
    st.integers(0, 50_000), min_size=1))
def test_every_explanation_names_a_count_that_matches_or_bounds_the_claim(
        claimed: int, counts: dict[tuple[Stage, date, Scope], int]) -> None:
    """An explanation of another stage, day or category names a count within tolerance of the
    claim; agreement is only said of corridor's own count of that stage and day."""
    counts.setdefault((Stage.DEPARTED, DAY, Scope.PEOPLE), 1000)
    side = compare(_claim(claimed), _lookup(counts)).people
    for item in side.explanations:
        if item.kind in (ExplanationKind.AGREES, ExplanationKind.OTHER_STAGE,
                         ExplanationKind.OTHER_DAY, ExplanationKind.OTHER_CATEGORY):
            assert item.value is not None
            assert abs(item.value - claimed) <= tolerance(max(item.value, claimed))
        if item.kind is ExplanationKind.AGREES:
            assert (item.stage, item.day, item.scope) == (Stage.DEPARTED, DAY, Scope.PEOPLE)
        if item.kind is ExplanationKind.ABOVE_EVERY_COUNT:
            assert item.value is not None and claimed > item.value
