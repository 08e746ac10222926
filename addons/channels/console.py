"""`rasa shell` with the emergency payload printed as a readable alert instead of raw JSON.

Rasa's shell prints custom payloads as "Custom json: {...}". This entry point wraps the shell's printer
(at run time, in this process only) so that ``{"emergency": true, "number": ..., "text": ...}`` is shown as

    🚨 EMERGENCY: call 911 now 🚨
    EMERGENCY: this may be a stroke. Call 911 now. ...

in bold red; everything else is printed by Rasa as before. Ctrl-C at a button prompt ends the shell (in Rasa
it crashes the input loop and leaves the server running). Usage: ``python -m addons.channels.console shell
--model models/atrophy.tar.gz ...`` (any `rasa` arguments; scripts/run.sh shell uses it).
"""

from __future__ import annotations

import sys
from typing import Any, Dict, Optional, Text

from rasa.cli import utils as cli_utils
from rasa.core.channels import console

from addons.channels.common import plain_links
from atrophy.settings import emergency_number

_rasa_print_bot_output = console._print_bot_output
_rasa_payload_from_button_question = cli_utils.payload_from_button_question
RED_BOLD = "\033[1;97;41m"
RED = "\033[1;91m"
RESET = "\033[0m"


def emergency_lines(custom: Dict[Text, Any]) -> list[str]:
    number = str(custom.get("number") or emergency_number())
    return [f"{RED_BOLD} 🚨 EMERGENCY: call {number} now 🚨 {RESET}", f"{RED}{custom.get('text', '')}{RESET}"]


def _print_bot_output(
    message: Dict[Text, Any], is_latest_message: bool = False, color: Text = console.rasa.shared.utils.io.bcolors.OKBLUE
) -> Optional[Any]:
    custom = message.get("custom")
    if isinstance(custom, dict) and custom.get("emergency") is True:
        print("\n".join(emergency_lines(custom)), flush=True)
        message = {key: value for key, value in message.items() if key != "custom"}
    if message.get("text"):
        message = {**message, "text": plain_links(message["text"])}  # "[NHS](https://...)" -> "NHS (https://...)"
    return _rasa_print_bot_output(message, is_latest_message, color)


async def payload_from_button_question(button_question: Any) -> Optional[Text]:
    """Rasa's, except that Ctrl-C at a button prompt ends the shell instead of crashing it (hung server)."""
    response = await button_question.ask_async()
    if response is None:
        return None
    return await _rasa_payload_from_button_question(_Answered(response))


class _Answered:
    """A question already answered, for Rasa's payload_from_button_question."""

    def __init__(self, response: Text) -> None:
        self.response = response

    async def ask_async(self) -> Text:
        return self.response


def main() -> None:
    console._print_bot_output = _print_bot_output
    cli_utils.payload_from_button_question = payload_from_button_question
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
