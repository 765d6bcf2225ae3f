"""The independent plan checker: every rule of docs/planning-rules.md, checked from raw data.

It shares no code with the planner beyond :mod:`corridor.domain` (standard library and the domain
only), so that a mistake in the planner is not repeated here. A plan is stored or shown only when
:func:`check_plan` returns no violation.

::

    violations = check_plan(scenario, plan)   # [] when the plan keeps every rule
    for violation in violations:
        print(violation.rule, violation.subject, violation.message)
"""

from corridor.checker._check import check_plan
from corridor.checker._violation import RULES, Violation

__all__ = ["RULES", "Violation", "check_plan"]
