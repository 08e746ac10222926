"""Where the project and the tests' data are, whichever folder a test lives in."""

from __future__ import annotations

from atrophy.settings import PROJECT_ROOT

ROOT = PROJECT_ROOT
TEST_DATA = ROOT / "tests" / "data"
HELDOUT = TEST_DATA / "heldout"
