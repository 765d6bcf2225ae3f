"""The registry: households and the persons in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from corridor.domain.errors import require


class Sex(StrEnum):
    """Sex as registered."""

    FEMALE = "female"
    MALE = "male"


class Category(StrEnum):
    """Category under the agreement: fighters may leave, or stay under the settlement terms."""

    CIVILIAN = "civilian"
    COMBATANT = "combatant"


class Intent(StrEnum):
    """What a person said they will do."""

    LEAVE = "leave"
    STAY = "stay"
    UNDECIDED = "undecided"


class Vulnerability(StrEnum):
    """Vulnerabilities that change how and when a person travels."""

    MEDICAL_EMERGENCY = "medical_emergency"
    DISABILITY = "disability"
    PREGNANCY = "pregnancy"
    UNACCOMPANIED_CHILD = "unaccompanied_child"
    SEPARATED_CHILD = "separated_child"
    ELDERLY = "elderly"


class LinkKind(StrEnum):
    """Why two households are linked; linked households travel in the same convoy."""

    EXTENDED_FAMILY = "extended_family"
    GUARDIAN = "guardian"


class AgeBand(StrEnum):
    """The age bands of humanitarian reporting."""

    AGE_0_4 = "0-4"
    AGE_5_11 = "5-11"
    AGE_12_17 = "12-17"
    AGE_18_59 = "18-59"
    AGE_60_PLUS = "60+"

    @classmethod
    def of(cls, age: int) -> AgeBand:
        """The band an age in whole years falls in."""
        if age < 5:
            return cls.AGE_0_4
        if age < 12:
            return cls.AGE_5_11
        if age < 18:
            return cls.AGE_12_17
        if age < 60:
            return cls.AGE_18_59
        return cls.AGE_60_PLUS


MAX_AGE = 120
MAX_LUGGAGE_PIECES = 20
ADULT_AGE = 18


def _valid_id(value: str) -> bool:
    return bool(value) and value == value.strip() and len(value) <= 64 and "," not in value


@dataclass(frozen=True, slots=True)
class Person:
    """One registered person. Either ``birth_year`` or ``age`` (at registration) is known."""

    person_id: str
    household_id: str
    name: str
    sex: Sex
    category: Category
    intent: Intent
    birth_year: int | None = None
    age: int | None = None
    vulnerabilities: frozenset[Vulnerability] = field(default_factory=frozenset)
    needs_stretcher: bool = False
    luggage_pieces: int = 0

    def __post_init__(self) -> None:
        # One cheap test for the common, valid case: a million people are built on import, and
        # the sentences of the checks below cost more than the checks themselves.
        name, birth_year, age = self.name, self.birth_year, self.age
        if not (_valid_id(self.person_id) and _valid_id(self.household_id) and name
                and name == name.strip() and (birth_year is not None or age is not None)
                and (birth_year is None or 1880 <= birth_year <= 2200)
                and (age is None or 0 <= age <= MAX_AGE)
                and (not self.needs_stretcher
                     or Vulnerability.MEDICAL_EMERGENCY in self.vulnerabilities)
                and 0 <= self.luggage_pieces <= MAX_LUGGAGE_PIECES):
            self._raise_first_problem()

    def _raise_first_problem(self) -> None:
        require(_valid_id(self.person_id), f"person id {self.person_id!r} must be 1 to 64 "
                "characters with no comma or surrounding spaces", "person_id")
        require(_valid_id(self.household_id), f"household id {self.household_id!r} must be 1 to "
                "64 characters with no comma or surrounding spaces", "household_id")
        require(bool(self.name.strip()), "a person needs a name", "name")
        require(self.name == self.name.strip(), f"name {self.name!r} has spaces around it",
                "name")
        require(self.birth_year is not None or self.age is not None,
                "give the birth year or the age", "age")
        if self.birth_year is not None:
            require(1880 <= self.birth_year <= 2200,
                    f"birth year {self.birth_year} is not between 1880 and 2200", "birth_year")
        if self.age is not None:
            require(0 <= self.age <= MAX_AGE, f"age {self.age} is not between 0 and {MAX_AGE}",
                    "age")
        require(not self.needs_stretcher or Vulnerability.MEDICAL_EMERGENCY in self.vulnerabilities,
                "a stretcher is only for a medical emergency: add medical_emergency to the "
                "vulnerabilities or clear needs_stretcher", "needs_stretcher")
        require(0 <= self.luggage_pieces <= MAX_LUGGAGE_PIECES,
                f"luggage pieces {self.luggage_pieces} is not between 0 and {MAX_LUGGAGE_PIECES}",
                "luggage_pieces")

    def age_in(self, year: int) -> int:
        """Age in whole years during ``year`` (from the birth year when known)."""
        if self.birth_year is not None:
            return max(0, year - self.birth_year)
        assert self.age is not None  # one of the two is always set (checked at construction)
        return self.age

    @property
    def is_vulnerable(self) -> bool:
        """Whether the person has any vulnerability."""
        return bool(self.vulnerabilities)


@dataclass(frozen=True, slots=True)
class Household:
    """A household travels together. ``linked_to`` names another household it must travel with."""

    household_id: str
    assembly_point: str
    destination_preference: str | None = None
    linked_to: str | None = None
    link_kind: LinkKind | None = None
    phone: str | None = None

    def __post_init__(self) -> None:
        require(_valid_id(self.household_id), f"household id {self.household_id!r} must be 1 to "
                "64 characters with no comma or surrounding spaces", "household_id")
        require(bool(self.assembly_point), "a household needs an assembly point", "assembly_point")
        require((self.linked_to is None) == (self.link_kind is None),
                "a link needs both the linked household and the kind of link", "link_kind")
        require(self.linked_to != self.household_id,
                f"household {self.household_id} cannot be linked to itself", "linked_to")
        if self.phone is not None:
            digits = self.phone.removeprefix("+").replace(" ", "")
            require(digits.isdigit() and 6 <= len(digits) <= 15,
                    f"phone {self.phone!r} must be 6 to 15 digits, optionally after a +", "phone")
