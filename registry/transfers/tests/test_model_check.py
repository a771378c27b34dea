"""The hypothesis state machine of model_check.py, in its own process (it switches databases)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_one_owner_and_no_transfer_lost_under_faults():
    env = {**os.environ, "REGISTRY_MODEL_EXAMPLES": os.environ.get("REGISTRY_MODEL_EXAMPLES", "15")}
    done = subprocess.run(
        [sys.executable, "-m", "registry.transfers.tests.model_check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-6000:]
    # The runs must reach the interesting states, or the test proves little.
    assert "'completed'" in done.stdout and "'dest_returned'" in done.stdout, done.stdout[-2000:]
