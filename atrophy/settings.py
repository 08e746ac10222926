"""Settings read from the environment, with their documented defaults, in one place.

The first two here are the ones every channel needs; issue 12 moves the other `ATROPHY_*` variables in.
Each is read when asked for (not at import), so that a test or an operator changing the environment is obeyed.
"""
from __future__ import annotations

import os

DEFAULT_EMERGENCY_NUMBER = "911"
DEFAULT_MAX_MESSAGE_CHARS = 5000


def emergency_number() -> str:
    """`ATROPHY_EMERGENCY_NUMBER`: 911 by default; 999 in the UK, 112 in the EU."""
    return os.environ.get("ATROPHY_EMERGENCY_NUMBER") or DEFAULT_EMERGENCY_NUMBER


def max_message_chars() -> int:
    """`ATROPHY_MAX_MESSAGE_CHARS`: the longest message a channel takes, 5,000 characters (a long page) by default."""
    try:
        return int(os.environ.get("ATROPHY_MAX_MESSAGE_CHARS") or DEFAULT_MAX_MESSAGE_CHARS)
    except ValueError:
        return DEFAULT_MAX_MESSAGE_CHARS
