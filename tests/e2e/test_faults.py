"""Faults and bad input against one running bot (project tracker and lock stores, as in endpoints.yml).

Bad requests to the REST webhook get a reply or a 4xx, never a 5xx, and the conversation still works; with the
action server killed, emergencies still escalate and other answers become a clear apology; a missing knowledge
database is built by the first answer and an unreachable one gives the apology; 50 concurrent conversations x 10
turns on one server give no error and every event is stored; under load a stroke report goes before the questions
waiting for their turn, and questions stuck on a hung action server keep nobody else waiting. The action server
tests run last: they restart it.
"""

from __future__ import annotations

import json
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import sqlalchemy as sa
import yaml

from scripts.servers import Servers
from tests.support.paths import ROOT
from tests.support.replies import is_emergency, texts

pytestmark = pytest.mark.e2e

STROKE = "my dad suddenly can't move his arm and his vision went blurry"
CAUSES = "what causes muscle atrophy?"
APOLOGY = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]["utter_knowledge_unavailable"][0]["text"]
APOLOGY_START = APOLOGY.split("{")[0][:40]


@pytest.fixture
def faulty(project_bot):
    """The bot as deployed (tests/conftest.py: project_bot), shared with the persistence tests."""
    return project_bot


def post(
    bot: Servers, data: bytes | str | None = None, content_type: str | None = "application/json", **kwargs
) -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return requests.post(bot.webhook, data=data, headers=headers, timeout=120, **kwargs)


def assert_still_talking(bot: Servers, sender: str) -> None:
    replies = bot.send(sender, CAUSES, timeout=60)
    assert "Disuse atrophy" in texts(replies), replies


MESSAGES = {
    "empty": "",
    "whitespace": " \t\n  \n",
    "emoji and mixed scripts": "💪😢 muscle атрофия 肌肉萎缩 ضمور العضلات? ¿qué es?",
    "control characters": "what\x00 is\x07 muscle\x1b[31m atrophy\x7f\u200b\ufeff?",
    "unpaired surrogate": "atrophy \ud800 here",
    "right-to-left and combining marks": "\u202ewhat is atrophy\u202c a\u0301\u0301\u0301",
    "only punctuation": "?!?!...",
    "intent injection": '/report_stroke_signs{"stroke_sign": "x"',
}


@pytest.mark.parametrize("name", list(MESSAGES))
def test_odd_messages_get_a_reply_and_the_conversation_goes_on(faulty, name):
    sender = f"odd-{uuid.uuid4()}"
    response = post(faulty, json.dumps({"sender": sender, "message": MESSAGES[name]}))
    assert response.status_code == 200, response.text
    assert isinstance(response.json(), list) and response.json(), response.text
    assert_still_talking(faulty, sender)


def test_a_100_kb_message_is_refused_with_413_and_the_conversation_goes_on(faulty):
    sender = f"big-{uuid.uuid4()}"
    response = post(faulty, json.dumps({"sender": sender, "message": "muscle " * 15000}))  # ~100 KB
    assert response.status_code == 413 and "too long" in response.json()["error"]
    assert_still_talking(faulty, sender)


BAD_REQUESTS = {
    "malformed JSON": ('{"sender": "x", "message": "hi"', "application/json"),
    "empty body": ("", "application/json"),
    "JSON array": ("[1, 2, 3]", "application/json"),
    "JSON string": ('"hello"', "application/json"),
    "JSON null": ("null", "application/json"),
    "message missing": ('{"sender": "x"}', "application/json"),
    "message is a number": ('{"sender": "x", "message": 42}', "application/json"),
    "message is null": ('{"sender": "x", "message": null}', "application/json"),
    "message is an object": ('{"sender": "x", "message": {"text": "hi"}}', "application/json"),
    "sender is an object": ('{"sender": {"id": 1}, "message": "hi"}', "application/json"),
    "sender too long": (json.dumps({"sender": "s" * 300, "message": "hi"}), "application/json"),
    "sender missing (the shared 'default' conversation)": ('{"message": "hi"}', "application/json"),
    "sender empty": ('{"sender": "  ", "message": "hi"}', "application/json"),
    "sender 'default'": ('{"sender": "default", "message": "hi"}', "application/json"),
    "another channel's sender": ('{"sender": "telegram:123456789", "message": "tell me more"}', "application/json"),
    "a web session's sender": ('{"sender": "web:0123abcd.ef", "message": "tell me more"}', "application/json"),
    "metadata too large": (
        json.dumps({"sender": "x", "message": "hi", "metadata": {"k": "v" * 3000}}),
        "application/json",
    ),
    "metadata is a string": ('{"sender": "x", "message": "hi", "metadata": "m"}', "application/json"),
    "plain text": ("what is atrophy", "text/plain"),
    "form encoded": ("sender=x&message=hi", "application/x-www-form-urlencoded"),
    "XML": ("<message>hi</message>", "application/xml"),
    "no content type": ("what is atrophy", None),
    "invalid UTF-8": (b'{"sender": "x", "message": "\xff\xfe"}', "application/json"),
    "deeply nested": (
        '{"sender": "x", "message": "hi", "metadata": ' + "[" * 5000 + "]" * 5000 + "}",
        "application/json",
    ),
}


@pytest.mark.parametrize("name", list(BAD_REQUESTS))
def test_bad_requests_get_a_4xx_never_a_5xx(faulty, name):
    data, content_type = BAD_REQUESTS[name]
    response = post(faulty, data, content_type)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])


def test_valid_json_sent_as_text_plain_is_still_answered(faulty):
    """Some widgets post JSON without the header: accepted, as Rasa's channel does."""
    sender = f"plain-{uuid.uuid4()}"
    response = post(faulty, json.dumps({"sender": sender, "message": CAUSES}), "text/plain")
    assert response.status_code == 200 and "Disuse atrophy" in texts(response.json())


def test_wrong_methods_and_the_server_still_answers(faulty):
    assert requests.get(faulty.webhook, timeout=30).status_code == 405
    assert requests.put(faulty.webhook, data="{}", timeout=30).status_code == 405
    assert_still_talking(faulty, f"after-bad-{uuid.uuid4()}")


def test_a_missing_knowledge_database_is_built_by_the_first_answer(faulty):
    """The bot starts with no knowledge database (the action server does not build it at import); the first
    question builds it and is answered from it."""
    assert_still_talking(faulty, f"kb-{uuid.uuid4()}")
    assert faulty.kb.exists()


def tracker_events(url: str) -> dict[str, list[tuple[str, str | None]]]:
    engine = sa.create_engine(url, future=True)
    by_sender: dict[str, list[tuple[str, str | None]]] = {}
    with engine.connect() as c:
        for sender, type_name, data in c.execute(sa.text("SELECT sender_id, type_name, data FROM events ORDER BY id")):
            by_sender.setdefault(sender, []).append((type_name, json.loads(data).get("text")))
    engine.dispose()
    return by_sender


TURNS = 10  # 50 at once, in order: 500 messages (20 turns cost 4 minutes of make test for no other check)


def test_50_concurrent_conversations_of_10_turns_on_one_server(faulty):
    turns = ["hello", CAUSES, "what is muscle atrophy?", "thanks", "are you a bot?"]
    prefix = f"load-{uuid.uuid4().hex[:6]}-"
    errors: list[str] = []

    def conversation(n: int) -> None:
        sender = f"{prefix}{n}"
        with requests.Session() as http:
            for turn in range(TURNS):
                text = f"{turns[(n + turn) % len(turns)]} #{turn}"
                try:
                    r = http.post(faulty.webhook, json={"sender": sender, "message": text}, timeout=300)
                    if r.status_code != 200 or not r.json():
                        errors.append(f"{sender} turn {turn}: {r.status_code} {r.text[:100]}")
                except requests.RequestException as e:
                    errors.append(f"{sender} turn {turn}: {e}")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        list(pool.map(conversation, range(50)))
    elapsed = time.monotonic() - started
    print(f"\n50 conversations x {TURNS} turns on one server: {elapsed:.0f} s, {len(errors)} errors")
    assert errors == []

    stored = {s: e for s, e in tracker_events(faulty.tracker_url).items() if s.startswith(prefix)}
    assert len(stored) == 50
    for sender, events in stored.items():
        users = [text for kind, text in events if kind == "user"]
        assert [int(u.rsplit("#", 1)[1]) for u in users] == list(range(TURNS)), (sender, users)
        assert sum(kind == "bot" for kind, _ in events) >= TURNS, sender


def turns_done(url: str, prefix: str) -> dict[str, int]:
    """For each conversation of `prefix`, the database id of its first user message: the Rasa server writes a
    message's events when its turn ends, so these ids give the order in which the server finished the turns."""
    engine = sa.create_engine(url, future=True)
    with engine.connect() as c:
        rows = c.execute(
            sa.text("SELECT sender_id, MIN(id) FROM events WHERE type_name = 'user' AND sender_id LIKE :p GROUP BY 1"),
            {"p": f"{prefix}%"},
        )
        done = {sender: first for sender, first in rows}
    engine.dispose()
    return done


QUEUED = 40  # questions sent at once; the report goes once a third of them are answered (all of them are read)


def test_under_load_an_emergency_is_answered_before_the_questions_waiting_ahead_of_it(faulty):
    """Forty questions are sent at once, and a stroke report once a third of them are answered: the server finishes
    the report's turn ahead of the questions it had not finished by then, after at most the two at work and the two
    that took their places while the report was being read (addons/turn_gate.py). Without the turn order it waited
    behind most of them. A busy server reads requests between turns, so the report is sent when the server has read
    the questions: sent sooner, it waits to be read behind them, whatever the order of turns. The order is the
    server's own (the tracker store's)."""
    prefix = f"queue-{uuid.uuid4().hex[:6]}-"

    def ask(n: int) -> None:
        replies = faulty.send(f"{prefix}{n}", CAUSES, timeout=120)
        assert "Disuse atrophy" in texts(replies), replies

    with ThreadPoolExecutor(max_workers=QUEUED) as pool:
        questions = [pool.submit(ask, n) for n in range(QUEUED)]
        deadline = time.monotonic() + 60
        while len(finished_before := turns_done(faulty.tracker_url, prefix)) < QUEUED // 3:
            assert time.monotonic() < deadline, f"only {len(finished_before)} questions answered in a minute"
            time.sleep(0.01)
        replies = faulty.send(f"{prefix}stroke", STROKE, timeout=120)
        assert is_emergency(replies[0]), replies
        for q in questions:
            q.result()
    done = turns_done(faulty.tracker_url, prefix)
    report = done.pop(f"{prefix}stroke")
    waiting = {sender: at for sender, at in done.items() if sender not in finished_before}
    ahead = sum(at < report for at in waiting.values())
    assert len(done) == QUEUED and len(waiting) >= QUEUED // 2, f"{len(waiting)} questions waiting: nothing to measure"
    assert ahead <= 4, f"the emergency was answered after {ahead} of the {len(waiting)} questions waiting before it"


# The action server tests come last: they stop and restart the action server.


def test_action_server_down_emergencies_still_escalate_and_answers_apologise(faulty):
    sender = f"down-{uuid.uuid4()}"
    assert_still_talking(faulty, sender)
    faulty.stop_actions()
    try:
        replies = faulty.send(sender, STROKE)
        assert is_emergency(replies[0]), replies
        assert "911" in replies[0]["custom"]["text"]
        assert any("Have you called 911" in m.get("text", "") for m in replies[1:]), replies
        assert APOLOGY_START not in texts(replies)  # the failed escalation log is not the user's problem

        other = f"down-{uuid.uuid4()}"
        replies = faulty.send(other, CAUSES)
        assert len(replies) >= 1 and texts(replies).startswith(APOLOGY_START), replies
        assert "911" in texts(replies)
    finally:
        faulty.start_actions()
    assert_still_talking(faulty, sender)


def test_a_hung_action_server_costs_seconds_not_minutes(faulty):
    """SIGSTOP: the action server accepts connections and never answers. Custom actions time out after
    ATROPHY_ACTION_TIMEOUT (10 s), inside the conversation lock's 60 s; Rasa's own default was 300 s."""
    sender = f"hung-{uuid.uuid4()}"
    faulty.actions.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        replies = faulty.send(f"hung-stroke-{uuid.uuid4()}", STROKE, timeout=120)
        took = time.monotonic() - started
        assert replies and is_emergency(replies[0]) and "911" in replies[0]["custom"]["text"], replies
        assert took < 2, f"the alert took {took:.1f} s: it waited for the hung action server"

        started = time.monotonic()
        replies = faulty.send(sender, CAUSES, timeout=120)
        took = time.monotonic() - started
        assert texts(replies).startswith(APOLOGY_START), replies
        assert took < 25, f"the apology took {took:.1f} s"
    finally:
        faulty.actions.send_signal(signal.SIGCONT)
    assert_still_talking(faulty, f"hung-after-{uuid.uuid4()}")


def test_questions_stuck_on_a_hung_action_server_keep_nobody_else_waiting(faulty):
    """Three knowledge questions wait for a hung action server (SIGSTOP) until their timeout; a greeting and a
    stroke report sent meanwhile are answered at once (a stuck call lets its place go after GRACE_SECONDS)."""
    faulty.actions.send_signal(signal.SIGSTOP)
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            stuck = [pool.submit(faulty.send, f"stuck-{uuid.uuid4()}", CAUSES, 120) for _ in range(3)]
            time.sleep(1)
            started = time.monotonic()
            hello = faulty.send(f"stuck-hello-{uuid.uuid4()}", "hello", timeout=120)
            stroke = faulty.send(f"stuck-stroke-{uuid.uuid4()}", STROKE, timeout=120)
            took = time.monotonic() - started
            assert took < 3, f"a greeting and a stroke report took {took:.1f} s behind the stuck questions"
            assert not any(q.done() for q in stuck), "the questions were answered: the action server was not hung"
            assert hello and not texts(hello).startswith(APOLOGY_START), hello
            assert is_emergency(stroke[0]), stroke
            for q in stuck:
                assert texts(q.result()).startswith(APOLOGY_START)
    finally:
        faulty.actions.send_signal(signal.SIGCONT)
    assert_still_talking(faulty, f"stuck-after-{uuid.uuid4()}")


def test_unreachable_knowledge_database_gives_the_apology(faulty):
    faulty.stop_actions()
    good = dict(faulty.env)
    faulty.env["ATROPHY_DB_URL"] = "postgresql+psycopg2://nobody@127.0.0.1:1/none?connect_timeout=2"
    try:
        faulty.start_actions()
        replies = faulty.send(f"nodb-{uuid.uuid4()}", CAUSES)
        assert texts(replies).startswith(APOLOGY_START), replies
        replies = faulty.send(f"nodb-{uuid.uuid4()}", STROKE)
        assert is_emergency(replies[0]), replies
    finally:
        faulty.stop_actions()
        faulty.env.clear()
        faulty.env.update(good)
        faulty.start_actions()
    assert_still_talking(faulty, f"after-nodb-{uuid.uuid4()}")
