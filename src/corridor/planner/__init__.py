"""The planner: problem -> bounds -> aggregate schedule -> manifests.

Pure: a scenario, a seed and pins in, a :class:`PlanResult` out. HiGHS (through highspy) only
here. It never checks its own work: ``corridor.checker`` does, independently.
"""

from corridor.planner.bounds import l2_bound
from corridor.planner.gap import TripGap
from corridor.planner.pins import PinConflict, PinsUnmeetable
from corridor.planner.solve import PlanResult, make_plan, no_progress

__all__ = ["PinConflict", "PinsUnmeetable", "PlanResult", "TripGap", "l2_bound", "make_plan",
           "no_progress"]
