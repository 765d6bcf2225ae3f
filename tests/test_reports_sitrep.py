"""The sitrep's data: exact figures for staff, protected ones for monitors and the public."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from corridor.domain import AgeBand, InvalidValue, Sex
from corridor.domain.events import Stage, Verification
from corridor.reports.disclosure import DisclosurePolicy, Ledger, recoverable_cells
from corridor.reports.outside import ExplanationKind, Scope
from corridor.reports.sitrep import (
    Audience,
    ConvoyStatus,
    Readership,
    build_sitrep,
)
from tests import sitrep_fixtures as fx

COORDINATOR = Readership(Audience.INTERNAL, categories=True, convoy_categories=True,
                         incident_reporters=True)


def test_the_internal_sitrep_of_a_known_day_has_exactly_these_figures() -> None:
    """Golden: the coordinator's sitrep of the 19th, every figure worked out by hand."""
    result = build_sitrep(fx.situation(), fx.SECOND, COORDINATOR, fx.outside())
    sitrep = result.sitrep
    assert result.ledger is None and sitrep.threshold is None and sitrep.withheld == 0
    h = sitrep.headline
    assert (h.planned, h.planned_to_date, h.departed, h.departed_today, h.arrived,
            h.arrived_today, h.on_the_road) == (118, 72, 65, 28, 35, 0, 30)
    assert (h.combatants_departed, h.children_departed, h.held, h.medical_cases) == (10, 14, 1,
                                                                                    2)
    assert (h.convoys_departed, h.convoys_planned, h.incidents, h.plan_days) == (2, 3, 2, 3)
    assert h.binding_constraint == "the reception capacity of Idlib binds"
    assert [(d.day, d.planned, d.planned_cumulative, d.departed, d.departed_cumulative,
             d.arrived, d.arrived_cumulative) for d in sitrep.days] == [
        (fx.FIRST, 41, 41, 37, 37, 35, 35),
        (fx.SECOND, 31, 72, 28, 65, 0, 35),
        (fx.THIRD, 46, 118, None, None, None, None)]
    c1, c2 = sitrep.convoys
    assert (c1.convoy_id, c1.planned, c1.departed, c1.combatants, c1.children, c1.medical_cases,
            c1.held, c1.arrived, c1.status) == ("C1", 41, 37, 6, 9, 1, 1, 35,
                                                ConvoyStatus.ARRIVED)
    assert (c2.convoy_id, c2.planned, c2.departed, c2.combatants, c2.children, c2.medical_cases,
            c2.held, c2.arrived, c2.status) == ("C2", 31, 28, 4, 5, 1, 0, 0,
                                                ConvoyStatus.ON_THE_ROAD)
    assert (c1.vehicles, c1.buses, c1.ambulances, c2.out_of_service) == (2, 1, 1, 1)
    assert c1.departed_at == datetime(2017, 3, 18, 8, 10)
    assert c2.expected_arrival == datetime(2017, 3, 19, 20)  # 12 hours to Idlib
    table = sitrep.by_sex_and_age
    assert table is not None and table.day == fx.SECOND and table.total == 65
    assert [(row.sex, row.counts, row.total) for row in table.rows] == [
        (Sex.FEMALE, (3, 5, 0, 22, 2), 32), (Sex.MALE, (0, 4, 2, 27, 0), 33)]
    assert table.by_band == (3, 9, 2, 49, 2) and table.bands == tuple(AgeBand)
    assert [(d.site_id, d.capacity_per_day, d.arrived_today, d.arrived_cumulative,
             d.over_capacity) for d in sitrep.destinations] == [
        ("jarablus", 1500, 0, 35, False), ("idlib", 800, 0, 0, False)]
    assert (sitrep.medical.cases, sitrep.medical.escalated, sitrep.medical.transferred,
            sitrep.medical.lines) == (2, 1, 1, ())
    assert [(i.incident_id, i.verification, i.reported_by) for i in sitrep.incidents] == [
        ("I-1", Verification.VERIFIED, "SARC"), ("I-2", Verification.UNVERIFIED,
                                                 "local council")]
    assert [(n.convoy_id, n.planned, n.buses, n.ambulances) for n in sitrep.next_convoys] == [
        ("C3", 46, 1, 1)]
    assert sitrep.open_follow_up is None  # a coordinator does not read protection cases
    (claim,) = sitrep.outside  # the claim dated after the report's day is not in it
    assert claim.people.corridor == 65 and claim.people.difference == -10
    assert [(e.kind, e.scope, e.value) for e in claim.people.explanations] == [
        (ExplanationKind.OTHER_CATEGORY, Scope.CIVILIANS, 55)]
    assert claim.combatants is not None and claim.combatants.difference == 20
    assert [(e.kind, e.scope, e.value) for e in claim.combatants.explanations] == [
        (ExplanationKind.OTHER_CATEGORY, Scope.MEN_18_59, 27)]


def test_what_a_role_may_not_see_is_left_out() -> None:
    """A registrar (no category, no medical fields): no fighters anywhere, not even to compare
    with a claim; a protection officer's reader sees the open follow-up cases and each case."""
    registrar = Readership(Audience.INTERNAL)
    sitrep = build_sitrep(fx.situation(), fx.SECOND, registrar, fx.outside()).sitrep
    assert sitrep.headline.combatants_departed is None
    assert all(line.combatants is None for line in sitrep.convoys)
    (claim,) = sitrep.outside
    assert claim.combatants is not None and claim.combatants.corridor is None
    assert [e.kind for e in claim.people.explanations] == [ExplanationKind.UNEXPLAINED]
    protection = Readership(Audience.INTERNAL, categories=True, medical_details=True,
                            protection_cases=True)
    full = build_sitrep(fx.situation(), fx.SECOND, protection).sitrep
    assert full.open_follow_up == (("held", 1),)
    assert [(m.case_id, m.escalated_to) for m in full.medical.lines] == [
        ("MC-1", "field hospital"), ("MC-2", None)]
    no_table = build_sitrep(fx.situation(), fx.SECOND,
                            Readership(Audience.INTERNAL, sex_and_age=False)).sitrep
    assert no_table.by_sex_and_age is None


def test_a_day_before_any_convoy_counts_nothing_yet() -> None:
    """The sitrep of the day before the first convoy: zeros, the whole plan ahead."""
    sitrep = build_sitrep(fx.situation(), fx.FIRST.replace(day=17), COORDINATOR).sitrep
    assert (sitrep.headline.departed, sitrep.headline.arrived, sitrep.convoys) == (0, 0, ())
    assert [n.convoy_id for n in sitrep.next_convoys] == ["C1"]


def _people_figures(sitrep: object) -> list[int]:
    values: list[int] = []
    h = sitrep.headline  # type: ignore[attr-defined]
    values += [h.planned, h.planned_to_date, h.departed, h.departed_today, h.arrived,
               h.arrived_today, h.on_the_road, h.combatants_departed, h.children_departed,
               h.held, h.medical_cases]
    for line in sitrep.convoys:  # type: ignore[attr-defined]
        values += [line.planned, line.departed, line.combatants, line.children,
                   line.medical_cases, line.held, line.arrived]
    for day in sitrep.days:  # type: ignore[attr-defined]
        values += [day.planned, day.planned_cumulative, day.departed, day.departed_cumulative,
                   day.arrived, day.arrived_cumulative]
    return [value for value in values if value is not None]


@pytest.mark.parametrize("audience", [Audience.MONITOR, Audience.PUBLIC])
def test_a_protected_sitrep_shows_no_small_count_and_no_recoverable_one(
        audience: Audience) -> None:
    """The held fighter (1), the medical cases (1 and 2), the children of C2 (5 is shown): no
    figure 1 to 4 is shown, and nothing hidden can be worked out from what is."""
    reader = Readership.monitor() if audience is Audience.MONITOR else Readership.public()
    result = build_sitrep(fx.situation(), fx.SECOND, reader, fx.outside(),
                          policy=DisclosurePolicy(5), ledger=Ledger())
    sitrep = result.sitrep
    assert result.ledger is not None and result.exposed == ()
    assert sitrep.threshold == 5 and sitrep.withheld > 0
    assert all(value == 0 or value >= 5 for value in _people_figures(sitrep))
    assert sitrep.headline.held is None and sitrep.headline.medical_cases is None
    assert sitrep.headline.departed == 65  # large figures stay
    assert recoverable_cells(result.ledger.published, result.ledger.relations) == {}
    assert all(value is None or value == result.ledger.published.get(key, value)
               for key, value in result.figures.items())
    if audience is Audience.PUBLIC:
        assert [i.incident_id for i in sitrep.incidents] == ["I-1"]
        assert sitrep.incidents_left_out == 1
        assert all(i.reported_by is None for i in sitrep.incidents)
        assert all(line.combatants is None for line in sitrep.convoys)


def test_monitor_and_public_sitreps_of_a_day_are_one_release() -> None:
    """The public sitrep made after the monitors' shows the same values and adds no cell."""
    monitor = build_sitrep(fx.situation(), fx.SECOND, Readership.monitor(),
                           policy=DisclosurePolicy(5), ledger=Ledger())
    assert monitor.ledger is not None
    public = build_sitrep(fx.situation(), fx.SECOND, Readership.public(),
                          policy=DisclosurePolicy(5), ledger=monitor.ledger)
    assert public.ledger == monitor.ledger
    for key, value in public.figures.items():
        assert monitor.figures.get(key, value) == value


def test_a_late_upload_revises_yesterdays_figures_without_revealing_the_change() -> None:
    """Two people of C1 were boarded on a phone that was offline: the next day's sitrep counts
    them, as a revision of the 18th, and the change of 2 is not shown nor recoverable."""
    first = build_sitrep(fx.situation(), fx.SECOND, Readership.public(),
                         policy=DisclosurePolicy(5), ledger=Ledger())
    assert first.ledger is not None
    cohorts = list(fx.cohorts())
    cohorts[8] = replace(cohorts[8], people=1)  # of the 3 no-shows, 2 had boarded after all
    late = replace(cohorts[0], stage=Stage.ARRIVED, people=2)
    later = replace(fx.situation(), cohorts=(*cohorts, late),
                    as_of=datetime(2017, 3, 21))
    second = build_sitrep(later, fx.THIRD, Readership.public(), policy=DisclosurePolicy(5),
                          ledger=first.ledger)
    assert second.ledger is not None and second.exposed == ()
    assert recoverable_cells(second.ledger.published, second.ledger.relations) == {}
    revised = [key for key in second.ledger.cells if "revision" in key]
    assert revised, "the 18th's figures changed: they must be revisions"


def test_a_protected_sitrep_needs_a_policy() -> None:
    """Forgetting disclosure control is an error, not a report with exact figures."""
    with pytest.raises(InvalidValue, match="disclosure"):
        build_sitrep(fx.situation(), fx.SECOND, Readership.public())
