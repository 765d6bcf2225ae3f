"""Calibration figures of the synthetic scenarios, each with where it comes from.

"data README" below is ``shared/data/README.md`` and its table ``al-waer-2017-convoys.csv``: the
al-Waer (Homs) evacuation of 18 March to 21 May 2017 as reported at the time. Figures that the
reports do not give are planning assumptions and say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Final

# --- Size of the problem --------------------------------------------------------------------------

#: The first convoy (batch 1, 18 March 2017) carried up to 2,000 people (data README, batch 1).
FIRST_CONVOY_PEOPLE: Final = 2_000
#: The largest population the generator promises to build and keep feasible.
MAX_LEAVING: Final = 1_000_000

#: About 75,000 residents and about 20,600 who applied to leave (12,000 + 6,200 + 2,400, data
#: README): the others stayed, about 2.64 stayers for each leaver.
RESIDENTS: Final = 75_000
REGISTERED_TO_LEAVE: Final = 12_000 + 6_200 + 2_400
STAYERS_PER_LEAVER: Final = (RESIDENTS - REGISTERED_TO_LEAVE) / REGISTERED_TO_LEAVE
#: Undecided people on top of leavers and stayers: a planning assumption ("a few percent").
UNDECIDED_SHARE_OF_RESIDENTS: Final = 0.03

# --- Who leaves -----------------------------------------------------------------------------------

#: Children (0-17) were 36 to 42 % of evacuees where counted (data README); the generator aims at
#: the middle. The household mix below is tuned to it (see tests/test_synthetic.py).
CHILD_SHARE_TARGET: Final = 0.39
#: Batch 2 was 370 families and 1,850 people (data README): five people a family.
FAMILY_SIZE_TARGET: Final = 1_850 / 370
#: Over 14,000 left, about 3,700 of them fighters (data README): about a quarter of those counted.
#: Of all who registered to leave the generator makes about a fifth fighters (planning assumption).
COMBATANT_SHARE_TARGET: Final = 0.20
#: About 1,150 fighters stayed under the settlement and about 3,700 left (data README).
COMBATANTS_STAYING_PER_LEAVING: Final = 1_150 / 3_700
#: Combatants are men of fighting age (planning assumption).
COMBATANT_MIN_AGE: Final = 16
COMBATANT_MAX_AGE: Final = 55

# --- Vulnerabilities (planning assumptions; batch 1 reported about 200 wounded in 2,000) ----------

MEDICAL_EMERGENCY_RATE: Final = 0.03
STRETCHER_SHARE_OF_MEDICAL: Final = 1 / 3
DISABILITY_RATE: Final = 0.03
#: Among women of 15 to 45. Only wives and mothers are drawn pregnant; they are about three in
#: four women of that age among leavers (measured), hence the higher rate among them.
PREGNANCY_RATE: Final = 0.05
PARTNERED_SHARE_OF_WOMEN_15_45: Final = 0.76
PREGNANCY_RATE_PARTNERED: Final = PREGNANCY_RATE / PARTNERED_SHARE_OF_WOMEN_15_45
PREGNANCY_MIN_AGE: Final = 15
PREGNANCY_MAX_AGE: Final = 45
ELDERLY_AGE: Final = 60
#: Most people of 60 and over are registered as elderly (vulnerable); some are fit to travel.
ELDERLY_RATE: Final = 0.8
#: Unaccompanied or separated children among leavers.
UNACCOMPANIED_OR_SEPARATED_SHARE: Final = 0.003
#: Households registered as extended family of another household.
EXTENDED_FAMILY_LINK_RATE: Final = 0.05

# --- Luggage --------------------------------------------------------------------------------------

#: "Each person could take 2 suitcases and a backpack" (data README, batch 5).
LUGGAGE_ALLOWANCE_PER_PERSON: Final = 3

# --- The agreement --------------------------------------------------------------------------------

AGREEMENT_VERSION: Final = "2017-03-13"
#: The first convoy left on 18 March 2017 (data README, batch 1).
WINDOW_START: Final = date(2017, 3, 18)
#: The first convoy left in the first week; later phases split the rest of the window.
FIRST_PHASE_DAYS: Final = 7
TIMEZONE: Final = "Asia/Damascus"


@dataclass(frozen=True, slots=True)
class DestinationSpec:
    """A destination of the al-Waer agreement and the number who asked to go there.

    P-codes follow the OCHA COD-AB sub-district format (``SY`` + governorate + district +
    sub-district); they are illustrative and must be checked against the current COD before use.
    """

    site_id: str
    name: str
    pcode: str
    latitude: float
    longitude: float
    travel_hours: float
    registered: int


#: 12,000 to Aleppo province (Jarablus), 6,200 to Idlib and 2,400 to rural Homs (data README).
#: Homs to Jarablus is 350-400 km and took 14 to over 24 hours (data README, batches 2, 9, 10);
#: Idlib took about 15 hours once (batch 3) and is planned at 12; rural Homs is close (3 hours).
DESTINATIONS: Final = (
    DestinationSpec("jarablus", "Jarablus (Zogra camp)", "SY020400", 36.8175, 38.0106, 16.0,
                    12_000),
    DestinationSpec("idlib", "Idlib city", "SY070000", 35.9306, 36.6339, 12.0, 6_200),
    DestinationSpec("rural-homs", "Northern rural Homs (ar-Rastan)", "SY040300", 34.9267, 36.7325,
                    3.0, 2_400),
)

# --- Sites ----------------------------------------------------------------------------------------

CHECKPOINT_ID: Final = "cp-waer"
CHECKPOINT_NAME: Final = "al-Waer checkpoint"
CHECKPOINT_LATITUDE: Final = 34.7398
CHECKPOINT_LONGITUDE: Final = 36.6630
DISTRICT_LATITUDE: Final = 34.7420
DISTRICT_LONGITUDE: Final = 36.6560
#: The checkpoint opens 12 hours a day (planning assumption).
CHECKPOINT_OPENS: Final = time(6)
CHECKPOINT_CLOSES: Final = time(18)
#: A one-by-one search held the first convoy's 2,000 people for 3 hours at the checkpoint (data
#: README, batch 1): on the order of a few hundred people an hour; a lane searches 150.
PEOPLE_PER_HOUR_PER_LANE: Final = 150
#: A bus search with its luggage takes about ten minutes a lane.
VEHICLES_PER_HOUR_PER_LANE: Final = 6
MIN_CHECKPOINT_LANES: Final = 2
#: One assembly point for every 5,000 leavers, at least 2 and at most 40 (planning assumption).
LEAVERS_PER_ASSEMBLY_POINT: Final = 5_000
MIN_ASSEMBLY_POINTS: Final = 2
MAX_ASSEMBLY_POINTS: Final = 40

# --- Fleet ----------------------------------------------------------------------------------------

#: Coaches of about 45 seats; convoys carried 33 to 42 people a bus, median about 38, because
#: households travel together (data README). Fleets are sized at the median load.
BUS_SEATS: Final = 45
PEOPLE_PER_BUS_PLANNED: Final = 38
#: A coach hold takes a little less than two pieces a seat, so that a full bus of people with
#: their allowance overflows into luggage trucks, as in 2017.
BUS_LUGGAGE_PIECES: Final = 70
#: Red Crescent ambulances: two stretchers and two seats for companions.
AMBULANCE_STRETCHERS: Final = 2
AMBULANCE_SEATS: Final = 2
#: A truck takes 200 pieces; convoys had 1 luggage truck per 7 to 13 buses (data README).
LUGGAGE_TRUCK_PIECES: Final = 200
MAX_BUSES_PER_LUGGAGE_TRUCK: Final = 12
MIN_BUSES: Final = 10

# --- Convoy rules ---------------------------------------------------------------------------------

#: Convoys had 30 to 55 buses plus ambulances and trucks (data README): at most 60 vehicles.
MAX_VEHICLES_PER_CONVOY: Final = 60
#: No night driving: departures from 06:00 to 14:00 (planning assumption).
DEPARTURE_EARLIEST: Final = time(6)
DEPARTURE_LATEST: Final = time(14)
#: Drivers rest 8 hours at the destination before the way back (planning assumption).
REST_HOURS: Final = 8.0
MIN_AMBULANCES_PER_CONVOY: Final = 2
MIN_CONVOYS_PER_DAY: Final = 2

# --- Scaling --------------------------------------------------------------------------------------

#: Capacities are sized at 1.5 times the need so that a plan has room to respect households,
#: phases and departure hours.
CAPACITY_SLACK: Final = 1.5
#: The window is two weeks at 2,000 leavers and grows by 13 days each time the population doubles:
#: about 58 days at 20,600 (al-Waer took 65) and about four months at a million.
WINDOW_DAYS_AT_FIRST_CONVOY: Final = 14
WINDOW_DAYS_PER_DOUBLING: Final = 13
#: A camp receives at least this many people on a day it receives anyone (about six buses), and
#: reception capacities are rounded up to fifties.
RECEPTION_FLOOR_PER_DAY: Final = 250
RECEPTION_ROUNDING: Final = 50

# --- Households (planning assumptions, tuned to the figures above) -------------------------------

#: Luggage pieces drawn from 20 equally likely entries (5 % each). Adults bring most of the
#: allowance; children under 5 travel in arms with at most a bag; older children carry a backpack
#: or a small suitcase. A stretcher case keeps at most one piece.
ADULT_LUGGAGE: Final = (0,) * 1 + (1,) * 2 + (2,) * 6 + (3,) * 11
CHILD_LUGGAGE: Final = (0,) * 2 + (1,) * 8 + (2,) * 8 + (3,) * 2
INFANT_LUGGAGE: Final = (0,) * 8 + (1,) * 12
INFANT_MAX_AGE: Final = 4
ADULT_AGE: Final = 18


@dataclass(frozen=True, slots=True)
class HouseholdMix:
    """How the households of one intent are made up. Kind weights are per household."""

    single_fighter: float
    single_adult: float
    couple: float
    family: float
    single_parent: float
    #: The head of a family or of a young couple is a fighter.
    head_combatant: float
    #: A son of 18 or more living with his parents is a fighter.
    adult_son_combatant: float
    #: A son of 16 or 17 is a fighter.
    teen_son_combatant: float


#: Leavers: many single fighters and fighters' families, few elderly couples. Tuned so that
#: children are about 39 % and fighters about 20 % of leavers.
LEAVER_MIX: Final = HouseholdMix(single_fighter=0.40, single_adult=0.10, couple=0.10, family=0.36,
                                 single_parent=0.04, head_combatant=0.42,
                                 adult_son_combatant=0.35, teen_son_combatant=0.10)
#: Stayers: the general population of the district, with the fighters who settled.
STAYER_MIX: Final = HouseholdMix(single_fighter=0.01, single_adult=0.14, couple=0.18, family=0.52,
                                 single_parent=0.15, head_combatant=0.08,
                                 adult_son_combatant=0.02, teen_son_combatant=0.0)
#: The undecided look like the stayers.
UNDECIDED_MIX: Final = STAYER_MIX

#: Children under 18 of a couple, and of a single parent (20 equally likely entries). With an
#: elderly parent now and then and an adult child in older families, a family has five people.
CHILDREN_OF_FAMILY: Final = (1,) * 4 + (2,) * 6 + (3,) * 5 + (4,) * 4 + (5,) * 1
CHILDREN_OF_SINGLE_PARENT: Final = (1,) * 6 + (2,) * 7 + (3,) * 5 + (4,) * 2
ADULT_CHILD_RATE: Final = 0.6
ELDERLY_PARENT_RATE_FAMILY: Final = 0.4
ELDERLY_PARENT_RATE_SINGLE_PARENT: Final = 0.15
#: A fighter at the head of a leaving family stays under the settlement while his family leaves.
#: Tuned so that staying fighters are about 1,150 / 3,700 of leaving ones in all, counting the
#: settled fighters among the stayers.
HEAD_STAYS_RATE: Final = 0.3
#: Households with a phone number on the registry (planning assumption).
PHONE_RATE: Final = 0.6
#: Unaccompanied (no adult caregiver) rather than separated (with another relative).
UNACCOMPANIED_RATE: Final = 0.4
#: The oldest age the generator draws (an elderly parent of 85).
MAX_AGE_GENERATED: Final = 85
#: People in a leaver household on average, as generated with the mixes above (measured).
LEAVER_HOUSEHOLD_SIZE_EXPECTED: Final = 2.7
