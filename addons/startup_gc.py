"""Keep Python's full garbage collections off the objects loaded at start-up.

A Rasa server holds about 820,000 Python objects once its models, spellers, vectorisers and knowledge are loaded,
and none of them is ever freed. A full collection walks all of them: 300-700 ms each on this machine while the
model loads (measured with `gc.callbacks`), and while serving one comes whenever the long-lived objects have grown
by a quarter (CPython's rule), during which the event loop, and so every conversation, stands still.
`gc.freeze()` once the server has loaded its model moves these objects out of the collector's sight (CPython's own
advice for servers that load first and then serve); objects made while serving are collected as before.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

logger = logging.getLogger(__name__)


async def freeze_startup_objects(_app: Any, _loop: Any) -> None:
    """Sanic `after_server_start` listener: Rasa loads the model before the server starts (`before_server_start`),
    so everything loaded is frozen here, in each worker process."""
    gc.collect()  # what start-up left as garbage goes first, so that it is not frozen with the rest
    gc.freeze()
    logger.info("Froze %d start-up objects out of the garbage collector's full passes", gc.get_freeze_count())
