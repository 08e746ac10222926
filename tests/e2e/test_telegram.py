"""Telegram, the way Telegram uses the bot: webhook updates in, Bot API calls (sendMessage ...) out.

The running Rasa server's Telegram channel (addons/channels/telegram.py) talks to a local fake Bot API
(tests/support/fake_apis.py) that was not running when the server started.
"""

from __future__ import annotations

import json
import random
import time

import pytest
import requests

pytestmark = pytest.mark.e2e


def message_update(chat_id: int, text: str) -> dict:
    return {
        "update_id": random.randint(1, 10**9),
        "message": {
            "message_id": random.randint(1, 10**6),
            "date": int(time.time()),
            "text": text,
            "chat": {"id": chat_id, "type": "private", "first_name": "Sam"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Sam"},
        },
    }


def callback_update(chat_id: int, data: str) -> dict:
    return {
        "update_id": random.randint(1, 10**9),
        "callback_query": {
            "id": str(random.randint(1, 10**9)),
            "data": data,
            "chat_instance": "1",
            "from": {"id": chat_id, "is_bot": False, "first_name": "Sam"},
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "text": "question",
                "chat": {"id": chat_id, "type": "private"},
            },
        },
    }


def send(channels, update: dict, secret: str | None = None) -> requests.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": channels.telegram_secret if secret is None else secret}
    return requests.post(f"{channels.servers.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=60)


def new_chat() -> int:
    return random.randint(10**8, 10**9)


def test_server_started_while_telegram_was_unreachable_and_sets_the_webhook_later(channels):
    calls = channels.telegram.wait_for(
        lambda calls: [c for c in calls if c.method == "setWebhook"], timeout=30, what="setWebhook"
    )
    assert calls[0].params["url"] == channels.telegram_webhook
    assert calls[0].params["secret_token"] == channels.telegram_secret
    assert calls[0].path == f"/bot{channels.telegram_token}/setWebhook"
    log = (channels.workdir / "rasa.log").read_text(errors="replace")
    assert "Could not set the Telegram webhook" in log  # the first attempts failed, and were retried


def test_update_is_answered_with_send_message(channels):
    chat = new_chat()
    response = send(channels, message_update(chat, "what causes muscle atrophy?"))
    assert response.status_code == 200, response.text
    text = " ".join(m["text"] for m in channels.telegram.messages(chat))
    assert "Disuse atrophy" in text and "Neurogenic atrophy" in text
    assert "MedlinePlus (https://medlineplus.gov/ency/article/003188.htm)" in text  # the source's address, shown
    log = (channels.workdir / "rasa.log").read_text(errors="replace")
    assert "Event loop is closed" not in log


def test_emergency_is_bold_with_a_siren_and_the_button_answers(channels):
    chat = new_chat()
    assert send(channels, message_update(chat, "my dad suddenly can't move his arm and his vision went blurry")).ok
    messages = channels.telegram.messages(chat)
    alert = messages[0]
    assert alert["parse_mode"] == "HTML"
    assert alert["text"].startswith("🚨 <b>EMERGENCY: call 911 now</b>")
    assert "📞 <b>911</b>" in alert["text"]
    question = messages[1]
    assert "Have you called 911" in question["text"]
    keyboard = json.loads(question["reply_markup"])["inline_keyboard"]
    yes = next(b for row in keyboard for b in row if b["text"] == "Yes, help is coming")

    assert send(channels, callback_update(chat, yes["callback_data"])).ok
    assert "Stay with the person" in channels.telegram.messages(chat)[-1]["text"]
    assert channels.telegram.calls_to("answerCallbackQuery")


def test_update_without_the_secret_token_is_rejected(channels):
    chat = new_chat()
    assert send(channels, message_update(chat, "hello"), secret="wrong").status_code == 403
    assert channels.telegram.messages(chat) == []


def test_set_webhook_needs_the_secret_token_too(channels):
    url = f"{channels.servers.url}/webhooks/telegram/set_webhook"
    before = len(channels.telegram.calls_to("setWebhook"))
    assert requests.get(url, timeout=30).status_code == 403
    assert requests.get(url, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}, timeout=30).status_code == 403
    assert len(channels.telegram.calls_to("setWebhook")) == before  # nobody outside re-pointed the bot
    ok = requests.get(url, headers={"X-Telegram-Bot-Api-Secret-Token": channels.telegram_secret}, timeout=30)
    assert ok.status_code == 200 and len(channels.telegram.calls_to("setWebhook")) == before + 1


def test_a_message_over_the_limit_gets_a_reply_saying_so_and_a_huge_body_413(channels):
    chat = new_chat()
    response = send(channels, message_update(chat, "what causes muscle atrophy? " + "x" * 6000))
    assert response.status_code == 200
    reply = " ".join(m["text"] for m in channels.telegram.messages(chat))
    assert "too long" in reply and "5,000 characters" in reply and "911" in reply
    assert "Disuse atrophy" not in reply  # refused, not answered from a cut text

    other = new_chat()
    assert send(channels, message_update(other, "x" * 200_000)).status_code == 413
    assert channels.telegram.messages(other) == []


def test_with_redis_down_a_stroke_report_still_gets_the_alert_and_a_question_a_clear_message(channels):
    if channels.redis is None:
        pytest.skip("Redis is not reachable: the server locks conversations in memory")
    stroke_chat, question_chat = new_chat(), new_chat()
    channels.redis.down()
    try:
        response = send(
            channels,
            message_update(stroke_chat, "my husband's speech went slurred all of a sudden and his left arm is numb"),
        )
        assert response.status_code == 200  # never an error: Telegram would resend the update forever
        messages = channels.telegram.messages(stroke_chat)
        assert messages and messages[0]["text"].startswith("🚨 <b>EMERGENCY: call 911 now</b>"), messages
        assert any("can't keep our conversation going" in m["text"] for m in messages)
        assert send(channels, message_update(question_chat, "what causes muscle atrophy?")).status_code == 200
        text = " ".join(m["text"] for m in channels.telegram.messages(question_chat))
        assert "can't take messages right now" in text and "911" in text
    finally:
        channels.redis.up()
    back = new_chat()
    assert send(channels, message_update(back, "what causes muscle atrophy?")).ok
    assert "Disuse atrophy" in " ".join(m["text"] for m in channels.telegram.messages(back))
