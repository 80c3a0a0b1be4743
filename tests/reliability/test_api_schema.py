"""The API against its own OpenAPI document, fuzzed by schemathesis over real HTTP.

The document is read from the running app (`/api/v1/openapi.json`). For every operation,
schemathesis draws requests that follow the document (positive) and requests that break it
(negative) and sends them, with the bearer token, to the real app on 127.0.0.1. Every
response must be no server error, carry a status the document lists for that operation,
and match the schema the document gives for that status; schemathesis's other checks (the
token is enforced, unsupported methods get 405) run too. The cases it reads include one in
each state a debtor can bring about: open, with reminders and replies; awaiting_decision,
after a payment report. Among the judgments it posts is the contract's example, so that the
answers for a new case (201) and a known one (200) are checked too.

One check is left out: `positive_data_acceptance`, which wants every schema-valid judgment
accepted. The document cannot state every rule of the contract (a dialable phone number, a
real area code, the form of a case number, a due date not before the effective date), so a
schema-valid body may rightly get the 422 the document lists.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.helpers import AUTH, get_case, inbound_form, judgment, new_case, post_signed

schemathesis = pytest.importorskip(
    "schemathesis", reason="schemathesis is in the test extra: pip install -e '.[test]'"
)
from schemathesis.core.parameters import ParameterLocation  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    negative_data_rejection,
    positive_data_acceptance,
)

NEGATIVE = GenerationMode.NEGATIVE

EXAMPLES = 50  # per operation and generation mode
# The contract's example, as a new case: schema-valid bodies are rarely valid judgments.
VALID = judgment(datetime(2026, 11, 26, 9, tzinfo=UTC), case_number="（2024）浙0522民初1236号")
COURT = VALID["court"]["code"]  # a court the cases create: its texts answer 200 and 422
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # the cases are new on every run: replaying old ids finds nothing
)


async def _cases_in_every_state(client, clock, runtime) -> list[int]:
    """An open case whose day-0 reminder went out and whose debtor asked for help, and a case
    its debtor reported paid (awaiting_decision)."""
    open_case = await new_case(client, clock)
    other = judgment(clock.now(), case_number="（2024）浙0522民初1235号")
    other["obligors"][0]["phone"] = debtor = "+8613800138001"
    created = await client.post("/api/v1/judgments", json=other, headers=AUTH)
    awaiting_case = (await created.json())["case_id"]
    assert await runtime.services.dispatcher.run_once() == 2
    messages = [(None, "帮助")]
    messages += [(debtor, text) for text in ("5", "5000", "今天", "1", "ICBC 2026 0001", "1")]
    for n, (sender, text) in enumerate(messages):
        clock.advance(seconds=5)
        form = inbound_form(text, f"SM{n:032x}", *([sender] if sender else []))
        assert (await post_signed(client, "/twilio/sms", form)).status == 200
    assert (await get_case(client, open_case))["status"] == "open"
    assert (await get_case(client, awaiting_case))["status"] == "awaiting_decision"
    return [open_case, awaiting_case]


def _fuzz(schema: Any, base_url: str, case_ids: list[int]) -> Counter[tuple[str, str, int]]:
    """Runs every operation in both modes; returns how often each status came back."""
    seen: Counter[tuple[str, str, int]] = Counter()
    failures: list[str] = []
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = operation.as_strategy(generation_mode=mode)
                if "case_id" in operation.path and mode is GenerationMode.POSITIVE:
                    strategy = st.one_of(  # the known cases too, not only random ids (404)
                        strategy,
                        *(
                            operation.as_strategy(
                                generation_mode=mode, path_parameters={"case_id": i}
                            )
                            for i in case_ids
                        ),
                    )
                if "{court}" in operation.path and mode is GenerationMode.POSITIVE:
                    strategy = st.one_of(  # the example's court too, not only unknown ones
                        strategy,
                        operation.as_strategy(
                            generation_mode=mode, path_parameters={"court": COURT}
                        ),
                    )
                if operation.path == "/api/v1/judgments" and mode is GenerationMode.POSITIVE:
                    strategy = st.one_of(  # a valid judgment too: 201 once, then 200
                        strategy, operation.as_strategy(generation_mode=mode, body=VALID)
                    )
                key = (operation.label, mode.value)
                try:
                    _check(strategy, key, base_url, session, seen)
                except Exception as exc:  # keep going: one report for all operations
                    failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    return seen


def _check(
    strategy: st.SearchStrategy[Any],
    key: tuple[str, str],
    base_url: str,
    session: requests.Session,
    seen: Counter[tuple[str, str, int]],
) -> None:
    @FUZZ
    @given(case=strategy)
    def check(case: Any) -> None:
        # `requests` leaves out a query parameter whose value is None or []: the server sees
        # the request without it, so such a case is not the one drawn (a negative case that
        # adds a parameter `''` with `[]` would pass for accepted).
        assume(all(value not in (None, []) for value in (case.query or {}).values()))
        response = case.call(base_url=base_url, headers=AUTH, session=session, timeout=10)
        seen[(*key, response.status_code)] += 1
        excluded = [positive_data_acceptance]
        negative = {where for where, info in case.meta.components.items() if info.mode is NEGATIVE}
        if negative <= {ParameterLocation.HEADER}:
            # Only the Authorization header was broken, and AUTH put the right token back: the
            # request sent is a valid one (an operation with no required parameter gets 200).
            excluded.append(negative_data_rejection)
        case.validate_response(response, headers=AUTH, excluded_checks=excluded)

    check()


async def test_the_api_answers_as_its_openapi_document_says(client, clock, runtime) -> None:
    case_ids = await _cases_in_every_state(client, clock, runtime)
    spec = await (await client.get("/api/v1/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(spec)
    base_url = str(client.make_url("")).rstrip("/")

    started = time.monotonic()
    # schemathesis speaks `requests` (blocking): it runs in a thread while this loop serves.
    seen = await asyncio.to_thread(_fuzz, schema, base_url, case_ids)
    elapsed = time.monotonic() - started

    print(f"\nschemathesis: {sum(seen.values())} requests in {elapsed:.1f} s")
    for (label, mode, status), count in sorted(seen.items()):
        print(f"  {label} {mode}: HTTP {status} × {count}")
    statuses = {(label.split()[0], status) for label, _, status in seen}
    # Each kind of answer the document describes was met, so each schema was checked.
    expected = {("GET", 200), ("GET", 404), ("POST", 201), ("POST", 200), ("POST", 422)}
    assert expected <= statuses, statuses
    assert any(status == 401 for _, status in statuses), statuses  # negative auth, drawn
    assert not any(status >= 500 for _, _, status in seen)
