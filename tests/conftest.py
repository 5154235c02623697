"""Hypothesis profiles.

``mutation`` (used by ``python -m snncost.devtools mutation``, docs/testing.md): every
property test runs at most 10 examples, derandomized (the same examples for every
mutant), without the example database, without deadlines (mutmut's trampolines slow
every call) and without shrinking (a mutant that fails a property test is killed by the
first failing example; shrinking only delays the verdict).  It caps tests that set
their own ``max_examples`` too.
"""
from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

MUTATION_EXAMPLES = 10
MUTATION_PHASES = (Phase.explicit, Phase.reuse, Phase.generate)  # no shrinking

settings.register_profile("mutation", max_examples=MUTATION_EXAMPLES, deadline=None, derandomize=True, database=None,
                          suppress_health_check=list(HealthCheck), phases=MUTATION_PHASES)


def pytest_collection_modifyitems(config, items):
    """Under the ``mutation`` profile, cap the per-test settings that tests declare themselves."""
    if settings.get_current_profile_name() != "mutation":
        return
    for item in items:
        function = getattr(item, "obj", None)
        own = getattr(function, "_hypothesis_internal_use_settings", None)
        if own is not None:
            function._hypothesis_internal_use_settings = settings(
                own, max_examples=min(own.max_examples, MUTATION_EXAMPLES), deadline=None, derandomize=True,
                database=None, suppress_health_check=list(HealthCheck), phases=MUTATION_PHASES)
