"""Field events as JSON objects and back: what phones upload and what the store seals.

One object an event, its fields named as in :class:`corridor.domain.events.Event`, times as ISO
8601 local wall-clock times (no time zone), the payload as an object of its own fields. A bad
object is refused with every problem named by its JSON path (``events[3].device_time``).
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from enum import Enum
from typing import Any

from corridor.domain.errors import InvalidValue, Problem, ScenarioRejected
from corridor.domain.events import (
    PAYLOADS,
    Event,
    EventKind,
    RefusalReason,
    ScanOutcome,
    Source,
)

_REQUIRED = ("nonce", "kind", "operation_id", "device", "officer", "device_time", "server_time")


def event_to_dict(event: Event) -> dict[str, Any]:
    """The event as a JSON-ready object (``event_id`` included when it has one)."""
    data: dict[str, Any] = {
        "nonce": event.nonce, "kind": event.kind.value, "operation_id": event.operation_id,
        "device": event.device, "officer": event.officer,
        "device_time": event.device_time.isoformat(),
        "server_time": event.server_time.isoformat(), "outcome": event.outcome.value,
        "offline": event.offline, "source": event.source.value}
    optional = {"refusal": None if event.refusal is None else event.refusal.value,
                "household_id": event.household_id,
                "person_ids": list(event.person_ids) or None, "convoy_id": event.convoy_id,
                "vehicle_id": event.vehicle_id, "voids": event.voids,
                "overrides": event.overrides, "reason": event.reason or None,
                "event_id": event.event_id,
                "payload": None if event.payload is None else _plain(event.payload)}
    data.update({key: value for key, value in optional.items() if value is not None})
    return data


def _plain(payload: object) -> dict[str, Any]:
    values = {}
    for item in dataclasses.fields(payload):  # type: ignore[arg-type]
        value = getattr(payload, item.name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        values[item.name] = value
    return values


def event_from_dict(data: object, source: str, path: str = "event") -> Event:
    """The event an object describes; :class:`ScenarioRejected` listing every problem."""
    problems: list[Problem] = []

    def problem(key: str | None, message: str) -> None:
        problems.append(Problem(source, None, f"{path}.{key}" if key else path, message))

    if not isinstance(data, dict):
        raise ScenarioRejected([Problem(source, None, path, "is not a JSON object")])
    unknown = sorted(set(data) - {f.name for f in dataclasses.fields(Event)})
    for key in unknown:
        problem(key, "is not a field of an event; remove it")
    for key in _REQUIRED:
        if key not in data:
            problem(key, "is missing")
    if problems:
        raise ScenarioRejected(problems)
    values: dict[str, Any] = {}
    for key, value in data.items():
        try:
            values[key] = event_field(key, value, data)
        except (ValueError, TypeError, KeyError) as error:
            problem(key, f"{value!r} is not valid here ({error})")
    if problems:
        raise ScenarioRejected(problems)
    try:
        return Event(**values)
    except InvalidValue as error:
        raise ScenarioRejected([Problem(source, None, f"{path}.{error.field}" if error.field
                                        else path, error.message)]) from None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("a text is expected")
    return value


def event_field(key: str, value: object, data: dict[str, Any]) -> Any:
    """The typed value of one field of an event's JSON object (``data`` for the payload's kind)."""
    if key in {"device_time", "server_time"}:
        return datetime.fromisoformat(_text(value))
    if key == "kind":
        return EventKind(_text(value))
    if key == "outcome":
        return ScanOutcome(_text(value))
    if key == "refusal":
        return RefusalReason(_text(value))
    if key == "source":
        return Source(_text(value))
    if key == "offline":
        if not isinstance(value, bool):
            raise TypeError("true or false is expected")
        return value
    if key == "event_id":
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError("a whole number is expected")
        return value
    if key == "person_ids":
        if not isinstance(value, list):
            raise TypeError("a list of ids is expected")
        return tuple(_text(item) for item in value)
    if key == "payload":
        kind = PAYLOADS[EventKind(data["kind"])]
        if kind is None:
            raise ValueError(f"a {data['kind']} event carries no payload")
        if not isinstance(value, dict):
            raise TypeError("an object is expected")
        return _payload(kind, value)
    return _text(value)


def _payload(kind: type, value: dict[str, Any]) -> object:
    hints = typing.get_type_hints(kind)
    arguments: dict[str, Any] = {}
    for item in dataclasses.fields(kind):
        if item.name not in value:
            continue
        hint = hints[item.name]
        raw = value[item.name]
        if isinstance(hint, type) and issubclass(hint, Enum):
            arguments[item.name] = hint(raw)
        elif typing.get_origin(hint) is tuple:
            arguments[item.name] = tuple(raw)
        else:
            arguments[item.name] = raw
    unknown = set(value) - set(arguments)
    if unknown:
        raise ValueError(f"unknown payload fields {', '.join(sorted(unknown))}")
    return kind(**arguments)

