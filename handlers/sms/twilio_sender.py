"""Outbound SMS through the official Twilio SDK's async client."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.domain.messages import Choice
from bot.domain.status import Channel, MessageStatus
from bot.ports import SendError, SendResult
from handlers.sms.errors import contact_status_for

log = logging.getLogger(__name__)
CREDENTIAL_ERRORS = {20003, 20005, 20404}  # authenticate, account suspended, no such account
# How far before a lost send `find` looks: Twilio stamps `date_sent` by its own clock, which
# may run behind ours. The body match, not the window, tells one message from another.
CLOCK_SKEW = timedelta(minutes=5)
# A message in these never reached anyone: it is no reason not to send.
NOT_TAKEN = {MessageStatus.FAILED, MessageStatus.UNDELIVERED, "canceled"}


class BaseUrlHttpClient(AsyncTwilioHttpClient):
    """Sends every request to a configured base URL, with a real timeout.

    The SDK's `edge`/`region` cannot point at another host, and it passes `timeout=None`,
    which aiohttp takes as 'wait forever'.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base_url.rstrip("/"))

    async def request(
        self,
        method,
        url,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,  # noqa: ASYNC109 - the SDK's own signature
        allow_redirects=False,
    ) -> Response:
        parts = urlsplit(url)
        url = urlunsplit((self._base.scheme, self._base.netloc, parts.path, parts.query, ""))
        return await super().request(
            method, url, params, data, headers, auth, timeout or self.timeout, allow_redirects
        )


class TwilioSender:
    channel = Channel.SMS
    provider = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_base: str,
        status_callback: str | None,
        timeout: float,
    ) -> None:
        self._http = BaseUrlHttpClient(api_base, timeout)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        self._from = from_number
        self._status_callback = status_callback

    async def send(
        self, address: str, text: str, buttons: tuple[Choice, ...] = (), place: str | None = None
    ) -> SendResult:
        extra = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            message = await self._client.messages.create_async(
                to=address, from_=self._from, body=text, **extra
            )
        except TwilioRestException as exc:
            raise _send_error(exc) from exc
        except (TwilioException, aiohttp.ClientError, TimeoutError) as exc:
            raise SendError("network", type(exc).__name__, permanent=False, unknown=True) from exc
        return SendResult(provider_id=message.sid, status=message.status or MessageStatus.QUEUED)

    async def find(self, address: str, text: str, since: datetime) -> SendResult | None:
        """Lists the messages to `address` Twilio sent since `since` and adopts the one with
        this body. A message Twilio still queues has no `date_sent` yet and is not listed."""
        try:
            messages = await self._client.messages.list_async(
                to=address, date_sent_after=since - CLOCK_SKEW, limit=50
            )
        except TwilioRestException as exc:
            raise _send_error(exc) from exc
        except (TwilioException, aiohttp.ClientError, TimeoutError) as exc:
            raise SendError("network", type(exc).__name__, permanent=False) from exc
        for message in messages:
            if message.body == text and message.status not in NOT_TAKEN:
                return SendResult(message.sid, message.status or MessageStatus.QUEUED)
        return None

    async def close(self) -> None:
        await self._http.close()


def _send_error(exc: TwilioRestException) -> SendError:
    status = contact_status_for(exc.code)
    code = str(exc.code or exc.status)
    if exc.status in (401, 403) or exc.code in CREDENTIAL_ERRORS:
        log.error(
            "Twilio refused our credentials (%s): check TWILIO_ACCOUNT_SID and "
            "TWILIO_AUTH_TOKEN; messages wait and are retried",
            code,
        )
    if status is not None:
        return SendError(code, exc.msg, permanent=True, contact_status=status)
    return SendError(code, exc.msg, permanent=False)
