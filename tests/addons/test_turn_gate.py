"""The order of messages' turns in one Rasa server (addons/turn_gate.py): places, priorities, the action server's
wait, and the red-flag decision made once before the turn."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from addons import turn_gate
from addons.turn_gate import NEW, RETURNING, URGENT, TurnGate, away, turn
from atrophy.input_policy import clean_text


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_waiting_messages_get_their_turn_by_priority_then_arrival():
    async def scenario() -> list[str]:
        gate, order = TurnGate(places=1), []
        release_first = asyncio.Event()

        async def message(name: str, priority: int) -> None:
            async with turn(priority, gate):
                order.append(name)
                if name == "first":
                    await release_first.wait()

        first = asyncio.create_task(message("first", NEW))
        await _settle()
        waiting = [
            asyncio.create_task(message(name, priority))
            for name, priority in [("q1", NEW), ("q2", NEW), ("stroke", URGENT), ("q3", NEW), ("back", RETURNING)]
        ]
        await _settle()
        assert order == ["first"] and gate.waiting == 5
        release_first.set()
        await asyncio.gather(first, *waiting)
        return order

    # an emergency goes before everything, the messages coming back from the action server included
    assert asyncio.run(scenario()) == ["first", "stroke", "back", "q1", "q2", "q3"]


def test_no_more_messages_at_work_than_places():
    async def scenario() -> int:
        gate, busy, most = TurnGate(places=2), 0, 0

        async def message() -> None:
            nonlocal busy, most
            async with turn(NEW, gate):
                busy += 1
                most = max(most, busy)
                await asyncio.sleep(0.01)
                busy -= 1

        await asyncio.gather(*(message() for _ in range(10)))
        return most

    assert asyncio.run(scenario()) == 2


def test_a_message_cancelled_while_waiting_loses_nothing_for_the_others():
    async def scenario() -> list[str]:
        gate, order = TurnGate(places=1), []
        hold = asyncio.Event()

        async def message(name: str) -> None:
            async with turn(NEW, gate):
                order.append(name)
                if name == "first":
                    await hold.wait()

        first = asyncio.create_task(message("first"))
        await _settle()
        gone, last = asyncio.create_task(message("gone")), asyncio.create_task(message("last"))
        await _settle()
        gone.cancel()
        await _settle()
        hold.set()
        await asyncio.gather(first, last)
        assert gone.cancelled()
        return order

    assert asyncio.run(scenario()) == ["first", "last"]


def test_a_short_action_server_call_keeps_the_place_and_a_long_one_lets_it_go():
    """While a message waits for the action server within the grace, no new message starts; past it, the next one
    starts; the message coming back goes before the messages still waiting."""

    async def scenario(action_seconds: float) -> list[str]:
        gate, order = TurnGate(places=1), []

        async def knowledge_answer() -> None:
            async with turn(NEW, gate):
                order.append("question starts")
                async with away(grace=0.05):
                    await asyncio.sleep(action_seconds)
                order.append("question answered")

        async def greeting(name: str) -> None:
            async with turn(NEW, gate):
                order.append(name)
                await asyncio.sleep(0.1 if name == "hello 1" else 0)

        question = asyncio.create_task(knowledge_answer())
        await _settle()
        await asyncio.gather(question, greeting("hello 1"), greeting("hello 2"))
        return order

    assert asyncio.run(scenario(0.01)) == ["question starts", "question answered", "hello 1", "hello 2"]
    # past the grace, "hello 1" gets the place; the answer is back while it works and goes before "hello 2"
    assert asyncio.run(scenario(0.08)) == ["question starts", "hello 1", "question answered", "hello 2"]


def test_an_urgent_message_back_from_the_action_server_goes_before_a_question_back_from_it():
    """Both let their place go during a long call and are back while another message works: the urgent one stays
    urgent, so a slow action server never puts an emergency behind other people's questions."""

    async def scenario() -> list[str]:
        gate, order = TurnGate(places=1), []
        hold = asyncio.Event()

        async def with_a_call(name: str, priority: int) -> None:
            async with turn(priority, gate):
                async with away(grace=0.01):
                    await asyncio.sleep(0.03)
                order.append(f"{name} answered")

        async def busy() -> None:
            async with turn(NEW, gate):
                order.append("busy")
                await hold.wait()

        question = asyncio.create_task(with_a_call("question", NEW))
        await _settle()
        stroke = asyncio.create_task(with_a_call("stroke", URGENT))  # waits: the question's call holds the place
        await asyncio.sleep(0.015)  # the question let go; the stroke report took the place and let go in turn
        other = asyncio.create_task(busy())
        await asyncio.sleep(0.06)  # both calls are back while "busy" works
        assert order == ["busy"] and gate.waiting == 2
        hold.set()
        await asyncio.gather(question, stroke, other)
        return order

    assert asyncio.run(scenario()) == ["busy", "stroke answered", "question answered"]


def test_while_an_urgent_message_waits_or_works_no_other_message_starts():
    """Two places: a question is at work, a stroke report takes the other place; the questions waiting start only
    when the report's turn is over, and the question already at work goes on meanwhile."""

    async def scenario() -> list[str]:
        gate, order = TurnGate(places=2), []
        stroke_works, question_works = asyncio.Event(), asyncio.Event()

        async def message(name: str, priority: int, hold: asyncio.Event | None = None) -> None:
            async with turn(priority, gate):
                order.append(f"{name} starts")
                if hold is not None:
                    await hold.wait()
                order.append(f"{name} ends")

        at_work = asyncio.create_task(message("at work", NEW, question_works))
        await _settle()
        stroke = asyncio.create_task(message("stroke", URGENT, stroke_works))
        await _settle()
        waiting = [asyncio.create_task(message(f"q{n}", NEW)) for n in (1, 2)]
        await _settle()
        question_works.set()  # frees a place while the report works: no question takes it
        await _settle()
        assert order == ["at work starts", "stroke starts", "at work ends"] and gate.waiting == 2
        stroke_works.set()
        await asyncio.gather(at_work, stroke, *waiting)
        return order

    assert asyncio.run(scenario())[3:] == ["stroke ends", "q1 starts", "q1 ends", "q2 starts", "q2 ends"]


def test_an_urgent_message_cancelled_while_waiting_lets_the_others_start():
    async def scenario() -> list[str]:
        gate, order = TurnGate(places=1), []
        hold = asyncio.Event()

        async def message(name: str, priority: int) -> None:
            async with turn(priority, gate):
                order.append(name)
                if name == "first":
                    await hold.wait()

        first = asyncio.create_task(message("first", NEW))
        await _settle()
        stroke = asyncio.create_task(message("stroke", URGENT))
        await _settle()
        question = asyncio.create_task(message("question", NEW))
        await _settle()
        stroke.cancel()  # the client went away
        await _settle()
        hold.set()
        await asyncio.wait_for(asyncio.gather(first, question), 1)
        return order

    assert asyncio.run(scenario()) == ["first", "question"]


def test_away_outside_a_turn_and_in_a_detached_task_holds_nothing():
    async def scenario() -> int:
        gate = TurnGate(places=1)
        async with away():  # a custom action run outside a message's turn (rasa test, the HTTP API)
            pass
        async with turn(NEW, gate):

            async def background() -> None:
                turn_gate.detached()
                async with away(grace=0.01):
                    await asyncio.sleep(0.03)

            await asyncio.create_task(background())
            return gate.waiting

    assert asyncio.run(scenario()) == 0


class _Decision(SimpleNamespace):
    pass


@pytest.fixture
def patched_processor(monkeypatch):
    """Rasa's MessageProcessor.handle_message with the gate installed, over a stand-in handler that reports what
    the NLU component would see."""
    from rasa.core.processor import MessageProcessor

    seen: list = []

    async def handle(self, message):
        seen.append((message.text, turn_gate.decided(message.text)))
        return [{"text": "ok"}]

    monkeypatch.setattr(MessageProcessor, "handle_message", handle)
    monkeypatch.setattr(turn_gate, "_gate", None)
    turn_gate.install()
    yield MessageProcessor, seen


def test_the_decision_before_the_turn_is_made_once_and_given_to_the_nlu(patched_processor, monkeypatch):
    processor, seen = patched_processor
    calls: list[str] = []

    def decide(text: str):
        calls.append(text)
        return _Decision(level="escalate" if "face" in text else "none")

    monkeypatch.setattr(turn_gate, "_decide", decide)
    raw = "her face\x07 is drooping"
    assert asyncio.run(processor.handle_message(object(), SimpleNamespace(text=raw))) == [{"text": "ok"}]
    # decided once, on the text as the pipeline reads it (control characters removed)
    assert calls == [clean_text(raw)] and clean_text(raw) != raw
    assert seen[0][1] is None  # the raw text with its control character is not the text that was decided on
    seen.clear()
    asyncio.run(processor.handle_message(object(), SimpleNamespace(text="her face is drooping")))
    assert seen[0][1].level == "escalate"
    assert turn_gate.decided("her face is drooping") is None  # only inside that message's turn


def test_a_failing_decision_before_the_turn_still_lets_the_message_through(patched_processor, monkeypatch):
    processor, seen = patched_processor

    def broken(text: str):
        raise RuntimeError("model file gone")

    monkeypatch.setattr(turn_gate, "_decide", broken)
    assert asyncio.run(processor.handle_message(object(), SimpleNamespace(text="hello"))) == [{"text": "ok"}]
    assert seen == [("hello", None)]  # the NLU pipeline decides again


def test_an_escalating_message_goes_before_the_questions_waiting_for_their_turn(patched_processor, monkeypatch):
    from rasa.core.processor import MessageProcessor

    order: list[str] = []
    hold = asyncio.Event()

    async def handle(self, message):
        order.append(message.text)
        if message.text == "q0":
            await hold.wait()
        return []

    monkeypatch.setattr(turn_gate, "_decide", lambda t: _Decision(level="escalate" if "arm" in t else "none"))
    monkeypatch.setattr(MessageProcessor, "handle_message", handle)
    turn_gate.install()

    async def scenario() -> None:
        turn_gate._gate = TurnGate(places=1)
        first = asyncio.create_task(MessageProcessor.handle_message(object(), SimpleNamespace(text="q0")))
        await _settle()
        others = [
            asyncio.create_task(MessageProcessor.handle_message(object(), SimpleNamespace(text=t)))
            for t in ["q1", "q2", "my arm went dead", "q3"]
        ]
        await _settle()
        hold.set()
        await asyncio.gather(first, *others)

    asyncio.run(scenario())
    assert order == ["q0", "my arm went dead", "q1", "q2", "q3"]
