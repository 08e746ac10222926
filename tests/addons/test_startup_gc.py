"""The REST channel's server freezes what it loaded at start-up, so full garbage collections stop walking it."""

from __future__ import annotations

import asyncio
import gc

from addons.rest_channel import SafeRestInput
from addons.startup_gc import freeze_startup_objects


def test_the_channel_registers_the_freeze_after_the_server_has_loaded_its_model():
    async def on_new_message(_message):
        return None

    blueprint = SafeRestInput().blueprint(on_new_message)
    listeners = [(listener.listener, listener.event) for listener in blueprint._future_listeners]
    assert (freeze_startup_objects, "after_server_start") in listeners


def test_objects_alive_at_start_up_leave_the_collectors_passes():
    kept = [[n] for n in range(10_000)]  # a loaded model's objects
    try:
        asyncio.run(freeze_startup_objects(None, None))
        assert gc.get_freeze_count() >= len(kept)
        walked = {id(o) for o in gc.get_objects()}  # what a full collection would walk
        assert not any(id(item) in walked for item in kept)
    finally:
        gc.unfreeze()
