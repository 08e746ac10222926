"""The web chat page in a real browser (headless Debian chromium driven by Playwright), as a person uses it.

The page (scripts/serve_web.py) runs the rasa-webchat widget against the running Rasa server's socket.io
channel. Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from tests.support.paths import ROOT

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT = 60_000  # ms; the first answers come while the model warms up
STROKE = "my dad suddenly can't move his arm and his vision went blurry"


@pytest.fixture()
def browser_page(channels):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium`")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 900, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.outside_requests = []
        page.console_errors = []
        page.on(
            "request",
            lambda request: (
                urlparse(request.url).hostname not in ("localhost", "127.0.0.1")
                and page.outside_requests.append(request.url)
            ),
        )
        page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
        try:
            yield page
        finally:
            page.screenshot(path=str(ARTIFACTS / "web-chat-last.png"), full_page=True)
            context.close()
            browser.close()


def ask(page, text: str) -> None:
    box = page.locator(".rw-new-message")
    box.fill(text)
    box.press("Enter")


def test_page_chat_emergency_buttons_and_reload(browser_page, channels):
    from playwright.sync_api import expect

    page = browser_page
    page.goto(channels.web_url)
    expect(page.locator(".intro")).to_contain_text("muscle atrophy")
    expect(page.locator(".intro")).to_contain_text("does not diagnose")

    # The bot speaks first (initPayload /greet).
    expect(page.locator(".rw-response").first).to_contain_text("I can explain muscle atrophy")
    page.screenshot(path=str(ARTIFACTS / "web-1-greeting.png"), full_page=True)

    ask(page, "what causes muscle atrophy?")
    expect(page.locator(".rw-client").last).to_contain_text("what causes muscle atrophy?")
    expect(page.locator(".rw-messages-container")).to_contain_text("Disuse atrophy")
    # The source line is a link (the widget renders the answer's Markdown), not "[MedlinePlus](https://...)".
    source = page.locator('.rw-messages-container a[href="https://medlineplus.gov/ency/article/003188.htm"]').last
    expect(source).to_have_text("MedlinePlus")
    page.screenshot(path=str(ARTIFACTS / "web-2-answer.png"), full_page=True)

    ask(page, STROKE)
    alert = page.get_by_test_id("emergency-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("EMERGENCY")
    expect(alert.locator('a[href="tel:911"]')).to_contain_text("Call 911")
    expect(alert).to_have_css("background-color", "rgb(176, 0, 32)")  # retried: the alert may still be rendering
    expect(page.locator(".rw-messages-container")).to_contain_text("Have you called 911")
    page.screenshot(path=str(ARTIFACTS / "web-3-emergency.png"), full_page=True)

    page.get_by_role("button", name="Yes, help is coming").click()
    expect(page.locator(".rw-messages-container")).to_contain_text("Stay with the person")
    page.screenshot(path=str(ARTIFACTS / "web-4-button.png"), full_page=True)

    page.reload()
    messages = page.locator(".rw-messages-container")
    expect(messages).to_contain_text("Disuse atrophy")
    expect(messages).to_contain_text("Stay with the person")
    expect(page.get_by_test_id("emergency-alert")).to_be_visible()
    # Same session after the reload: the server still answers into it.
    ask(page, "thank you")
    expect(messages).to_contain_text("You're welcome")
    page.screenshot(path=str(ARTIFACTS / "web-5-after-reload.png"), full_page=True)

    assert page.outside_requests == [], "the page must load nothing from the internet"
    # The transcript is health data: kept in the tab's sessionStorage (gone with the tab), never in localStorage.
    assert "Disuse atrophy" not in page.evaluate("() => JSON.stringify(window.localStorage)")
    assert "Disuse atrophy" in page.evaluate("() => JSON.stringify(window.sessionStorage)")


def test_socket_accepts_only_the_page_origin(channels):
    url = f"{channels.servers.url}/socket.io/?EIO=4&transport=polling"
    page_origin = requests.get(url, headers={"Origin": channels.web_url}, timeout=10)
    other_origin = requests.get(url, headers={"Origin": "http://evil.example"}, timeout=10)
    assert page_origin.headers.get("Access-Control-Allow-Origin") == channels.web_url
    assert "Access-Control-Allow-Origin" not in other_origin.headers
