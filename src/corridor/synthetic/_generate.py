"""``generate``: a whole synthetic scenario from a number of leavers and a seed."""

from __future__ import annotations

from collections.abc import Callable

from corridor.domain import Operation, Scenario
from corridor.memory import cyclic_gc_paused
from corridor.synthetic import _calibration as cal
from corridor.synthetic._operation import build_operation
from corridor.synthetic._registry import RegistryBuilder, RegistryTargets
from corridor.synthetic._sizing import scale_for

DEFAULT_SEED = 2017


def no_progress(done: int, total: int) -> None:
    """The default progress callback: ignore it."""


def operation_for(leaving: int, seed: int = DEFAULT_SEED) -> Operation:
    """The operation :func:`generate` builds for ``leaving`` people, without the registry.

    Only its id and name depend on ``seed``; sites, fleet and rules depend on ``leaving`` alone.
    """
    size = scale_for(leaving)
    return build_operation(
        size, f"synthetic-{leaving}-{seed}",
        f"Synthetic al-Waer-like evacuation: {leaving:,} leaving (seed {seed})")


def generate(leaving: int, seed: int = DEFAULT_SEED,
             progress: Callable[[int, int], None] = no_progress) -> Scenario:
    """A seeded, al-Waer-like scenario in which exactly ``leaving`` people intend to leave.

    ``leaving`` runs from 2,000 (the first convoy) to 1,000,000; anything else raises
    :class:`~corridor.domain.InvalidValue`. The same ``leaving`` and ``seed`` give the same
    scenario. The registry also holds the residents who stay (about 2.64 for each leaver) and a
    few percent undecided; :func:`scale_for` tells the window, fleet, lanes and reception chosen.
    ``progress(done, total)`` is called about a hundred times with persons generated so far.
    """
    size = scale_for(leaving)
    operation = operation_for(leaving, seed)
    builder = RegistryBuilder(
        seed, RegistryTargets(size.leaving, size.staying, size.undecided),
        reference_year=cal.WINDOW_START.year,
        assembly_points=[point.site_id for point in operation.assembly_points],
        destinations=[spec.site_id for spec in cal.DESTINATIONS],
        destination_weights=[spec.registered for spec in cal.DESTINATIONS],
        progress=progress)
    with cyclic_gc_paused():
        builder.build()
        households, persons = tuple(builder.households), tuple(builder.persons)
        del builder  # its lists would double the registry's pointers while the scenario checks
        return Scenario(operation, households, persons)
