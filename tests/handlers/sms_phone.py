"""Drives the SMS channel as Twilio does: signed messages posted to the real webhook, answers
read from the TwiML; notices read from what the fake Twilio took."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from aiohttp.test_utils import TestClient

from ducu.bootstrap import Runtime
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.helpers import inbound_form, post_signed


class Phone:
    """Someone's phone: signed SMS to the webhook, with fresh MessageSids; returns our answer."""

    sent = 0

    def __init__(self, client: TestClient, clock: FakeClock, number: str) -> None:
        self.client, self.clock, self.number = client, clock, number

    async def say(self, text: str) -> str:
        Phone.sent += 1
        self.clock.advance(seconds=20)
        form = inbound_form(text, f"SM{Phone.sent:032x}", sender=self.number)
        response = await post_signed(self.client, "/twilio/sms", form)
        assert response.status == 200
        root = ElementTree.fromstring(await response.text())
        return "\n".join(m.text or "" for m in root.iter("Message"))


def ref_in(body: str) -> int:
    """The task reference `#<digits>` a notice carries."""
    return int(re.search(r"#(\d+)", body).group(1))


async def notices(runtime: Runtime, fake: FakeTwilio, number: str) -> list[str]:
    """Sends what is due, and returns the bodies `number` has got so far."""
    await runtime.services.dispatcher.run_once()
    return [m["Body"] for m in fake.to(number)]
