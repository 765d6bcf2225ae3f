"""Reading what phones recorded offline, and paper tallies, from JSON lines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from corridor.domain.errors import InvalidValue, Problem, ScenarioRejected
from corridor.interop.event_json import event_field
from corridor.security.permissions import Action, Principal, authorize_at
from corridor.tracking.roster import Roster
from corridor.tracking.scans import ACTIONS, Recorded

MAX_BATCH = 10_000
"""The most events one upload may carry; a larger batch is refused whole (send it in parts)."""


_RECORDED = ("nonce", "kind", "device_time", "household_id", "person_ids", "convoy_id",
             "vehicle_id", "refusal", "payload", "reason")


def recorded_from_dict(data: object, source: str, path: str) -> Recorded:
    """What a phone recorded offline (or a line of a paper tally), from its JSON object.

    The fields are those of :class:`corridor.tracking.scans.Recorded`; the device, the officer
    and the server's time come from the upload, not from the line.
    """
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise ScenarioRejected([Problem(source, None, path, "is not a JSON object")])
    for key in sorted(set(data) - set(_RECORDED)):
        problems.append(Problem(source, None, f"{path}.{key}", "is not a field of a recorded "
                                "event; remove it"))
    for key in ("nonce", "kind", "device_time"):
        if key not in data:
            problems.append(Problem(source, None, f"{path}.{key}", "is missing"))
    if problems:
        raise ScenarioRejected(problems)
    values: dict[str, Any] = {}
    for key, value in data.items():
        try:
            values[key] = event_field(key, value, data)
        except (ValueError, TypeError, KeyError) as error:
            problems.append(Problem(source, None, f"{path}.{key}",
                                    f"{value!r} is not valid here ({error})"))
    if problems:
        raise ScenarioRejected(problems)
    try:
        return Recorded(**values)
    except InvalidValue as error:
        raise ScenarioRejected([Problem(source, None, path, error.message)]) from None


def read_batch(text: str, source: str) -> list[Recorded]:
    """Every line of a JSON-lines upload as a recorded event; refused whole on any problem."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_BATCH:
        raise ScenarioRejected([Problem(source, None, None, f"holds {len(lines):,} events; "
                                        f"send at most {MAX_BATCH:,} at a time")])
    problems: list[Problem] = []
    batch: list[Recorded] = []
    for number, line in enumerate(lines, start=1):
        try:
            batch.append(recorded_from_dict(json.loads(line), source, f"line {number}"))
        except json.JSONDecodeError as error:
            problems.append(Problem(source, number, None, f"is not JSON: {error.msg}"))
        except ScenarioRejected as rejected:
            problems.extend(rejected.problems)
    if problems:
        raise ScenarioRejected(problems)
    return batch


def check_sites(principal: Principal, roster: Roster, batch: Sequence[Recorded]) -> None:
    """Forbidden unless every household of a batch, named or of a person named, is at a site
    the uploader's grants cover (naming persons of another site's household, with another
    household or none, once got round the site limit)."""
    for item in batch:
        named = {item.household_id} if item.household_id is not None else set()
        named |= {roster.persons[p].household_id for p in item.person_ids
                  if p in roster.persons}
        for household_id in sorted(named):
            household = roster.household(household_id)
            if household is not None:
                authorize_at(principal, Action(ACTIONS[item.kind]), roster.operation_id,
                             household.assembly_point)
