"""Shared pytest configuration: Hypothesis profiles.

Profiles: ``dev`` (fast, default on a developer machine) and ``ci`` (thorough,
>= 300 examples per property; selected when the ``CI`` environment variable is
set, as in ``.ci/run``, or with ``HYPOTHESIS_PROFILE=ci``).
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
_default = "ci" if os.environ.get("CI", "").lower() in {"1", "true", "yes"} else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))
