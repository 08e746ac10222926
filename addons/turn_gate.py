"""The order in which a Rasa server works on its messages: emergencies first, then a message coming back from the
action server, then new messages in order of arrival.

A Rasa server handles every message on one event loop, and most of a message's work (the NLU pipeline, the policies,
the tracker store) runs without giving the loop back. Rasa starts every arriving message at once. A knowledge
answer waits for the action server, and each step of that HTTP call puts it back at the end of the loop's queue,
behind every message that arrived meanwhile, each of which then runs its whole turn first: with 20 conversations at
once, a knowledge answer took four times as long as a greeting (p50 about 900 against 200 ms; docs/performance.md),
and those were the slowest messages. Here at most `PLACES` messages are in their turn at once (one at work, one
waiting for the action server); the others wait for a place, and a message that waits for the action server keeps
its place, so that its answer is not queued behind new messages. Each message then waits about as long as the
others: the same work, in a fairer order.

Before its turn, each message gets the red-flag decision (the same decision, by the same loaded models, that the NLU
pipeline would make; `RedFlagClassifier` takes it from here instead of deciding twice). A message that escalates or
is in the unsure tier goes before every waiting message, those coming back from the action server included, and
no other message starts its turn while it waits or works (one already in its turn goes on): other people's
questions never keep an emergency waiting.

A place is let go when the action server takes longer than `GRACE_SECONDS` (hung, or slow): one stuck call must not
stop everyone else's messages; the message takes a place again, before any new one (and with its own urgency when
it had one), when the answer is back.

`install()` wraps Rasa's `MessageProcessor.handle_message`, which runs inside the conversation's lock (a message that
waits for its own conversation holds no place), and `addons.action_fallback` marks the custom action's call as
`away()`. Each Rasa worker process has its own gate.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import heapq
import itertools
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable

from atrophy.input_policy import clean_text

logger = logging.getLogger(__name__)

PLACES = 2  # one message at work, one waiting for the action server
GRACE_SECONDS = 0.25  # an action server call this long lets its place go (a healthy one takes a few ms)
# The order of the queue: smaller first, then the order of arrival.
URGENT = 0  # a message the red-flag decision escalates or asks about
RETURNING = 1  # back from the action server
NEW = 2


class TurnGate:
    """`places` places, given to waiting messages in order of (priority, arrival). While an urgent message waits for
    a place or holds one, no other message starts its turn: the places free up for it, and a message already in its
    turn goes on. Without that the other place kept taking new questions while the emergency was in its turn, and
    finished them whenever the emergency's turn gave the event loop back."""

    def __init__(self, places: int = PLACES) -> None:
        self._free = places
        self._waiting: list[tuple[int, int, asyncio.Future]] = []
        self._arrivals = itertools.count()
        self._urgent = 0  # urgent messages waiting for a place or holding one

    @property
    def waiting(self) -> int:
        return sum(not future.done() for _, _, future in self._waiting)

    def _may_start(self, priority: int) -> bool:
        return priority == URGENT or self._urgent == 0

    async def acquire(self, priority: int = NEW) -> None:
        if priority == URGENT:
            self._urgent += 1
        if self._free > 0 and not self.waiting and self._may_start(priority):
            self._free -= 1
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._arrivals), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # the place was given just as the wait was cancelled
                self.release(priority)
            elif priority == URGENT:
                self._urgent -= 1
                self._hand_out()
            raise

    def release(self, priority: int = NEW) -> None:
        """Give back a place taken with `priority`."""
        if priority == URGENT:
            self._urgent -= 1
        self._free += 1
        self._hand_out()

    def _hand_out(self) -> None:
        while self._free > 0 and self._waiting:
            priority, _, future = self._waiting[0]
            if future.done():  # cancelled while waiting
                heapq.heappop(self._waiting)
                continue
            if not self._may_start(priority):  # the first in the queue is not urgent, and an urgent message is in
                return
            heapq.heappop(self._waiting)
            self._free -= 1
            future.set_result(None)


class _Place:
    """One message's place: whether it holds it now (a message may let it go while it waits), and with which
    priority it took it."""

    def __init__(self, gate: TurnGate, priority: int) -> None:
        self.gate = gate
        self.priority = priority
        self.held: int | None = None  # the priority it was taken with, while held

    def let_go(self) -> None:
        if self.held is not None:
            taken_with, self.held = self.held, None
            self.gate.release(taken_with)

    async def take(self, priority: int) -> None:
        await self.gate.acquire(priority)
        self.held = priority

    async def take_back(self) -> None:
        """After the wait outside: before any new message, and an urgent message stays urgent."""
        await self.take(min(self.priority, RETURNING))


_place: contextvars.ContextVar[_Place | None] = contextvars.ContextVar("atrophy_turn_place", default=None)
_gate: TurnGate | None = None


def gate() -> TurnGate:
    """This process's gate (created on first use, inside the running event loop's process)."""
    global _gate
    if _gate is None:
        _gate = TurnGate()
    return _gate


@asynccontextmanager
async def turn(priority: int = NEW, gate_: TurnGate | None = None) -> AsyncIterator[None]:
    """Hold a place for the whole of a message's turn."""
    place = _Place(gate_ or gate(), priority)
    await place.take(priority)
    token = _place.set(place)
    try:
        yield
    finally:
        _place.reset(token)
        place.let_go()


@asynccontextmanager
async def away(grace: float = GRACE_SECONDS) -> AsyncIterator[None]:
    """The running message waits for something outside this process (the action server). It keeps its place for
    `grace` seconds; after that the place goes to the next message, and is taken back before any new message's."""
    place = _place.get()
    if place is None or place.held is None:
        yield
        return
    timer = asyncio.get_running_loop().call_later(grace, place.let_go)
    try:
        yield
    finally:
        timer.cancel()
        if place.held is None:
            await place.take_back()


def detached() -> None:
    """For a task that outlives its message's turn (an action run in the background): it holds no place."""
    _place.set(None)


# --- The red-flag decision before the turn --------------------------------------------------------------------

_decide: Callable[[str], Any] | None = None
_decided: contextvars.ContextVar[tuple[str, Any] | None] = contextvars.ContextVar("atrophy_decided", default=None)


def decide_with(decide: Callable[[str], Any]) -> None:
    """The red-flag decision of this process (`StrokeDecider.decide` as `RedFlagClassifier` loaded it)."""
    global _decide
    _decide = decide


def decided(text: str) -> Any | None:
    """The decision made before this message's turn, when it was made on this very text."""
    made = _decided.get()
    return made[1] if made is not None and made[0] == text else None


def _decision_before_turn(text: Any) -> Any | None:
    if _decide is None or not isinstance(text, str):
        return None
    try:
        return _decide(text)
    except Exception:  # the NLU pipeline decides again; the order of the queue is never a reason to lose a message
        logger.exception("The red-flag decision failed before a message's turn")
        return None


def _is_urgent(decision: Any | None) -> bool:
    from atrophy.red_flags.decide import ESCALATE, UNSURE

    return decision is not None and decision.level in (ESCALATE, UNSURE)


def install() -> None:
    """Wrap Rasa's `MessageProcessor.handle_message` in a turn (idempotent)."""
    from rasa.core.processor import MessageProcessor

    handle: Callable = MessageProcessor.handle_message
    if getattr(handle, "_atrophy_turn", False):
        return

    @functools.wraps(handle)
    async def handle_message(self, message):
        text = clean_text(message.text) if isinstance(message.text, str) else None  # as the NLU pipeline reads it
        decision = _decision_before_turn(text)
        token = _decided.set((text, decision))
        try:
            async with turn(URGENT if _is_urgent(decision) else NEW):
                return await handle(self, message)
        finally:
            _decided.reset(token)

    handle_message._atrophy_turn = True  # type: ignore[attr-defined]
    MessageProcessor.handle_message = handle_message
