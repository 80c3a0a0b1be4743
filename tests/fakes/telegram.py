"""A fake Telegram Bot API on 127.0.0.1 that speaks the real protocol as aiogram 3 uses it.

It serves `POST /bot{token}/{method}`, checks the token, reads the form (urlencoded or multipart)
aiogram posts, decoding JSON-encoded fields such as `reply_markup`, and answers with the Bot API's
`{"ok": ..., "result": ...}` envelope (or its error envelope). It records every call, can be told
to fail (429 with `retry_after`, 403 blocked, 400 with any description, ...), refuses a text
over 4096 characters as Telegram does, long-polls `getUpdates` over updates queued by
the test, and builds incoming updates (text, contact, callback, /start) for posting to a webhook.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
BOT_ID = 123456
BOT_USERNAME = "ducu_test_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Ducu", "username": BOT_USERNAME}
MAX_TEXT = 4096  # characters of a message's text, as Telegram counts them (UTF-16, near enough)
LONG_POLL_CAP = 0.5  # seconds getUpdates waits at most on an empty queue

_TEXT_FIELDS = {"text", "caption", "query", "description", "short_description"}
_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    error_code: int
    retry_after: int | None = None
    description: str | None = None


def _counter() -> Iterator[int]:
    return itertools.count(1)


@dataclass
class FakeTelegram:
    calls: list[Call] = field(default_factory=list)  # answered ok
    attempts: list[Call] = field(default_factory=list)  # every request, failed ones too
    failures: defaultdict[str, deque[Failure]] = field(default_factory=lambda: defaultdict(deque))
    blocked: set[int] = field(default_factory=set)
    updates: list[dict[str, Any]] = field(default_factory=list)  # for getUpdates
    webhook_url: str = ""
    url: str = ""
    _update_ids: Iterator[int] = field(default_factory=_counter, init=False, repr=False)
    _message_ids: Iterator[int] = field(default_factory=_counter, init=False, repr=False)
    _queued: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    # -- steering ---------------------------------------------------------------------------

    def fail_next(
        self,
        error_code: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        method: str = "sendMessage",
    ) -> None:
        if error_code == 429 and retry_after is None:
            retry_after = 1
        failure = Failure(error_code, retry_after, description)
        self.failures[method].extend(failure for _ in range(times))

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every send to this chat answers 403 from now on."""
        self.blocked.add(int(chat_id))

    def queue_update(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self._queued.set()

    # -- inspection -------------------------------------------------------------------------

    def of(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        return [p for p in self.of("sendMessage") if _chat(p) == int(chat_id)]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    # -- incoming updates -------------------------------------------------------------------

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def text_update(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str = "Test",
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        message = self._incoming(chat_id, user_id or chat_id, first_name, text=text)
        if entities:
            message["entities"] = entities
        return {"update_id": self.next_update_id(), "message": message}

    def start_update(self, chat_id: int, payload: str = "", **kwargs: Any) -> dict[str, Any]:
        text = f"/start {payload}" if payload else "/start"
        command = [{"type": "bot_command", "offset": 0, "length": 6}]
        return self.text_update(chat_id, text, entities=command, **kwargs)

    def contact_update(
        self,
        chat_id: int,
        phone: str,
        *,
        contact_user_id: int | None,
        from_user_id: int | None = None,
        first_name: str = "Test",
    ) -> dict[str, Any]:
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name}
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        message = self._incoming(chat_id, from_user_id or chat_id, first_name, contact=contact)
        return {"update_id": self.next_update_id(), "message": message}

    def callback_update(
        self,
        chat_id: int,
        data: str,
        *,
        message_id: int = 1,
        user_id: int | None = None,
        first_name: str = "Test",
    ) -> dict[str, Any]:
        update_id = self.next_update_id()
        query = {
            "id": f"cb-{update_id}",
            "from": _user(user_id or chat_id, first_name),
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _private_chat(chat_id, first_name),
                "from": BOT_USER,
                "text": "…",
            },
            "chat_instance": str(chat_id),
            "data": data,
        }
        return {"update_id": update_id, "callback_query": query}

    def _incoming(self, chat_id: int, user_id: int, first_name: str, **content: Any) -> dict:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": _private_chat(chat_id, first_name),
            "from": _user(user_id, first_name),
            **content,
        }

    # -- the HTTP side ----------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        form = {**request.query, **(await request.post())}
        call = Call(method, {k: _decode(k, v) for k, v in form.items()})
        self.attempts.append(call)
        if request.match_info["token"] != TOKEN:
            return _error(401)
        answer = getattr(self, f"_api_{method}", None)
        if answer is None:
            return _error(404, "Not Found: method not found")
        if _chat(call.params) in self.blocked:
            return _error(403)
        if self.failures[method]:
            failure = self.failures[method].popleft()
            return _error(failure.error_code, failure.description, failure.retry_after)
        if len(call.params.get("text", "")) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        result = await answer(call.params)
        self.calls.append(call)
        return web.json_response({"ok": True, "result": result})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        return app

    async def _api_getMe(self, params: dict) -> dict:
        return {**BOT_USER, "can_join_groups": True, "supports_inline_queries": False}

    async def _api_sendMessage(self, params: dict) -> dict:
        return self._message(params, next(self._message_ids))

    async def _api_editMessageText(self, params: dict) -> dict | bool:
        return "inline_message_id" in params or self._message(params, int(params["message_id"]))

    async def _api_editMessageReplyMarkup(self, params: dict) -> dict | bool:
        return await self._api_editMessageText(params)

    async def _api_answerCallbackQuery(self, params: dict) -> bool:
        return True

    async def _api_setMyCommands(self, params: dict) -> bool:
        return True

    async def _api_setWebhook(self, params: dict) -> bool:
        self.webhook_url = params.get("url", "")
        return True

    async def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook_url = ""
        return True

    async def _api_getWebhookInfo(self, params: dict) -> dict:
        pending = 0 if self.webhook_url else len(self.updates)
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        """Like Telegram: updates stay queued until a later call confirms them with `offset`."""
        offset = int(params.get("offset", 0))
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates:
            self._queued.clear()
            wait = min(float(params.get("timeout", 0)), LONG_POLL_CAP)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queued.wait(), wait)
        return self.updates[: int(params.get("limit", 100))]

    def _message(self, params: dict, message_id: int) -> dict:
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": _private_chat(_chat(params)),
            "from": BOT_USER,
            "text": params.get("text", "…"),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:  # as Telegram does: only
            message["reply_markup"] = markup  # an inline keyboard comes back in the Message
        return message


def _chat(params: dict) -> int | str | None:
    chat_id = params.get("chat_id")
    try:
        return int(chat_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return chat_id  # "@channel" or absent


def _user(user_id: int, first_name: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name}


def _private_chat(chat_id: Any, first_name: str = "Test") -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": first_name}


def _decode(key: str, value: Any) -> Any:
    """aiogram JSON-encodes dicts and lists (reply_markup, entities, commands); undo that."""
    if isinstance(value, str) and key not in _TEXT_FIELDS and value[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _error(
    code: int, description: str | None = None, retry_after: int | None = None
) -> web.Response:
    if description is None:
        description = (
            f"Too Many Requests: retry after {retry_after}"
            if code == 429
            else _DESCRIPTIONS.get(code, "Error")
        )
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)
