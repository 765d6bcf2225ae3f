"""Revised figures: a change after publication is a new cell linked to the old, and protected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.domain import InvalidValue
from corridor.reports.disclosure import (
    DisclosurePolicy,
    Ledger,
    ReleaseBuilder,
    protect,
    recoverable_cells,
)
from corridor.reports.revisions import RevisingBuilder, split_revision

POLICY = DisclosurePolicy(5)
TOTAL = ("arrived", "day", "2017-03-18")


def _release(ledger: Ledger, jarablus: int, idlib: int) -> tuple[RevisingBuilder, Ledger]:
    builder = RevisingBuilder(ledger)
    builder.add_breakdown(TOTAL, "destination", {"jarablus": jarablus, "idlib": idlib})
    result = protect(builder.build(), POLICY, ledger)
    assert result.exposed == ()
    return builder, result.ledger


def test_a_first_release_has_the_keys_a_plain_builder_gives() -> None:
    """Without a ledger, base keys are the keys: the dashboard's cells and the sitrep's agree."""
    revising = RevisingBuilder(Ledger())
    revising.add_series(("field", "departed"), [("2017-03-18", 400), ("2017-03-19", 380)])
    plain = ReleaseBuilder()
    plain.add_series(("field", "departed"), [("2017-03-18", 400), ("2017-03-19", 380)])
    assert revising.build() == plain.build()


def test_an_unchanged_figure_keeps_its_key_and_a_changed_one_is_a_linked_revision() -> None:
    """Same value: same cell. New value: the base plus ("revision", "2"), linked to the first."""
    first, ledger = _release(Ledger(), 400, 300)
    again, same = _release(ledger, 400, 300)
    assert again.key(TOTAL) == TOTAL and same.cells == ledger.cells
    later, revised = _release(ledger, 420, 300)
    new_key = later.key(TOTAL)
    assert new_key == (*TOTAL, "revision", "2")
    assert later.key((*TOTAL, "destination", "idlib")) == (*TOTAL, "destination", "idlib")
    assert split_revision(new_key) == (TOTAL, 2)
    assert revised.cells[(*new_key, "link", "added")].value == 20  # 700 -> 720
    assert (*new_key, "link", "withdrawn") not in revised.cells
    lower, _ = _release(revised, 380, 300)
    assert lower.key(TOTAL) == (*TOTAL, "revision", "3")
    assert later.value(TOTAL) == 720
    del first


def test_a_small_change_cannot_be_worked_out_from_the_two_values() -> None:
    """A revision by 3 people (a late offline upload) is hidden: nobody recovers the 3."""
    _first, ledger = _release(Ledger(), 400, 300)
    assert ledger.published[TOTAL] == 700
    later, revised = _release(ledger, 403, 300)
    new_key = later.key(TOTAL)
    added = (*new_key, "link", "added")
    assert revised.cells[added].suppression is not None
    assert new_key not in revised.published
    assert recoverable_cells(revised.published, revised.relations) == {}


def test_a_base_declared_twice_with_two_counts_is_refused() -> None:
    """Two tables that disagree about a shared figure are a bug in the report."""
    builder = RevisingBuilder(Ledger())
    builder.add_cell(TOTAL, 5)
    with pytest.raises(InvalidValue, match="declared as 5 and as 6"):
        builder.add_cell(TOTAL, 6)
    with pytest.raises(InvalidValue, match="not declared"):
        builder.key(("nowhere",))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=3, max_size=3), min_size=2, max_size=5))
def test_revisions_of_a_series_never_reveal_a_small_cell(releases: list[list[int]]) -> None:
    """Whatever the values of each release (up, down, small), no shown figure is 1 to 4 and no
    hidden figure, revision links included, can be recovered from everything published."""
    ledger = Ledger()
    for counts in releases:
        builder = RevisingBuilder(ledger)
        builder.add_series(("field", "departed"),
                           [(f"2017-03-{18 + i}", count) for i, count in enumerate(counts)])
        result = protect(builder.build(), POLICY, ledger)
        assert result.exposed == ()
        ledger = result.ledger
        assert all(value == 0 or value >= 5 for value in result.published.values())
    assert recoverable_cells(ledger.published, ledger.relations) == {}


def test_a_figure_back_at_an_earlier_value_is_that_earlier_cell() -> None:
    """700, then 720, then 700 again (a void): the third release reuses the first cell, and a
    fourth at 720 reuses the revision; nothing new is declared."""
    _first, ledger = _release(Ledger(), 400, 300)
    _second, revised = _release(ledger, 420, 300)
    back, again = _release(revised, 400, 300)
    assert back.key(TOTAL) == TOTAL and again.cells == revised.cells
    forth, same = _release(again, 420, 300)
    assert forth.key(TOTAL) == (*TOTAL, "revision", "2") and same.cells == revised.cells
