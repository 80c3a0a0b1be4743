"""Liveness and Prometheus metrics, over real HTTP and without the API token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pytest_aiohttp import AiohttpClient

from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.handlers.test_api import answer
from tests.helpers import AUTH, judgment

Sample = tuple[str, tuple[tuple[str, str], ...]]
CREATED: Sample = ("ducu_judgments_total", (("result", "created"),))
DUPLICATE: Sample = ("ducu_judgments_total", (("result", "duplicate"),))
SENT: Sample = ("ducu_messages_sent_total", (("channel", "sms"), ("result", "accepted")))


def samples(text: str) -> dict[Sample, float]:
    """Prometheus text → {(sample name, sorted labels): value}; fails if it does not parse."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
async def runtime(
    sqlite_url: str, fake_twilio: FakeTwilio, clock: FakeClock
) -> AsyncIterator[Runtime]:
    runtime = await build(make_settings(sqlite_url, fake_twilio), clock=clock)
    yield runtime
    await runtime.close()


@pytest.fixture
async def client(runtime: Runtime, aiohttp_client: AiohttpClient) -> TestClient:
    return await aiohttp_client(runtime.web_app())


async def test_healthz_answers_ok(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_metrics_count_judgments_and_sent_messages(
    client: TestClient, runtime: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    before = await client.get("/metrics")
    assert before.status == 200
    assert before.content_type == "text/plain"
    text = await before.text()
    assert "# TYPE ducu_judgments_total counter" in text
    assert CREATED not in samples(text)

    body = judgment(clock.now())
    for status in (201, 200):
        response = await client.post("/api/v1/judgments", json=body, headers=AUTH)
        assert response.status == status
        await answer(response)
    after_post = samples(await (await client.get("/metrics")).text())
    assert after_post[CREATED] == 1.0
    assert after_post[DUPLICATE] == 1.0
    assert SENT not in after_post

    assert await runtime.services.dispatcher.run_once() == 1
    assert len(fake_twilio.messages) == 1
    after_send = samples(await (await client.get("/metrics")).text())
    assert after_send[SENT] == 1.0
    assert after_send[("ducu_send_seconds_count", (("channel", "sms"),))] == 1.0
