"""Slack, the way Slack uses the bot: signed Events API requests in, chat.postMessage calls out.

The running Rasa server's Slack channel (addons/channels/slack.py, configured from the environment) posts to a
local fake of the Slack Web API (tests/support/fake_apis.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from urllib.parse import urlencode

import pytest
import requests

pytestmark = pytest.mark.e2e


def signed_headers(secret: str, body: bytes, content_type: str, timestamp: int | None = None) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": f"v0={digest}",
    }


def post_event(
    channels, text: str, user: str, channel: str, secret: str | None = None, timestamp: int | None = None
) -> requests.Response:
    event = {
        "token": "unused",
        "team_id": "T1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10]}",
        "event_time": int(time.time()),
        "authorizations": [{"user_id": "UBOT"}],
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": f"{time.time():.6f}",
        },
    }
    body = json.dumps(event).encode()
    headers = signed_headers(secret or channels.slack_secret, body, "application/json", timestamp)
    return requests.post(f"{channels.servers.url}/webhooks/slack/webhook", data=body, headers=headers, timeout=30)


def click_button(channels, value: str, user: str, channel: str) -> requests.Response:
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": channel},
        "message": {"ts": f"{time.time():.6f}"},
        "actions": [{"type": "button", "value": value, "action_id": "a1"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = signed_headers(channels.slack_secret, body, "application/x-www-form-urlencoded")
    return requests.post(f"{channels.servers.url}/webhooks/slack/webhook", data=body, headers=headers, timeout=30)


def texts(posts: list[dict]) -> str:
    return " ".join(str(post.get("text", "")) for post in posts)


def wait_for_posts(channels, channel: str, predicate, what: str) -> list[dict]:
    return channels.slack.wait_for(
        lambda _: predicate(channels.slack.posts(channel)) and channels.slack.posts(channel), timeout=60, what=what
    )


def test_url_verification_challenge_is_echoed(channels):
    body = json.dumps({"token": "t", "challenge": "challenge-123", "type": "url_verification"}).encode()
    response = requests.post(
        f"{channels.servers.url}/webhooks/slack/webhook",
        data=body,
        timeout=30,
        headers=signed_headers(channels.slack_secret, body, "application/json"),
    )
    assert response.status_code == 200 and "challenge-123" in response.text


def test_signed_message_gets_the_answer_posted_to_its_channel(channels):
    user, channel = f"U{uuid.uuid4().hex[:8]}", f"D{uuid.uuid4().hex[:8]}"
    response = post_event(channels, "what causes muscle atrophy?", user, channel)
    assert response.status_code == 200, response.text
    posts = wait_for_posts(channels, channel, lambda p: "Disuse atrophy" in texts(p), "the causes posted to Slack")
    assert "Neurogenic atrophy" in texts(posts)
    assert "<https://medlineplus.gov/ency/article/003188.htm|MedlinePlus>" in texts(posts)  # the source, linked
    call = channels.slack.calls_to("chat.postMessage")[-1]
    assert call.headers.get("Authorization") == "Bearer xoxb-test-token"


def test_badly_signed_and_stale_events_are_rejected_and_nothing_is_posted(channels):
    user, bad_channel = f"U{uuid.uuid4().hex[:8]}", f"D{uuid.uuid4().hex[:8]}"
    forged = post_event(channels, "what causes muscle atrophy?", user, bad_channel, secret="not-the-secret")
    stale = post_event(channels, "what causes muscle atrophy?", user, bad_channel, timestamp=int(time.time()) - 600)
    assert forged.status_code == 400 and stale.status_code == 400
    # A good request after the bad ones is answered; by then nothing has been posted for the bad ones.
    good_channel = f"D{uuid.uuid4().hex[:8]}"
    assert post_event(channels, "hello", user, good_channel).status_code == 200
    wait_for_posts(channels, good_channel, bool, "the reply to the good request")
    time.sleep(1)
    assert channels.slack.posts(bad_channel) == []


def test_emergency_stands_out_and_the_buttons_work(channels):
    user, channel = f"U{uuid.uuid4().hex[:8]}", f"D{uuid.uuid4().hex[:8]}"
    post_event(channels, "my dad suddenly can't move his arm and his vision went blurry", user, channel)
    posts = wait_for_posts(channels, channel, lambda p: len(p) >= 2, "the emergency and the follow-up question")
    alert = posts[0]
    blocks = json.loads(alert["blocks"]) if isinstance(alert["blocks"], str) else alert["blocks"]
    assert blocks[0]["type"] == "header"
    assert ":rotating_light:" in blocks[0]["text"]["text"] and "911" in blocks[0]["text"]["text"]
    assert "*Call 911*" in json.dumps(blocks)
    assert "911" in alert["text"]
    question = posts[1]
    question_blocks = question["blocks"] if isinstance(question["blocks"], list) else json.loads(question["blocks"])
    buttons = [element for block in question_blocks if block["type"] == "actions" for element in block["elements"]]
    assert "Have you called 911" in question["text"]
    yes = next(button for button in buttons if button["text"]["text"] == "Yes, help is coming")

    assert click_button(channels, yes["value"], user, channel).status_code == 200
    wait_for_posts(channels, channel, lambda p: "Stay with the person" in texts(p), "the answer to the button")


def test_a_message_over_the_limit_gets_a_reply_saying_so_and_a_huge_body_413(channels):
    user, channel = f"U{uuid.uuid4().hex[:8]}", f"D{uuid.uuid4().hex[:8]}"
    assert post_event(channels, "what causes muscle atrophy? " + "x" * 6000, user, channel).status_code == 200
    posts = wait_for_posts(channels, channel, lambda p: "too long" in texts(p), "the too-long reply")
    assert "5,000 characters" in texts(posts) and "911" in texts(posts)
    assert "Disuse atrophy" not in texts(posts)

    other = f"D{uuid.uuid4().hex[:8]}"
    assert post_event(channels, "x" * 100_000, user, other).status_code == 413
    time.sleep(1)
    assert channels.slack.posts(other) == []


def test_without_configuration_slack_and_telegram_are_off_and_the_server_runs(project_bot):
    """`rasa run` with the project's credentials.yml and no channel variables: both answer 503, REST works."""
    for channel in ("slack", "telegram"):
        response = requests.post(f"{project_bot.url}/webhooks/{channel}/webhook", json={}, timeout=10)
        assert response.status_code == 503, (channel, response.text)
    assert project_bot.send(f"plain-{uuid.uuid4()}", "hello")


def test_with_redis_down_a_stroke_report_still_gets_the_alert_posted_and_a_question_a_clear_message(channels):
    if channels.redis is None:
        pytest.skip("Redis is not reachable: the server locks conversations in memory")
    user, stroke_channel, question_channel = (f"{p}{uuid.uuid4().hex[:8]}" for p in "UDD")
    channels.redis.down()
    try:
        post_event(
            channels, "my mum's face suddenly dropped on one side and she can't talk properly", user, stroke_channel
        )
        posts = wait_for_posts(channels, stroke_channel, lambda p: len(p) >= 2, "the alert without Redis")
        assert ":rotating_light:" in json.dumps(posts[0].get("blocks")) and "911" in posts[0]["text"]
        assert "can't keep our conversation going" in texts(posts)
        post_event(channels, "what causes muscle atrophy?", user, question_channel)
        posts = wait_for_posts(channels, question_channel, bool, "the service-down message without Redis")
        assert "can't take messages right now" in texts(posts) and "911" in texts(posts)
    finally:
        channels.redis.up()
    back = f"D{uuid.uuid4().hex[:8]}"
    post_event(channels, "what causes muscle atrophy?", user, back)
    wait_for_posts(channels, back, lambda p: "Disuse atrophy" in texts(p), "the answer once Redis is back")
