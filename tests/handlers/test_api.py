"""The court system's API over real HTTP: bearer auth, idempotent judgments, per-field 422s,
size limits, and every answer checked against the OpenAPI document the API serves."""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from ducu.bootstrap import Runtime, build
from handlers.api.openapi import spec
from tests.conftest import API_TOKEN, make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.helpers import AUTH, judgment

SPEC = spec()
CASE_NUMBER = "（2024）浙0522民初1234号"
ASCII_CASE_NUMBER = "(2024)浙0522民初1234号"


# --- a small validator for the subset of JSON Schema the spec's responses use ----------------
# (`jsonschema` is not a dependency of the project; an unknown keyword fails loudly rather than
# passing silently.)
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_IGNORED = {"description", "title", "examples", "format", "default", "discriminator"}


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = SPEC
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def schema_errors(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    """Where `value` breaks `schema` (empty when it conforms)."""
    if "$ref" in schema:
        return schema_errors(value, _resolve(schema["$ref"]), where)
    known = {
        "type",
        "required",
        "properties",
        "items",
        "enum",
        "minimum",
        "const",
        "anyOf",
        "oneOf",
    }
    unknown = set(schema) - _IGNORED - known - {"additionalProperties"}
    assert not unknown, f"the test's validator does not know {unknown} (at {where})"
    assert schema.get("additionalProperties", True) is True, f"closed objects: unknown ({where})"
    if options := schema.get("anyOf") or schema.get("oneOf"):
        fits = sum(not schema_errors(value, option, where) for option in options)
        if fits == 0 or ("oneOf" in schema and fits > 1):
            return [f"{where}: {value!r} fits {fits} of the alternatives"]
    if "type" in schema:
        expected = _TYPES[schema["type"]]
        is_bool = isinstance(value, bool)
        if not isinstance(value, expected) or (is_bool and schema["type"] != "boolean"):
            return [f"{where}: {value!r} is not of type {schema['type']}"]
    errors = []
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in {schema['enum']}")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{where}: {value!r} < {schema['minimum']}")
    if isinstance(value, dict):
        errors += [
            f"{where}: lacks {key!r}" for key in schema.get("required", ()) if key not in value
        ]
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                errors += schema_errors(value[key], sub, f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{where}[{i}]")
    return errors


def _operation(method: str, path: str) -> dict[str, Any] | None:
    for template, item in SPEC["paths"].items():
        pattern = re.sub(r"\{[^}]+\}", r"[0-9]+", template)
        if re.fullmatch(pattern, path) and method.lower() in item:
            return item[method.lower()]
    return None


async def answer(response: ClientResponse) -> Any:
    """The JSON body (or None), after checking the response against the spec."""
    method, path = response.method, response.url.path
    body: Any = None
    if response.content_type == "application/json":
        body = await response.json()
    operation = _operation(method, path)
    if operation is None:  # outside the spec: only a 404 for a path it does not describe
        assert response.status == 404, (method, path, response.status)
        return body
    declared = operation["responses"].get(str(response.status))
    assert declared is not None, f"{method} {path}: status {response.status} is not in the spec"
    if "content" in declared:
        schema = declared["content"]["application/json"]["schema"]
        assert response.content_type == "application/json"
        assert schema_errors(body, schema) == []
    return body


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
async def api(
    sqlite_url: str, fake_twilio: FakeTwilio, clock: FakeClock, aiohttp_client: AiohttpClient
) -> AsyncIterator[TestClient]:
    """The real app on a SQLite file (most API rules do not depend on the database)."""
    runtime = await build(make_settings(sqlite_url, fake_twilio), clock=clock)
    yield await aiohttp_client(runtime.web_app())
    await runtime.close()


@pytest.fixture
async def runtime_without_token(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    runtime = await build(make_settings(sqlite_url, None, DUCU_API_TOKEN=""), clock=clock)
    yield runtime
    await runtime.close()


# --- authentication --------------------------------------------------------------------------

BAD_CREDENTIALS = {
    "no header": ({}, ""),
    "wrong token": ({"Authorization": "Bearer not-the-token"}, ""),
    "empty bearer": ({"Authorization": "Bearer "}, ""),
    "bare scheme": ({"Authorization": "Bearer"}, ""),
    "token without scheme": ({"Authorization": API_TOKEN}, ""),
    "basic scheme": ({"Authorization": f"Basic {API_TOKEN}"}, ""),
    "token with a suffix": ({"Authorization": f"Bearer {API_TOKEN}x"}, ""),
    "query access_token": ({}, f"?access_token={API_TOKEN}"),
    "query token": ({}, f"?token={API_TOKEN}"),
}


@pytest.mark.parametrize("headers, query", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
async def test_requests_without_a_valid_bearer_token_get_401(
    api: TestClient, clock: FakeClock, headers: dict[str, str], query: str
) -> None:
    posted = await api.post(
        "/api/v1/judgments" + query, json=judgment(clock.now()), headers=headers
    )
    fetched = await api.get("/api/v1/cases/1" + query, headers=headers)
    unknown = await api.get("/api/v1/no-such-route" + query, headers=headers)
    for response in (posted, fetched, unknown):
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    await answer(posted)
    await answer(fetched)
    # nothing was stored by the rejected POST
    assert (await api.get("/api/v1/cases/1", headers=AUTH)).status == 404


async def test_bearer_scheme_is_case_insensitive(api: TestClient, clock: FakeClock) -> None:
    """RFC 7235: the auth scheme name is case-insensitive; the token itself is not."""
    ok = await api.post(
        "/api/v1/judgments",
        json=judgment(clock.now()),
        headers={"Authorization": f"bearer {API_TOKEN}"},
    )
    assert ok.status == 201
    upper = await api.get(
        "/api/v1/cases/1", headers={"Authorization": f"Bearer {API_TOKEN.upper()}"}
    )
    assert upper.status == 401


async def test_openapi_document_is_public(api: TestClient) -> None:
    response = await api.get("/api/v1/openapi.json")
    assert response.status == 200
    assert await response.json() == json.loads(json.dumps(SPEC))


async def test_without_a_configured_token_the_api_refuses_everything(
    runtime_without_token: Runtime, aiohttp_client: AiohttpClient, clock: FakeClock
) -> None:
    client = await aiohttp_client(runtime_without_token.web_app())
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer"}, AUTH):
        posted = await client.post("/api/v1/judgments", json=judgment(clock.now()), headers=headers)
        fetched = await client.get("/api/v1/cases/1", headers=headers)
        assert (posted.status, fetched.status) == (401, 401), headers
        assert "WWW-Authenticate" in posted.headers
    assert (await client.get("/api/v1/openapi.json")).status == 200


# --- registering judgments -------------------------------------------------------------------


async def test_same_case_number_again_changes_nothing(api: TestClient, clock: FakeClock) -> None:
    body = judgment(clock.now())
    first = await api.post("/api/v1/judgments", json=body, headers=AUTH)
    assert first.status == 201
    created = await answer(first)
    assert created == {
        "case_id": created["case_id"],
        "case_number": CASE_NUMBER,
        "created": True,
        "url": f"/api/v1/cases/{created['case_id']}",
    }

    again = await api.post("/api/v1/judgments", json=body, headers=AUTH)
    ascii_body = judgment(clock.now(), case_number=ASCII_CASE_NUMBER)
    ascii_again = await api.post("/api/v1/judgments", json=ascii_body, headers=AUTH)
    for response in (again, ascii_again):
        assert response.status == 200
        repeated = await answer(response)
        assert repeated["case_id"] == created["case_id"]
        assert repeated["created"] is False
        assert repeated["case_number"] == CASE_NUMBER

    case = await answer(await api.get(created["url"], headers=AUTH))
    assert case["id"] == created["case_id"]
    assert case["case_number"] == CASE_NUMBER
    assert len(case["reminders"]) == 4
    events = [item["kind"] for item in case["timeline"] if item["type"] == "event"]
    assert events == ["judgment_received"]
    assert [o["name"] for o in case["obligors"]] == ["林某"]


async def test_concurrent_identical_judgments_make_one_case(
    client: TestClient, clock: FakeClock
) -> None:
    body = judgment(clock.now())
    responses = await asyncio.gather(
        *(client.post("/api/v1/judgments", json=body, headers=AUTH) for _ in range(5))
    )
    statuses = sorted(r.status for r in responses)
    assert statuses == [200, 200, 200, 200, 201]
    bodies = [await answer(r) for r in responses]
    [case_id] = {b["case_id"] for b in bodies}
    assert sum(b["created"] for b in bodies) == 1

    case = await answer(await client.get(f"/api/v1/cases/{case_id}", headers=AUTH))
    assert len(case["reminders"]) == 4
    events = [item["kind"] for item in case["timeline"] if item["type"] == "event"]
    assert events == ["judgment_received"]
    metrics = await (await client.get("/metrics")).text()
    assert 'ducu_judgments_total{result="created"} 1.0' in metrics
    assert 'ducu_judgments_total{result="duplicate"} 4.0' in metrics


def _with(path: str, value: Any) -> dict[str, Any]:
    """The example judgment with one field (dotted path) replaced, or removed for `...`."""
    body = judgment(FakeClock().now())
    *parents, last = path.split(".")
    node: Any = body
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return body


INVALID: dict[str, tuple[Any, set[str]]] = {
    "bad case number": (_with("case_number", "2024浙0522民初1234"), {"case_number"}),
    "bad obligor phone": (_with("obligors.0.phone", "12345"), {"obligors.0.phone"}),
    "bad judge phone": (_with("judge.phone", "+86 100"), {"judge.phone"}),
    "amount zero": (_with("amount_due", "0"), {"amount_due"}),
    "amount negative": (_with("amount_due", "-130000.00"), {"amount_due"}),
    "amount text": (_with("amount_due", "十三万元"), {"amount_due"}),
    "amount with fractions of a fen": (_with("amount_due", "1.001"), {"amount_due"}),
    "naive effective_at": (_with("effective_at", "2026-11-26T09:00:00"), {"effective_at"}),
    "due before effective": (_with("performance_due", "2026-11-20"), {"performance_due"}),
    "missing case number": (_with("case_number", ...), {"case_number"}),
    "missing judge": (_with("judge", ...), {"judge"}),
    "missing obligor name": (_with("obligors.0.name", ...), {"obligors.0.name"}),
    "unknown field": ({**judgment(FakeClock().now()), "colour": "red"}, {"colour"}),
    "unknown nested field": (_with("court.fax", "0572-1234567"), {"court.fax"}),
    "json array": ([judgment(FakeClock().now())], {"body"}),
    "json string": ("judgment", {"body"}),
    "empty obligors": (_with("obligors", []), {"obligors"}),
    "bad area code": (_with("obligors.0.area_code", "33052210220"), {"obligors.0.area_code"}),
    "currency USD": (_with("currency", "USD"), {"currency"}),
    "same phone twice": (
        _with("obligors", [judgment(FakeClock().now())["obligors"][0]] * 2),
        {"obligors"},
    ),
}
REQUIRED = {
    "case_number",
    "court",
    "judge",
    "obligors",
    "amount_due",
    "obligations",
    "effective_at",
    "performance_due",
}


@pytest.mark.parametrize("body, fields", INVALID.values(), ids=INVALID.keys())
async def test_invalid_judgment_gets_422_naming_the_field(
    api: TestClient, clock: FakeClock, body: Any, fields: set[str]
) -> None:
    response = await api.post("/api/v1/judgments", json=body, headers=AUTH)
    assert response.status == 422
    errors = (await answer(response))["errors"]
    assert {e["field"] for e in errors} == fields
    assert all(e["message"] for e in errors)
    await _nothing_was_stored(api, clock)


@pytest.mark.parametrize(
    "raw", [b"{not json", b"", b'{"case_number": "\xff\xfe"}'], ids=["broken", "empty", "not utf-8"]
)
async def test_a_body_that_is_not_json_gets_422(
    api: TestClient, clock: FakeClock, raw: bytes
) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    response = await api.post("/api/v1/judgments", data=raw, headers=headers)
    assert response.status == 422
    assert (await answer(response))["errors"] == [
        {"field": "body", "message": "the body must be JSON"}
    ]
    await _nothing_was_stored(api, clock)


async def test_an_empty_object_lists_every_required_field(
    api: TestClient, clock: FakeClock
) -> None:
    response = await api.post("/api/v1/judgments", json={}, headers=AUTH)
    assert response.status == 422
    assert {e["field"] for e in (await answer(response))["errors"]} == REQUIRED
    await _nothing_was_stored(api, clock)


async def test_several_bad_fields_are_all_listed(api: TestClient, clock: FakeClock) -> None:
    body = judgment(clock.now(), case_number="浙0522民初1234", amount_due="0", currency="USD")
    body["obligors"][0]["phone"] = "12345"
    body["obligors"][0]["area_code"] = "3305"
    response = await api.post("/api/v1/judgments", json=body, headers=AUTH)
    assert response.status == 422
    fields = [e["field"] for e in (await answer(response))["errors"]]
    assert sorted(fields) == sorted(
        ["case_number", "amount_due", "currency", "obligors.0.phone", "obligors.0.area_code"]
    )
    await _nothing_was_stored(api, clock)


async def _nothing_was_stored(api: TestClient, clock: FakeClock) -> None:
    """After rejected requests, the first valid judgment is the first case."""
    assert (await api.get("/api/v1/cases/1", headers=AUTH)).status == 404
    response = await api.post("/api/v1/judgments", json=judgment(clock.now()), headers=AUTH)
    assert response.status == 201
    assert (await answer(response))["case_id"] == 1


# --- limits and unknown cases ----------------------------------------------------------------


async def test_a_body_over_256_kib_gets_413(api: TestClient, clock: FakeClock) -> None:
    body = judgment(clock.now(), obligations="款" * (90 * 1024))  # ~270 KiB of UTF-8
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert len(raw) > 256 * 1024
    response = await api.post(
        "/api/v1/judgments", data=raw, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status == 413
    await answer(response)
    await _nothing_was_stored(api, clock)


async def test_a_body_just_under_the_limit_is_read(api: TestClient, clock: FakeClock) -> None:
    """The limit is 256 KiB, not lower: a large body is parsed (and here fails on length)."""
    body = judgment(clock.now(), obligations="款" * (80 * 1024))
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert 240 * 1024 < len(raw) < 256 * 1024
    response = await api.post(
        "/api/v1/judgments", data=raw, headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status == 422
    assert [e["field"] for e in (await answer(response))["errors"]] == ["obligations"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/999",
        "/api/v1/cases/abc",
        "/api/v1/cases/-1",
        "/api/v1/nothing-here",  # no route at all: aiohttp's own 404, in JSON too
        "/api/v1/admin/templates/%0A/en/reminder.day0",  # a newline no route matches
    ],
)
async def test_an_unknown_case_or_path_is_a_json_404(api: TestClient, path: str) -> None:
    response = await api.get(path, headers=AUTH)
    assert response.content_type == "application/json"
    assert response.status == 404
    await answer(response)


# --- the OpenAPI document --------------------------------------------------------------------


def test_openapi_document_describes_both_routes() -> None:
    assert SPEC["openapi"].startswith("3.")
    post = SPEC["paths"]["/api/v1/judgments"]["post"]
    get = SPEC["paths"]["/api/v1/cases/{case_id}"]["get"]
    assert {"200", "201", "401", "413", "422"} <= set(post["responses"])
    assert {"200", "401", "404"} <= set(get["responses"])
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Judgment"
    }
    assert SPEC["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}

    schema = SPEC["components"]["schemas"]["Judgment"]
    assert set(schema["required"]) == REQUIRED
    assert schema["additionalProperties"] is False
    obligor = _resolve(schema["properties"]["obligors"]["items"]["$ref"])
    assert {"name", "phone", "area_code"} <= set(obligor["required"])


def test_the_openapi_document_names_every_case_and_filing_status() -> None:
    """The names of the contract (DESIGN.md, "Staff actions"), in its order."""
    schemas = SPEC["components"]["schemas"]
    assert schemas["CaseStatus"]["enum"] == [
        *("open", "awaiting_decision", "grace", "plan"),
        *("performed", "exited", "referred", "closed"),
    ]
    filing = schemas["FilingView"]["properties"]
    assert _resolve(filing["status"]["$ref"])["enum"] == [
        *("filed", "in_review", "accepted", "rejected"),
        *("countered", "withdrawn", "superseded"),
    ]
    decision = _resolve(filing["decisions"]["items"]["$ref"])
    assert {"user_id", "at", "reason"} <= set(decision["properties"])  # who, when, why


def test_every_reference_in_the_openapi_document_resolves() -> None:
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if "$ref" in node else []
            return own + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    found = refs(SPEC)
    assert len(found) > 5
    for ref in found:
        assert isinstance(_resolve(ref), dict), ref


def test_the_schema_validator_catches_what_it_should() -> None:
    """Sanity check of the test's own validator: it catches a wrong type and a missing key."""
    registered = {"$ref": "#/components/schemas/Registered"}
    good = {"case_id": 1, "case_number": CASE_NUMBER, "created": True, "url": "/api/v1/cases/1"}
    assert schema_errors(good, registered) == []
    assert schema_errors({**good, "case_id": "1"}, registered) != []
    assert schema_errors({**good, "created": 1}, registered) != []
    assert schema_errors({k: v for k, v in good.items() if k != "url"}, registered) != []
    bad_case = copy.deepcopy(good) | {"status": "gone"}
    assert schema_errors(bad_case, {"$ref": "#/components/schemas/Case"}) != []
