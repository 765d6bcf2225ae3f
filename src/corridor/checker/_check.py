"""``check_plan``: every rule of docs/planning-rules.md, from the raw scenario and the plan."""

from __future__ import annotations

from corridor.checker._facts import gather
from corridor.checker._rules import CHECKS
from corridor.checker._violation import RULES, Violation
from corridor.domain import Plan, Scenario
from corridor.memory import cyclic_gc_paused

_RANK = {rule: rank for rank, rule in enumerate(RULES)}


def check_plan(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every violation of the planning rules by ``plan`` in ``scenario``; empty when it is valid.

    Violations come in a stable order: by the rule's place in docs/planning-rules.md, then by
    subject, then by message. A bad plan never raises: unknown vehicles, households or persons,
    duplicates and the like are reported as violations.
    """
    with cyclic_gc_paused():
        facts = gather(scenario, plan)
        found = [violation for check in CHECKS.values() for violation in check(facts)]
    found.sort(key=lambda violation: (_RANK[violation.rule], violation.subject,
                                      violation.message))
    return found
