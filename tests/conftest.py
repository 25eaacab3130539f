"""Hypothesis profiles: 'ci' (HYPOTHESIS_PROFILE=ci, as .ci/run sets it, or CI=true) draws
the same 300 examples per property on every run; 'dev', the default, 100 new ones each run;
'thorough' 2000, for a long local run (HYPOTHESIS_PROFILE=thorough)."""

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)
on_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if on_ci else "dev"))
