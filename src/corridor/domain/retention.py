"""How long each dataset of an operation is kept after the agreement's window has ended."""

from __future__ import annotations

from dataclasses import dataclass

from corridor.domain.errors import require


@dataclass(frozen=True, slots=True)
class Retention:
    """Days each dataset of an operation is kept after its window ends, then purged.

    ``registry_days``: households and persons (the personal data) are deleted; the operation and
    its agreement stay. ``plans_days``: plans, which name households, are deleted.
    ``shares_days``: the records of lists shared with other parties (and the keys that trace a
    leaked copy) are deleted.
    """

    registry_days: int = 90
    plans_days: int = 90
    shares_days: int = 365

    def __post_init__(self) -> None:
        for name in ("registry_days", "plans_days", "shares_days"):
            require(0 <= getattr(self, name) <= 3650,
                    f"retention {name} must be from 0 to 3650 days", name)
