"""A small situation with known figures, for the sitrep's golden tests and its renderings."""

from __future__ import annotations

from datetime import date, datetime
from types import MappingProxyType

from corridor.domain import (
    AgeBand,
    Category,
    Convoy,
    ManifestLine,
    Plan,
    Sex,
    VehicleKind,
    VehicleTrip,
)
from corridor.domain.events import Incident, Severity, Stage, Verification
from corridor.reports.outside import OutsideFigure
from corridor.reports.sitrep import (
    Cohort,
    ConvoyProgress,
    IncidentRecord,
    MedicalCaseRecord,
    Situation,
)
from tests import builders

FIRST = date(2017, 3, 18)
SECOND = date(2017, 3, 19)
THIRD = date(2017, 3, 20)

F, M = Sex.FEMALE, Sex.MALE
CIV, COMB = Category.CIVILIAN, Category.COMBATANT
A0, A5, A12, A18, A60 = tuple(AgeBand)


def _convoy(convoy_id: str, day: date, destination: str, seated: int, number: int) -> Convoy:
    persons = tuple(f"{convoy_id}-p{i:03d}" for i in range(seated))
    patient = (f"{convoy_id}-stretcher",)
    return Convoy(convoy_id, day, datetime.combine(day, datetime.min.time()).replace(hour=8),
                  destination,
                  (VehicleTrip(f"BUS-{number}", VehicleKind.BUS,
                               (ManifestLine(f"{convoy_id}-h1", persons),)),
                   VehicleTrip(f"AMB-{number}", VehicleKind.AMBULANCE,
                               (ManifestLine(f"{convoy_id}-h2", patient, patient),))))


def plan() -> Plan:
    """Three convoys: 41 people to Jarablus on the 18th, 31 to Idlib on the 19th, 46 to
    Jarablus on the 20th."""
    return Plan("al-waer-test", "2017-03-13", 0,
                (_convoy("C1", FIRST, "jarablus", 40, 1), _convoy("C2", SECOND, "idlib", 30, 2),
                 _convoy("C3", THIRD, "jarablus", 45, 3)),
                (), (), 3, False, "the reception capacity of Idlib binds")


def cohorts() -> tuple[Cohort, ...]:
    """As known at the end of the 19th."""
    return (
        # C1: 35 arrived, 2 still on the road, 1 fighter held, 3 no-shows
        Cohort("C1", Stage.ARRIVED, F, A18, CIV, 12),
        Cohort("C1", Stage.ARRIVED, M, A18, CIV, 8),
        Cohort("C1", Stage.ARRIVED, M, A18, COMB, 6),
        Cohort("C1", Stage.ARRIVED, F, A0, CIV, 3),
        Cohort("C1", Stage.ARRIVED, M, A5, CIV, 4),
        Cohort("C1", Stage.ARRIVED, F, A60, CIV, 2),
        Cohort("C1", Stage.DEPARTED, M, A12, CIV, 2),
        Cohort("C1", Stage.CHECKED_IN, M, A18, COMB, 1, held=True),
        Cohort("C1", Stage.REGISTERED, F, A18, CIV, 3),
        # C2: 28 on the road, 3 not come
        Cohort("C2", Stage.DEPARTED, F, A18, CIV, 10),
        Cohort("C2", Stage.DEPARTED, M, A18, CIV, 9),
        Cohort("C2", Stage.DEPARTED, M, A18, COMB, 4),
        Cohort("C2", Stage.DEPARTED, F, A5, CIV, 5),
        Cohort("C2", Stage.REGISTERED, F, A60, CIV, 3),
        # C3 tomorrow, and fighters who stay under the settlement
        Cohort("C3", Stage.REGISTERED, F, A18, CIV, 46),
        Cohort(None, Stage.REGISTERED, M, A18, COMB, 20, stays=True),
    )


def situation() -> Situation:
    """The operation of tests/builders.py at the end of the 19th."""
    return Situation(
        builders.operation(), plan(), datetime(2017, 3, 20), cohorts(),
        MappingProxyType({
            "C1": ConvoyProgress("C1", datetime(2017, 3, 18, 8, 10), datetime(2017, 3, 19, 0, 30)),
            "C2": ConvoyProgress("C2", datetime(2017, 3, 19, 8, 5), None, ("BUS-9",)),
        }),
        (MedicalCaseRecord("MC-1", "C1", datetime(2017, 3, 18, 10), "field hospital", True),
         MedicalCaseRecord("MC-2", "C2", datetime(2017, 3, 19, 11))),
        (IncidentRecord(Incident("I-1", "shooting near the convoy", Severity.HIGH, "Tal Kalakh",
                                 ("armed group",), "SARC", Verification.VERIFIED),
                        datetime(2017, 3, 18, 12), "C1"),
         IncidentRecord(Incident("I-2", "looting of left houses", Severity.LOW, "al-Waer",
                                 reported_by="local council"),
                        datetime(2017, 3, 19, 9))),
        (("held", 1),),
    )


def outside() -> tuple[OutsideFigure, ...]:
    """An activist centre's claim: 55 residents, including 30 fighters, have left by the 19th;
    and one dated after the report's day."""
    return (OutsideFigure("Homs media centre", SECOND, Stage.DEPARTED, 55, 30,
                          "55 residents including 30 fighters have left"),
            OutsideFigure("SANA", THIRD, Stage.DEPARTED, 100))
