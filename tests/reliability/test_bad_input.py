"""Bad input through the real edges over HTTP: whatever arrives, the service answers without a
server error, and what it stores and logs stays sound.

- Signed inbound SMS with any text (emoji, NUL, CR/LF, control characters, bidi marks, digits
  int() cannot read, 1,600 characters, percent-encoded invalid UTF-8), from the debtor in and
  out of flows or from junk senders: 200 with TwiML that parses as XML, or 400 for a `From`
  no provider sends (empty, NUL, over 64 characters); the stored text holds no NUL. Raw
  invalid UTF-8 cannot be decoded, so no signature can be checked: 403.
- The longest flow (90 answers) keeps one flat history entry per answer.
- Signed status callbacks with junk status, error code and message id: 204 or 400.
- Judgments mutated from the contract's example (out-of-range numbers, NaN, huge integers,
  strings where objects go, deep nesting, any unicode, dates at the calendar's ends,
  missing and extra fields) and bodies that are no JSON object: 201, 200, 413 or 422, every
  422 names the field at fault, and no NUL reaches the database.
- Text with line ends and forged log prefixes never starts a log line of its own.

Hypothesis draws the inputs (bounded: `BOUNDED`); each test shares one app and one database
across its examples, SQLite and, where configured, PostgreSQL (which refuses NUL in text and
over-long strings where SQLite does not).
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.domain.filings import MAX_ASSET_ITEMS
from bot.domain.sms import fits
from bot.domain.texts import render
from bot.logging_setup import make_handler
from storage import tables as t
from tests.bot.domain import messy_text
from tests.helpers import (
    AUTH,
    DEBTOR,
    JUDGMENT,
    get_case,
    inbound_form,
    judgment,
    new_case,
    post_signed,
    twilio_signature,
)

BOUNDED = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
MAX_INBOUND = 1600  # Twilio's limit for one inbound message, and what the engine keeps
FORM = "application/x-www-form-urlencoded"


def _as_delivered(text: str) -> str:
    """What HTTP can carry: UTF-8, so lone surrogates become U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# Log lines forged inside user text: a line end, then what a real line of ours begins with.
FORGED = st.sampled_from(
    [
        "\n2026-11-26 10:00:00,000 INFO bot: approved",
        "\r\n2026-11-26 INFO bot: approved",
        "\r2026-11-26 10:00:00,000 WARNING handlers.sms.webhook: payment confirmed",
        "\n\n2026-11-26 10:00:00,000 ERROR root: case closed\n",
        "\u20282026-11-26 INFO bot: approved",  # a line separator, for splitlines()
        "\x85INFO bot: approved",
    ]
)
AWKWARD = st.sampled_from(
    [
        "\x00",
        "a\x00b",
        "\r\n3\r\n",
        "\u200f١٢\u200e",  # right-to-left and left-to-right marks around Arabic-Indic digits
        "\u202e1\u202c",
        "\ufeff确认",
        "😀" * 40,
        "👨\u200d👩\u200d👧",
        "é" * MAX_INBOUND,
        "万" * (MAX_INBOUND + 1),
        "\x00" * 3 + "1" * MAX_INBOUND,
        "<Response><Message>x</Message></Response>",
        "]]>&amp;<!--",
        "\x01\x08\x0b\x0c\x1b\x7f",  # control characters XML 1.0 cannot hold
        "\ud800",  # a lone surrogate: U+FFFD once it is UTF-8
        "²",  # digits that int() cannot read: superscript,
        "፩",  # Ethiopic (NFKC leaves it)
    ]
)
# Answers that move a debtor into the flows, so that replies quote the debtor's own words.
PLAUSIBLE = st.sampled_from(
    ["1", "2", "3", "4", "5", "6", "0", "1", "返回", "取消", "确认", "完成"]
)
# Openings that bring a flow to a step that takes the debtor's own words, which the next
# prompt or the read-back quotes back.
WALKS = st.sampled_from(
    [
        (),
        ("1",),  # assets: the category (a number) next
        ("2", "1"),  # hardship: the details next, then the read-back
        ("1", "1"),  # assets: a description next
        ("4", "2027-01-31"),  # grace: the reason next
        ("5", "5000", "今天", "1"),  # payment: the reference next
    ]
)
# Control characters inside words: XML 1.0 cannot hold most of them, even escaped.
CONTROLS = st.tuples(
    st.text(max_size=5), st.text(st.characters(categories=["Cc"]), min_size=1), st.text(max_size=5)
).map("".join)
TEXT = st.one_of(
    PLAUSIBLE,
    AWKWARD,
    CONTROLS,
    messy_text(),
    st.tuples(st.text(max_size=20), FORGED, st.text(max_size=20)).map("".join),
).map(_as_delivered)
JUNK_SENDERS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "+",
            "+86",
            "+8613800138000\r\n2026-11-26 INFO bot: approved",
            "+86 138 0013 8000",  # the debtor, written another way
            "tel:+8613800138000",
            "whatsapp:+8613800138000",
            "+" + "9" * 70,  # longer than any address: 400
            "１３８００１３８０００",
            "<script>alert(1)</script>",
            "'; DROP TABLE messages; --",
            "😀" * 30,
        ]
    ),
    st.text(max_size=70).map(_as_delivered),
)
SENDERS = st.one_of(st.just(DEBTOR), st.just(DEBTOR), JUNK_SENDERS)
# Bytes for a Body: percent-encoded they decode (invalid UTF-8 → U+FFFD); raw they do not.
INVALID_UTF8 = st.one_of(
    st.sampled_from([b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]),
    st.binary(min_size=1, max_size=40),
)


def _refused(value: str | None, limit: int = 64) -> bool:
    """A field no provider sends (empty, NUL, longer than its column): the webhook says 400."""
    return value is not None and (not value or "\x00" in value or len(value) > limit)


def _no_nul(text: str) -> str:
    """The engine's promise for stored text, stated independently: no NUL, 1,600 at most."""
    return text.replace("\x00", "")[:MAX_INBOUND]


def _assert_twiml(response_text: str) -> list[str]:
    """The answer parses as TwiML: a <Response> of <Message>s; returns their texts."""
    root = ET.fromstring(response_text)  # raises on anything that is not well-formed XML
    assert root.tag == "Response", response_text
    assert all(child.tag == "Message" for child in root), response_text
    return [child.text or "" for child in root]


def _raw_form(fields: list[tuple[str, bytes]]) -> bytes:
    """A urlencoded body written by hand, so that a value can carry any bytes."""
    return b"&".join(quote(k).encode() + b"=" + v for k, v in fields)


class TestInboundSms:
    @pytest.fixture
    async def case_id(self, client, clock) -> int:
        return await new_case(client, clock)

    @BOUNDED
    @given(walk=WALKS, sender=SENDERS, texts=st.lists(TEXT, min_size=1, max_size=4))
    async def test_any_text_from_anyone_gets_well_formed_twiml(
        self, client, clock, case_id: int, walk: tuple[str, ...], sender: str, texts: list[str]
    ) -> None:
        opening = ["取消", *walk] if walk else []  # out of whatever flow the last example left
        sent: dict[str, str] = {}
        for text in [*opening, *texts]:
            clock.advance(seconds=5)  # 12 a minute: under the flood limit of 20
            sid = f"SM{next(_SIDS):032x}"
            response = await post_signed(client, "/twilio/sms", inbound_form(text, sid, sender))
            if _refused(sender):
                assert response.status == 400, await response.text()
                continue
            assert response.status == 200, (response.status, await response.text())
            assert response.content_type == "application/xml"
            messages = _assert_twiml(await response.text())
            if sender == DEBTOR:
                assert messages, text  # the debtor always gets an answer
                sent[sid] = text
        if sent:
            case = await get_case(client, case_id)
            for sid, text in sent.items():
                stored = _inbound(case, sid)
                assert "\x00" not in stored
                assert stored == _no_nul(text)

    @BOUNDED
    @given(junk=INVALID_UTF8, sender=SENDERS)
    async def test_invalid_utf8_is_replaced_when_encoded_and_refused_when_raw(
        self, client, clock, case_id: int, junk: bytes, sender: str
    ) -> None:
        clock.advance(seconds=5)
        sid = f"SM{next(_SIDS):032x}"
        form = inbound_form("", sid, sender)
        fields = [(k, quote(v, safe="").encode()) for k, v in form.items() if k != "Body"]

        # Percent-encoded: the body decodes (bad bytes → U+FFFD), and Twilio signs the
        # decoded form, so we sign exactly that.
        body = _raw_form([*fields, ("Body", quote_from_bytes(junk, safe="").encode())])
        decoded = dict(parse_qsl(body.decode("ascii"), keep_blank_values=True))
        assert decoded["Body"] == junk.decode("utf-8", "replace")
        signature = twilio_signature("/twilio/sms", decoded)
        headers = {"Content-Type": FORM, "X-Twilio-Signature": signature}
        response = await client.post("/twilio/sms", data=body, headers=headers)
        if _refused(sender):
            assert response.status == 400
        else:
            assert response.status == 200, (response.status, await response.text())
            _assert_twiml(await response.text())
            if sender == DEBTOR:
                stored = _inbound(await get_case(client, case_id), sid)
                assert stored == _no_nul(decoded["Body"])

        # Raw: the form cannot be decoded, so no signature can be checked: refused, not a 5xx.
        raw = _raw_form([*fields, ("Body", junk)])
        if _decodes(raw):
            return  # these bytes happen to be valid UTF-8: nothing raw to refuse
        headers = {"Content-Type": FORM, "X-Twilio-Signature": signature}
        response = await client.post("/twilio/sms", data=raw, headers=headers)
        assert response.status == 403, (response.status, await response.text())

    @pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the engine's, not the DB's
    async def test_digits_int_cannot_read_are_wrong_answers_not_errors(
        self, client, clock, case_id: int
    ) -> None:
        """Superscript and other scripts' digits are digits to str.isdigit() but not to int():
        as the choice of a case or of an asset category they were a 500."""
        other = judgment(clock.now(), case_number="（2024）浙0522民初1235号")
        assert (await client.post("/api/v1/judgments", json=other, headers=AUTH)).status == 201
        odd = ["²", "፩", "᧚"]  # superscript, Ethiopic and New Tai Lue digits
        # Two open cases: "1" (assets) asks which case; once one is chosen, which category.
        # Choices read NFKC, where "²" is 2; the other two stay what they are.
        steps = [("1", None), *((d, "error.case") for d in odd[1:]), ("1", None)]
        steps += [*((d, "error.asset_category") for d in odd[1:]), ("²", "assets.description")]
        for text, error in steps:
            clock.advance(seconds=5)
            form = inbound_form(text, f"SM{next(_SIDS):032x}")
            response = await post_signed(client, "/twilio/sms", form)
            assert response.status == 200, (text, await response.text())
            [reply] = _assert_twiml(await response.text())
            if error:
                assert reply.startswith(render(error, "zh-CN")), (text, reply)

    @pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the engine's, not the DB's
    async def test_the_longest_flow_keeps_one_flat_history_entry_per_answer(
        self, client, clock, runtime, case_id: int
    ) -> None:
        """90 answers (the most assets one may declare) reach the read-back, and the stored
        state grows with them, not with their powers: nested, it doubled with every answer."""
        answers = ["1"] + ["2", "工商银行长兴支行储蓄存款", "5000"] * MAX_ASSET_ITEMS
        for n, text in enumerate(answers):
            clock.advance(seconds=5)
            response = await post_signed(
                client, "/twilio/sms", inbound_form(text, f"SM{next(_SIDS):032x}")
            )
            assert response.status == 200
            history = (
                (await _conversation(runtime.services.settings.database_url))["_history"]
                if n
                else []
            )
            assert len(history) == n
            assert not any("_history" in data for _, data in history)
        parts = _assert_twiml(await response.text())  # 30 items: the read-back comes in parts
        assert len(parts) > 1 and all(fits(part) for part in parts)
        assert parts[0].startswith(f"1/{len(parts)} " + render("confirm.ask", "zh-CN", summary=""))
        size = len(json.dumps(await _conversation(runtime.services.settings.database_url)))
        print(f"state after {len(answers)} answers: {size} characters")
        assert size < 400_000  # each entry holds that step's items: quadratic, ~190,000 here


_SIDS = itertools.count(1)


async def _conversation(database_url: str) -> dict[str, Any]:
    """The debtor's stored conversation data."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(
                select(t.Conversation.data).where(t.Conversation.address == DEBTOR)
            )
    finally:
        await engine.dispose()


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _inbound(case: dict[str, Any], sid: str) -> str:
    """The text the case's timeline shows for the inbound message `sid`."""
    [text] = [
        item["text"]
        for item in case["timeline"]
        if item["type"] == "message" and item["direction"] == "in" and item["provider_id"] == sid
    ]
    return text


# --- status callbacks ------------------------------------------------------------------------

JUNK_FIELD = st.one_of(
    st.sampled_from(
        [
            "",
            "\x00",
            "9" * 5000,  # more digits than int() converts
            "-1",
            "1e309",
            "NaN",
            "３０００５",  # full-width digits: int() reads them
            "30005\r\n2026-11-26 INFO bot: approved",
            "x" * 200,
        ]
    ),
    st.text(max_size=30).map(_as_delivered),
)
STATUSES = st.one_of(
    st.sampled_from(["queued", "sending", "sent", "delivered", "undelivered", "failed", "read"]),
    JUNK_FIELD,
)
ERROR_CODES = st.one_of(st.none(), st.sampled_from(["21610", "30005", "30003"]), JUNK_FIELD)


class TestStatusCallback:
    @pytest.fixture
    async def sent_sids(self, client, clock, runtime, fake_twilio) -> list[str]:
        """Two cases whose day-0 reminders went out: message ids Twilio knows."""
        await new_case(client, clock)
        other = judgment(clock.now(), case_number="（2024）浙0522民初1235号")
        other["obligors"][0]["phone"] = "+8613800138001"
        assert (await client.post("/api/v1/judgments", json=other, headers=AUTH)).status == 201
        assert await runtime.services.dispatcher.run_once() == 2
        return [m["Sid"] for m in fake_twilio.messages]

    @BOUNDED
    @given(data=st.data())
    async def test_junk_callbacks_get_no_server_error(
        self, client, sent_sids: list[str], data: st.DataObject
    ) -> None:
        sid = data.draw(st.one_of(st.sampled_from(sent_sids), JUNK_FIELD), label="MessageSid")
        status = data.draw(STATUSES, label="MessageStatus")
        code = data.draw(ERROR_CODES, label="ErrorCode")
        form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
        if code is not None:
            form["ErrorCode"] = code
        response = await post_signed(client, "/twilio/status", form)
        refused = _refused(sid) or _refused(status, 16) or _refused(code or None, 16)
        expected = 400 if refused else 204
        assert response.status == expected, (response.status, await response.text())


# --- judgments --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """JSON text written as it stands: what `json.dumps` will not write (1e309, huge ints)."""

    text: str


def to_json(value: Any) -> str:
    """JSON with `Raw` pieces verbatim; strings with lone surrogates as \\u escapes."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{to_json(str(k))}:{to_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=not _decodes_utf8(value))
    return json.dumps(value)  # numbers (NaN, Infinity included), booleans, null


def _decodes_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


RAW_NUMBERS = st.sampled_from(
    [
        "1e309",
        "-1e309",
        "NaN",
        "Infinity",
        "-Infinity",
        "-0",
        "-0.0",
        "0",
        "1e-400",
        "0.001",
        "130000.005",
        "123456789012345678901234567890",
        "-9223372036854775809",
        "9223372036854775808",
        "1" + "0" * 400,
        "9" * 5000,  # more digits than Python converts to an int by default
    ]
).map(Raw)
DEEP = st.sampled_from([10, 100, 1_000, 10_000, 100_000]).map(lambda n: Raw("[" * n + "]" * n))
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**70),
    st.floats(),
    st.text(max_size=30),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=5),  # surrogates too
    RAW_NUMBERS,
)
JUNK = st.one_of(
    SCALARS,
    DEEP,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=8), SCALARS, max_size=3),
)
# Unicode for string fields that stays a plausible value often enough to reach the database.
FIELD_TEXT = st.one_of(
    st.text(min_size=1, max_size=30),
    messy_text(),
    AWKWARD,
    st.tuples(st.text(max_size=10), FORGED).map("".join),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


PATHS = list(_paths(JUDGMENT))  # () is the whole body
STRING_PATHS = [p for p in PATHS if isinstance(_at(JUDGMENT, p), str)]
OBJECT_PATHS = [p for p in PATHS if isinstance(_at(JUDGMENT, p), dict)]

# Dates at the calendar's edges, impossible ones, and ones without a zone.
JUNK_DATES = st.sampled_from(
    [
        "0001-01-01T00:00:00+00:06",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-10:00",
        "9999-12-31T23:59:59+08:00",
        "9999-12-31",
        "0001-01-01",
        "2026-02-30",
        "2026-11-26T09:00:00",
        "2026-11-26T25:00:00+08:00",
        "2026-11-26T09:00:00+24:00",
        "2026-11-26T09:00:00.9999999999+08:00",
        "１９９９-01-01",
        "+2026-11-26",
        "1e309",
    ]
)
DATE_PATHS = [("effective_at",), ("performance_due",)]
# Fields any text up to a length is valid for: such mutations reach the database.
FREE_TEXT_PATHS = [p for p in STRING_PATHS if p[-1] in ("name", "obligations", "code")]
NUMBER_PATHS = [p for p in PATHS if p and p[-1] in ("telegram_chat_id", "amount_due")]
MUTATION = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(PATHS), JUNK),
    st.tuples(st.just("set"), st.sampled_from(NUMBER_PATHS), st.one_of(RAW_NUMBERS, SCALARS)),
    st.tuples(st.just("text"), st.sampled_from(STRING_PATHS), FIELD_TEXT),
    st.tuples(st.just("text"), st.sampled_from(DATE_PATHS), JUNK_DATES),
    st.tuples(st.just("text"), st.sampled_from(FREE_TEXT_PATHS), FIELD_TEXT),
    st.tuples(st.just("text"), st.sampled_from(FREE_TEXT_PATHS), FIELD_TEXT),
    st.tuples(st.just("drop"), st.sampled_from(PATHS[1:]), st.none()),
    st.tuples(
        st.just("extra"), st.sampled_from(OBJECT_PATHS), st.tuples(st.text(max_size=12), JUNK)
    ),
)


def mutate(mutations: list[tuple[str, tuple[Any, ...], Any]], serial: int = 1234) -> Any:
    """The contract's example (case number `serial`) with `mutations` applied; one whose path
    is gone is skipped."""
    body: Any = copy.deepcopy(JUDGMENT)
    body["case_number"] = f"（2024）浙0522民初{serial}号"
    for kind, path, value in mutations:
        if kind in ("set", "text") and not path:
            body = value
            continue
        try:
            parent = _at(body, path[:-1]) if path else body
            if kind == "extra":
                key, extra = value
                target = _at(body, path)
                if isinstance(target, dict):
                    target[key] = extra
            elif kind == "drop":
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced or removed this part
    return body


_SERIALS = itertools.count(2000)


async def _assert_judgment_answer(client, response) -> None:
    """201/200 show a case that reads back; 422 names each field at fault; 413 is too big."""
    assert response.status in (200, 201, 413, 422), (response.status, await response.text())
    if response.status == 422:
        errors = (await response.json())["errors"]
        assert errors and all(
            isinstance(e["field"], str) and e["field"] and isinstance(e["message"], str)
            for e in errors
        ), errors
    elif response.status in (200, 201):
        created = await response.json()
        case = await client.get(created["url"], headers=AUTH)
        assert case.status == 200, await case.text()
        assert (await case.json())["case_number"] == created["case_number"]


@BOUNDED
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3))
async def test_mutated_judgments_get_201_200_or_per_field_422(
    client, mutations: list[tuple[str, tuple[Any, ...], Any]]
) -> None:
    # A case number of its own (unless mutated), so that a valid body is stored: 201.
    body = to_json(mutate(mutations, next(_SERIALS))).encode("utf-8")
    headers = {**AUTH, "Content-Type": "application/json"}
    response = await client.post("/api/v1/judgments", data=body, headers=headers)
    event(f"HTTP {response.status}")  # --hypothesis-show-statistics shows how often each came
    await _assert_judgment_answer(client, response)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b"", "application/json", id="empty"),
        pytest.param(b"null", "application/json", id="null"),
        pytest.param(b"[]", "application/json", id="array"),
        pytest.param(b'"judgment"', "application/json", id="string"),
        pytest.param(b"1e309", "application/json", id="infinite-number"),
        pytest.param(b"9" * 5000, "application/json", id="huge-int"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, "application/json", id="deep-array"),
        pytest.param(b'{"case_number": "\xff\xfe"}', "application/json", id="invalid-utf8"),
        pytest.param(b'{"case_number": "\\ud800"}', "application/json", id="lone-surrogate"),
        pytest.param(b"{}", "application/json; charset=no-such-charset", id="unknown-charset"),
        pytest.param(b"{}", "text/plain", id="not-json-type"),
        pytest.param(b"{" + b" " * 300_000 + b"}", "application/json", id="over-256KiB"),
    ],
)
async def test_bodies_that_are_no_judgment_get_422_or_413(
    client, body: bytes, content_type: str
) -> None:
    headers = {**AUTH, "Content-Type": content_type}
    response = await client.post("/api/v1/judgments", data=body, headers=headers)
    await _assert_judgment_answer(client, response)
    assert response.status in (413, 422)


async def test_nul_and_lone_surrogates_never_reach_the_database(client) -> None:
    """PostgreSQL refuses NUL in text, and UTF-8 has no lone surrogates; JSON can write both
    (`\\u0000`, `\\ud800`), in any string field. Free text with them is refused by name; a
    phone or a date may still parse without them."""
    for path, junk in itertools.product(STRING_PATHS, ["\x00", "\ud800"]):
        body = mutate([], next(_SERIALS))
        value = _at(body, path)
        _at(body, path[:-1])[path[-1]] = value[:2] + junk + value[2:]
        headers = {**AUTH, "Content-Type": "application/json"}
        response = await client.post("/api/v1/judgments", data=to_json(body), headers=headers)
        await _assert_judgment_answer(client, response)
        field = ".".join(map(str, path))
        if path in FREE_TEXT_PATHS:
            assert response.status == 422, (field, response.status)
            assert field in {e["field"] for e in (await response.json())["errors"]}
        if response.status == 201:
            case = await (await client.get((await response.json())["url"], headers=AUTH)).text()
            assert "\\u0000" not in case and "\x00" not in case, field


# --- log injection ----------------------------------------------------------------------------

# A real line: "2026-11-26 10:00:00,123 INFO handlers.sms.webhook: …" (bot.logging_setup.FORMAT).
REAL_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: "
)


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    """Everything logged during the test, through the service's own handler."""
    buffer = io.StringIO()
    handler = make_handler(buffer)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)


def _forged_lines(log: str) -> list[str]:
    # str.splitlines() also splits on U+2028, U+0085 and the like, as many log viewers do.
    return [line for line in log.splitlines() if not REAL_LINE.match(line)]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the log, not the database
@settings(BOUNDED, max_examples=50)
@given(prefix=st.text(max_size=10).map(_as_delivered), forged=FORGED)
async def test_user_text_never_forges_a_log_line(
    client, clock, runtime, service_log: io.StringIO, prefix: str, forged: str
) -> None:
    text = prefix + forged
    clock.advance(seconds=5)
    for sender in (DEBTOR, text, DEBTOR + forged):
        form = inbound_form(text, f"SM{next(_SIDS):032x}", sender)
        await post_signed(client, "/twilio/sms", form)
        await post_signed(client, "/twilio/sms", form, signature="forged")  # logs a warning
    sid = form["MessageSid"]
    await post_signed(client, "/twilio/status", {"MessageSid": text, "MessageStatus": text})
    await post_signed(
        client,
        "/twilio/status",
        {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "30005" + forged},
    )
    body = judgment(clock.now(), case_number=text, obligations=text)
    body["obligors"][0]["name"] = text
    await client.post("/api/v1/judgments", json=body, headers=AUTH)
    await runtime.services.dispatcher.run_once()
    encoded = quote(text, safe="")  # in the path and query, which the access log writes
    await client.post(f"/twilio/sms{encoded}?q={encoded}", data=form)
    await client.get(f"/api/v1/cases/{encoded}", headers=AUTH)

    log = service_log.getvalue()
    assert "bad signature" in log  # the rejected webhooks were logged: the check has lines
    assert not _forged_lines(log), _forged_lines(log)[:5]


def test_strategies_reach_what_they_claim() -> None:
    """The serializer writes what json.dumps will not, and the paths cover nested fields."""
    assert to_json({"a": Raw("1e309"), "b": [Raw("NaN")], "c": "\ud800"}) == (
        '{"a":1e309,"b":[NaN],"c":"\\ud800"}'
    )
    assert math.isinf(json.loads(to_json(Raw("1e309"))))
    assert ("obligors", 0, "phone") in STRING_PATHS and ("court",) in OBJECT_PATHS
    assert mutate([("drop", ("court",), None), ("set", ("court", "code"), 1)]).get("court") is None
