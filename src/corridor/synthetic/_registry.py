"""The synthetic registry: households and persons of the three intents, drawn from one seed.

Written for a million leavers (about 3.75 million persons): members are plain tuples until they
become :class:`Person`; names, birth years and vulnerability sets are shared objects; random draws
are ``random()`` calls and table look-ups rather than ``randint`` or ``choices``.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from corridor.domain import (
    Category,
    Household,
    Intent,
    LinkKind,
    Person,
    Sex,
    Vulnerability,
)
from corridor.synthetic import _calibration as cal
from corridor.synthetic._names import (
    FAMILY_NAMES,
    FEMALE_GIVEN_NAMES,
    FIRST_FEMALE_NAME,
    MALE_GIVEN_NAMES,
    NAME_COMBINATIONS,
    full_name,
)

_MEDICAL: Final = 1
_DISABILITY: Final = 2
_PREGNANCY: Final = 4
_ELDERLY: Final = 8
_UNACCOMPANIED: Final = 16
_SEPARATED: Final = 32
_FLAGS: Final = (
    (_MEDICAL, Vulnerability.MEDICAL_EMERGENCY),
    (_DISABILITY, Vulnerability.DISABILITY),
    (_PREGNANCY, Vulnerability.PREGNANCY),
    (_ELDERLY, Vulnerability.ELDERLY),
    (_UNACCOMPANIED, Vulnerability.UNACCOMPANIED_CHILD),
    (_SEPARATED, Vulnerability.SEPARATED_CHILD),
)
_STRETCHER_RATE: Final = cal.MEDICAL_EMERGENCY_RATE * cal.STRETCHER_SHARE_OF_MEDICAL
#: Every combination of vulnerabilities, built once and shared by index (mask 0 is the empty set).
_VULNERABILITY_SETS: Final = tuple(
    frozenset(vulnerability for flag, vulnerability in _FLAGS if mask & flag)
    for mask in range(64))

#: Recent households of the same intent are the candidates for an extended-family or guardian
#: link: relatives register together, so links stay local and always point backwards.
_LINK_CANDIDATES: Final = 64
#: A child household has 1.3 children on average (a pair of siblings three times in ten).
_SIBLINGS_RATE: Final = 0.3
_CHILDREN_PER_CHILD_HOUSEHOLD: Final = 1 + _SIBLINGS_RATE

# Enum members bound once: looking one up on its class costs more than building half a Person.
_LEAVE: Final = Intent.LEAVE
_STAY: Final = Intent.STAY
_UNDECIDED: Final = Intent.UNDECIDED
_FEMALE: Final = Sex.FEMALE
_MALE: Final = Sex.MALE
_COMBATANT: Final = Category.COMBATANT
_CIVILIAN: Final = Category.CIVILIAN
_GUARDIAN: Final = LinkKind.GUARDIAN
_EXTENDED_FAMILY: Final = LinkKind.EXTENDED_FAMILY
#: Per-intent state is kept in lists in this order, since an Enum's hash is slow in a hot loop.
_INTENTS: Final = (_LEAVE, _STAY, _UNDECIDED)
_LEAVE_INDEX: Final = 0
_STAY_INDEX: Final = 1
_UNDECIDED_INDEX: Final = 2

_MALE_NAMES: Final = len(MALE_GIVEN_NAMES)
_FEMALE_NAMES: Final = len(FEMALE_GIVEN_NAMES)
_FAMILIES: Final = len(FAMILY_NAMES)

#: One member before it becomes a Person: female, age, given name (an index into GIVEN_NAMES),
#: father's given name, family name, fighter, intent, partnered (may be pregnant), and the
#: vulnerability mask of an unaccompanied or separated child.
_Member = tuple[bool, int, int, int, int, bool, Intent, bool, int]
#: What a linked household copies from the one it is linked to: id, assembly point, preference.
_Anchor = tuple[str, str, str | None]


@dataclass(frozen=True, slots=True)
class RegistryTargets:
    """How many persons of each intent to generate, exactly."""

    leaving: int
    staying: int
    undecided: int

    @property
    def total(self) -> int:
        """All persons to generate."""
        return self.leaving + self.staying + self.undecided


def split_by_shares(total: int, weights: Sequence[int]) -> tuple[int, ...]:
    """``total`` split in proportion to ``weights``, largest remainders first, summing exactly."""
    whole = sum(weights)
    exact = [total * weight / whole for weight in weights]
    parts = [math.floor(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: parts[i] - exact[i])
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return tuple(parts)


class RegistryBuilder:
    """Draws households until each intent has exactly its number of persons.

    The intent of the next household is drawn in proportion to the persons each intent still
    needs, so the three kinds are interleaved through the registry as on a real registration list
    and all run out together; the one household that would overshoot is trimmed of its last
    members. Leavers' destinations are drawn the same way against the 12,000 / 6,200 / 2,400
    split, which keeps the split within a fraction of a point at any size.
    """

    def __init__(self, seed: int, targets: RegistryTargets, reference_year: int,
                 assembly_points: Sequence[str], destinations: Sequence[str],
                 destination_weights: Sequence[int],
                 progress: Callable[[int, int], None]) -> None:
        self._random = random.Random(seed).random
        self._targets = targets
        self._assembly_points = tuple(assembly_points)
        self._destinations = tuple(destinations)
        self._destination_weights = tuple(destination_weights)
        # Leavers each destination still needs; below zero once a linked household overshoots.
        self._destination_remaining = list(split_by_shares(targets.leaving, destination_weights))
        self._destination_index = {name: index for index, name in enumerate(destinations)}
        self._progress = progress
        # Names are shared strings, built on first use: at most 54,000 distinct ones.
        self._names: list[str | None] = [None] * NAME_COMBINATIONS
        self._birth_years = tuple(reference_year - age for age in range(cal.MAX_AGE_GENERATED + 1))
        width = len(str(targets.total))
        self._person_format = f"P%0{width}d"
        self._household_format = f"H%0{width}d"
        self.households: list[Household] = []
        self.persons: list[Person] = []
        self._remaining = [targets.leaving, targets.staying, targets.undecided]
        self._recent: tuple[deque[_Anchor], ...] = tuple(
            deque(maxlen=_LINK_CANDIDATES) for _ in _INTENTS)
        self._mixes = (cal.LEAVER_MIX, cal.STAYER_MIX, cal.UNDECIDED_MIX)
        # Child households among leaver households, so that the children in them are the wanted
        # share of leavers.
        self._child_household_rate = (cal.UNACCOMPANIED_OR_SEPARATED_SHARE
                                      * cal.LEAVER_HOUSEHOLD_SIZE_EXPECTED
                                      / _CHILDREN_PER_CHILD_HOUSEHOLD)
        self._progress_step = max(1, targets.total // 100)

    def build(self) -> None:
        """Generate the whole registry into ``households`` and ``persons``."""
        random_ = self._random
        remaining = self._remaining
        persons = self.persons
        add_household = self._add_household
        next_report = self._progress_step
        total = self._targets.total
        while True:
            leave, stay, undecided = remaining
            left = leave + stay + undecided
            if left <= 0:
                break
            draw = random_() * left
            if draw < leave:
                add_household(_LEAVE_INDEX)
            elif draw < leave + stay:
                add_household(_STAY_INDEX)
            else:
                add_household(_UNDECIDED_INDEX)
            if len(persons) >= next_report:
                self._progress(len(persons), total)
                next_report = len(persons) + self._progress_step
        self._progress(len(persons), total)

    # --- households --------------------------------------------------------------------------

    def _add_household(self, index: int) -> None:
        random_ = self._random
        intent = _INTENTS[index]
        recent = self._recent[index]
        household_id = self._household_format % (len(self.households) + 1)
        anchor: _Anchor | None = None
        link_kind: LinkKind | None = None
        child_household = (intent is _LEAVE and bool(recent)
                           and random_() < self._child_household_rate)
        if child_household:
            members = self._child_members()
            link_kind = _GUARDIAN
            anchor = recent[int(random_() * len(recent))]
        else:
            members = self._members(index)
            if recent and random_() < cal.EXTENDED_FAMILY_LINK_RATE:
                link_kind = _EXTENDED_FAMILY
                anchor = recent[int(random_() * len(recent))]
        of_intent = self._count_and_trim(members, index)
        if anchor is not None:
            linked_to: str | None = anchor[0]
            assembly_point = anchor[1]
            preference = anchor[2]
        else:
            linked_to = None
            points = self._assembly_points
            assembly_point = points[int(random_() * len(points))]
            preference = self._preference(intent)
        if preference is not None and intent is _LEAVE:
            self._destination_remaining[self._destination_index[preference]] -= of_intent
        phone = None
        if random_() < cal.PHONE_RATE:
            # +963 90x: no Syrian mobile operator used the 90 prefix in 2017 (Syriatel had 93,
            # 98 and 99, MTN 94, 95 and 96), so a synthetic number should ring no real phone.
            number = int(random_() * 10_000_000)
            phone = (f"+963 90{number // 1_000_000} {number // 1000 % 1000:03d} "
                     f"{number % 1000:03d}")
        self.households.append(Household(household_id, assembly_point, preference, linked_to,
                                         link_kind, phone))
        if not child_household:
            # Children alone can be nobody's guardian or anchor.
            recent.append((household_id, assembly_point, preference))
        self._add_persons(household_id, members)

    def _count_and_trim(self, members: list[_Member], index: int) -> int:
        """Count the members against what each intent still needs, dropping the last members
        that would overshoot; return how many are of ``intent``.

        Only the head can have another intent than the household (a fighter who stays).
        """
        remaining = self._remaining
        head_differs = members[0][6] is not _INTENTS[index]
        of_intent = len(members) - head_differs
        wanted = remaining[index]
        if of_intent > wanted:
            del members[len(members) - (of_intent - wanted):]
            of_intent = wanted
        remaining[index] -= of_intent
        if head_differs:
            remaining[_STAY_INDEX] -= 1  # the head stays: nobody else differs
        return of_intent

    def _preference(self, intent: Intent) -> str | None:
        if intent is _STAY:
            return None
        if intent is _UNDECIDED:
            # A tentative preference from the same split, for when they decide to leave.
            weights: Sequence[int] = self._destination_weights
        else:
            weights = [max(0, remaining) for remaining in self._destination_remaining]
            if sum(weights) <= 0:
                weights = self._destination_weights
        draw = self._random() * sum(weights)
        for destination, weight in zip(self._destinations, weights, strict=True):
            if draw < weight:
                return destination
            draw -= weight
        return self._destinations[-1]

    # --- members -----------------------------------------------------------------------------

    def _members(self, index: int) -> list[_Member]:
        random_ = self._random
        intent = _INTENTS[index]
        mix = self._mixes[index]
        draw = random_()
        family = int(random_() * _FAMILIES)
        if draw < mix.single_fighter:
            return [self._man(18, 35, family, True, intent)]
        draw -= mix.single_fighter
        if draw < mix.single_adult:
            if random_() < 0.65:
                return [self._man(18, 40, family, False, intent)]
            return [self._woman(45, 80, family, intent, False)]
        draw -= mix.single_adult
        if draw < mix.couple:
            if random_() < 0.7:
                husband = self._man(20, 35, family, random_() < mix.head_combatant, intent)
            else:
                husband = self._man(60, 80, family, False, intent)
            wife_age = max(17, husband[1] - int(random_() * 10))
            wife = self._woman(wife_age, wife_age, int(random_() * _FAMILIES), intent, True)
            return self._settle_head([husband, wife], intent)
        draw -= mix.couple
        if draw < mix.family:
            head = self._man(22, cal.COMBATANT_MAX_AGE, family, random_() < mix.head_combatant,
                             intent)
            mother_age = max(17, head[1] - int(random_() * 10))
            members = [head, self._woman(mother_age, mother_age, int(random_() * _FAMILIES),
                                         intent, True)]
            count = cal.CHILDREN_OF_FAMILY[int(random_() * 20)]
            self._children(members, count, mother_age, head[2], family, intent, mix)
            if random_() < cal.ELDERLY_PARENT_RATE_FAMILY:
                members.append(self._elderly_parent(head, intent))
            return self._settle_head(members, intent)
        # A mother alone with her children (their father killed, detained or away); the
        # children carry their father's names.
        mother_age = 20 + int(random_() * 31)
        members = [self._woman(mother_age, mother_age, int(random_() * _FAMILIES), intent, True)]
        count = cal.CHILDREN_OF_SINGLE_PARENT[int(random_() * 20)]
        self._children(members, count, mother_age, int(random_() * _MALE_NAMES), family, intent,
                       mix)
        if random_() < cal.ELDERLY_PARENT_RATE_SINGLE_PARENT:
            members.append(self._woman(60, 85, int(random_() * _FAMILIES), intent, False))
        return members

    def _settle_head(self, members: list[_Member], intent: Intent) -> list[_Member]:
        """A fighter heading a leaving household may stay under the settlement, alone."""
        head = members[0]
        if (intent is _LEAVE and head[5] and self._remaining[_STAY_INDEX] > 0
                and self._random() < cal.HEAD_STAYS_RATE):
            members[0] = (head[0], head[1], head[2], head[3], head[4], True, _STAY,
                          head[7], head[8])
        return members

    def _man(self, youngest: int, oldest: int, family: int, fighter: bool,
             intent: Intent) -> _Member:
        random_ = self._random
        age = youngest + int(random_() * (oldest - youngest + 1))
        return (False, age, int(random_() * _MALE_NAMES), int(random_() * _MALE_NAMES), family,
                fighter, intent, False, 0)

    def _woman(self, youngest: int, oldest: int, family: int, intent: Intent,
               partnered: bool) -> _Member:
        random_ = self._random
        age = youngest + int(random_() * (oldest - youngest + 1))
        return (True, age, FIRST_FEMALE_NAME + int(random_() * _FEMALE_NAMES),
                int(random_() * _MALE_NAMES), family, False, intent, partnered, 0)

    def _elderly_parent(self, head: _Member, intent: Intent) -> _Member:
        """The head's mother (more often: women outlive men) or his father, whose given name
        the head carries as his father's name."""
        random_ = self._random
        age = cal.ELDERLY_AGE + int(random_() * (cal.MAX_AGE_GENERATED - cal.ELDERLY_AGE + 1))
        if random_() < 0.7:
            return (True, age, FIRST_FEMALE_NAME + int(random_() * _FEMALE_NAMES),
                    int(random_() * _MALE_NAMES), int(random_() * _FAMILIES), False, intent,
                    False, 0)
        return (False, age, head[3], int(random_() * _MALE_NAMES), head[4], False, intent,
                False, 0)

    def _children(self, members: list[_Member], count: int, mother_age: int, father_name: int,
                  family: int, intent: Intent, mix: cal.HouseholdMix) -> None:
        """Children under 18, born when their mother was 17 to 42; an adult child now and then."""
        random_ = self._random
        youngest = max(0, mother_age - 42)
        span = min(17, mother_age - 17) - youngest + 1
        for _ in range(count):
            age = youngest + int(random_() * span)
            if random_() < 0.5:
                fighter = age >= cal.COMBATANT_MIN_AGE and random_() < mix.teen_son_combatant
                members.append((False, age, int(random_() * _MALE_NAMES), father_name, family,
                                fighter, intent, False, 0))
            else:
                members.append((True, age, FIRST_FEMALE_NAME + int(random_() * _FEMALE_NAMES),
                                father_name, family, False, intent, False, 0))
        if mother_age >= 36 and random_() < cal.ADULT_CHILD_RATE:
            age = 18 + int(random_() * (min(26, mother_age - 17) - 17))
            if random_() < 0.5:
                members.append((False, age, int(random_() * _MALE_NAMES), father_name, family,
                                random_() < mix.adult_son_combatant, intent, False, 0))
            else:
                members.append((True, age, FIRST_FEMALE_NAME + int(random_() * _FEMALE_NAMES),
                                father_name, family, False, intent, False, 0))

    def _child_members(self) -> list[_Member]:
        """One child of 6 to 17, or two siblings, without their parents."""
        random_ = self._random
        mask = _UNACCOMPANIED if random_() < cal.UNACCOMPANIED_RATE else _SEPARATED
        father = int(random_() * _MALE_NAMES)
        family = int(random_() * _FAMILIES)
        members: list[_Member] = []
        for _ in range(2 if random_() < _SIBLINGS_RATE else 1):
            age = 6 + int(random_() * 12)
            female = random_() < 0.5
            given = (FIRST_FEMALE_NAME + int(random_() * _FEMALE_NAMES) if female
                     else int(random_() * _MALE_NAMES))
            members.append((female, age, given, father, family, False, _LEAVE, False, mask))
        return members

    def _name(self, index: int) -> str:
        name = self._names[index] = full_name(index)
        return name

    # --- persons -----------------------------------------------------------------------------

    def _add_persons(self, household_id: str, members: list[_Member]) -> None:
        random_ = self._random
        append = self.persons.append
        number = len(self.persons)
        names = self._names
        birth_years = self._birth_years
        person_format = self._person_format
        sets = _VULNERABILITY_SETS
        for female, age, given, father, family, fighter, intent, partnered, child_mask in members:
            mask = child_mask
            # One draw decides both: below the medical rate is an emergency, and the lowest
            # third of that band also needs a stretcher.
            draw = random_()
            stretcher = draw < _STRETCHER_RATE
            if draw < cal.MEDICAL_EMERGENCY_RATE:
                mask |= _MEDICAL
            if random_() < cal.DISABILITY_RATE:
                mask |= _DISABILITY
            if (partnered and cal.PREGNANCY_MIN_AGE <= age <= cal.PREGNANCY_MAX_AGE
                    and random_() < cal.PREGNANCY_RATE_PARTNERED):
                mask |= _PREGNANCY
            if age >= cal.ELDERLY_AGE and random_() < cal.ELDERLY_RATE:
                mask |= _ELDERLY
            if intent is _STAY:
                luggage = 0  # nobody packs to stay
            elif age >= cal.ADULT_AGE:
                luggage = cal.ADULT_LUGGAGE[int(random_() * 20)]
            elif age > cal.INFANT_MAX_AGE:
                luggage = cal.CHILD_LUGGAGE[int(random_() * 20)]
            else:
                luggage = cal.INFANT_LUGGAGE[int(random_() * 20)]
            if stretcher and luggage > 1:
                luggage = 1  # a stretcher case keeps one bag
            name_index = (given * _MALE_NAMES + father) * _FAMILIES + family
            number += 1
            append(Person(person_format % number, household_id,
                          names[name_index] or self._name(name_index),
                          _FEMALE if female else _MALE,
                          _COMBATANT if fighter else _CIVILIAN, intent,
                          birth_years[age], None, sets[mask], stretcher, luggage))
