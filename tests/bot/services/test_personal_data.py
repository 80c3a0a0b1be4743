"""Personal data at rest: ID numbers encrypted and found by a keyed hash; retention erases a
closed case's personal data after the configured days, and nothing before."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.domain.status import CaseStatus
from bot.pii import DataKeyError, PersonalDataKey
from ducu.bootstrap import build
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.helpers import DEBTOR, case_json, judgment

ID_NUMBER = "33052219800101123X"


def _database_bytes(url: str) -> bytes:
    """The SQLite file as stored on disk (after the runtime has closed its connections)."""
    return Path(make_url(url).database).read_bytes()


def _body(clock: FakeClock, **obligor: object) -> dict:
    body = judgment(clock.now())
    body["obligors"][0].update(obligor)
    return body


async def test_an_id_number_is_stored_encrypted_and_found_by_its_keyed_hash(
    sqlite_url: str, clock: FakeClock
) -> None:
    key = PersonalDataKey.generate()
    runtime = await build(make_settings(sqlite_url, None, DUCU_DATA_KEY=key), clock=clock)
    try:
        services = runtime.services
        await services.judgments.register(
            services.judgments.parse(_body(clock, id_number=ID_NUMBER.lower()))
        )
        vault = PersonalDataKey(key)
        engine = make_engine(sqlite_url)
        async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
            found = await uow.obligors.by_id_number_hash(vault.lookup_hash(ID_NUMBER))
            assert found is not None and found.name == "林某"
            sealed = await uow.obligors.id_number_encrypted(found.id)
        await engine.dispose()
        assert sealed and ID_NUMBER not in sealed
        assert vault.decrypt(sealed) == ID_NUMBER
        other = PersonalDataKey(PersonalDataKey.generate())
        assert other.lookup_hash(ID_NUMBER) != vault.lookup_hash(ID_NUMBER)
        with pytest.raises(DataKeyError):
            other.decrypt(sealed)
        view = await case_json(services, 1)
        assert ID_NUMBER not in str(view) and ID_NUMBER.lower() not in str(view)
    finally:
        await runtime.close()
    raw = _database_bytes(sqlite_url)
    for spelling in (ID_NUMBER, ID_NUMBER.lower()):
        assert spelling.encode() not in raw, "the ID number is in the database file in clear"


async def test_without_a_data_key_an_id_number_is_not_stored_at_all(
    sqlite_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = await build(make_settings(sqlite_url, None), clock=clock)
    try:
        services = runtime.services
        await services.judgments.register(
            services.judgments.parse(_body(clock, id_number=ID_NUMBER))
        )
    finally:
        await runtime.close()
    assert "DUCU_DATA_KEY is not set" in caplog.text and ID_NUMBER not in caplog.text
    raw = _database_bytes(sqlite_url)
    assert ID_NUMBER.encode() not in raw


def test_a_bad_data_key_is_refused_with_how_to_make_one() -> None:
    with pytest.raises(DataKeyError, match=r"Fernet\.generate_key"):
        PersonalDataKey("not-a-key")


async def test_retention_erases_a_closed_cases_personal_data_after_n_days_only(
    sqlite_url: str, clock: FakeClock
) -> None:
    runtime = await build(make_settings(sqlite_url, None, DUCU_RETENTION_DAYS=30), clock=clock)
    services = runtime.services
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    try:
        closed = await services.judgments.register(services.judgments.parse(_body(clock)))
        still_open = await services.judgments.register(
            services.judgments.parse(judgment(clock.now(), case_number="（2024）浙0522民初1235号"))
        )
        assert await services.dispatcher.run_once() == 2  # day 0 of both, to the same debtor
        # Stands in for the judge's confirmation of performance (a later issue's service).
        async with SqlUnitOfWork(sessions) as uow:
            await uow.cases.set_status(
                closed.case_id, CaseStatus.OPEN, CaseStatus.PERFORMED, clock.now()
            )
            await uow.commit()

        clock.advance(days=29)
        assert await services.retention.purge() == 0
        clock.advance(days=2)
        assert await services.retention.purge() == 1
        assert await services.retention.purge() == 0  # done once

        case = await case_json(services, closed.case_id)
        messages = [i for i in case["timeline"] if i["type"] == "message"]
        assert messages and all(m["text"] == "(erased)" for m in messages)
        assert case["amount_due"] == "130000.00" and case["status"] == "performed"
        first_event = next(e["kind"] for e in case["timeline"] if e["type"] == "event")
        assert first_event == "judgment_received"
        # The debtor still has a live case: name and number stay, and so do its messages.
        live = await case_json(services, still_open.case_id)
        assert live["obligors"][0]["name"] == "林某"
        assert live["obligors"][0]["contacts"][0]["address"] == DEBTOR
        assert any(i["type"] == "message" and i["text"] != "(erased)" for i in live["timeline"])

        # Once that case closes and ages too, the debtor's own data goes.
        async with SqlUnitOfWork(sessions) as uow:
            await uow.cases.set_status(
                still_open.case_id, CaseStatus.OPEN, CaseStatus.CLOSED, clock.now()
            )
            await uow.commit()
        clock.advance(days=31)
        assert await services.retention.purge() == 1
        gone = await case_json(services, still_open.case_id)
        assert gone["obligors"][0]["name"] == "(erased)"
        assert gone["obligors"][0]["contacts"][0]["address"].startswith("(erased)")
    finally:
        await runtime.close()
        await engine.dispose()


async def test_retention_off_keeps_everything(sqlite_url: str, clock: FakeClock) -> None:
    runtime = await build(make_settings(sqlite_url, None), clock=clock)
    try:
        assert runtime.services.settings.retention_days == 0
        clock.advance(days=3650)
        assert await runtime.services.retention.purge() == 0
    finally:
        await runtime.close()
