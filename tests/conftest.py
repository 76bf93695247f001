import os

import numpy as np
import pytest
from hypothesis import settings

# CI runs Hypothesis derandomized and without an example database, so that a run is a
# function of the code alone: the same examples every time, and no replay of a failure
# stored by an earlier run. Locally the default profile explores new examples each run.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
