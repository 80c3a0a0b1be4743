"""PostgreSQL stopped (fast: every connection cut) and started again while a `ducu worker`
dispatches: the worker rides the outage out without a restart of its own and every reminder is
delivered. The only repeats are sends that were in flight when the server went away: accepted
by Twilio, not yet recorded, so their lease brought them back."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
from collections import Counter
from pathlib import Path

import pytest

from storage.migrate import upgrade
from tests.pg import scratch_database
from tests.reliability.conftest import (
    CountingTwilio,
    Workers,
    delivered,
    duplicates,
    first_reminders,
    register_judgments,
    wait_until,
    worker_env,
)

# A server of its own: stopping the shared test server would cut the other tests running
# beside this one (the suite runs on several cores).
SERVER = os.environ.get("DUCU_TEST_PG_RESTART_URL", "")
PG_CTL = os.environ.get("DUCU_TEST_PG_CTL", "")
NO_SERVER = (
    "DUCU_TEST_PG_RESTART_URL and DUCU_TEST_PG_CTL are not set: no PostgreSQL server this test "
    "may stop and start (CI starts one; see .ci/run)"
)
REMINDERS = 150
RESTART_AFTER = 40  # messages the fake receives before the restart
OUTAGE_S = 1.5  # the server stays down longer than a claim interval and a batch's tail
PG_CTL_WAIT_S = 60.0
DRAIN_WAIT_S = 40.0

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not (SERVER and PG_CTL), reason=NO_SERVER),
]


async def pg_ctl(log: Path, *args: str) -> int:
    """Runs `$DUCU_TEST_PG_CTL args…` without blocking the loop the fake Twilio answers on."""
    with log.open("ab") as out:  # a file, not a pipe: a started server must not hold our pipe
        process = await asyncio.create_subprocess_exec(
            *shlex.split(PG_CTL), *args, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out
        )
        async with asyncio.timeout(PG_CTL_WAIT_S):
            return await process.wait()


async def test_worker_survives_a_postgres_restart_mid_dispatch(
    twilio: CountingTwilio, workers: Workers, tmp_path: Path
) -> None:
    log = tmp_path / "pg_ctl.log"
    async with scratch_database("ducu_restart", server=SERVER) as url:
        upgrade(url)  # what `ducu db upgrade` does; the worker then finds nothing pending
        await register_judgments(url, REMINDERS)
        twilio.accept_delay = 0.005
        workers.env = worker_env(url, twilio)
        worker = workers.start()
        try:
            await wait_until(
                lambda: len(twilio.messages) >= RESTART_AFTER, DRAIN_WAIT_S, "the first messages"
            )
            recorded = await first_reminders(url)  # just before the server goes away
            loop = asyncio.get_running_loop()
            began = loop.time()
            assert await pg_ctl(log, "stop", "-m", "fast", "-w") == 0, log.read_text()
            await asyncio.sleep(OUTAGE_S)  # the worker's claims fail meanwhile
            assert await pg_ctl(log, "restart", "-w") == 0, log.read_text()  # same options
            back = loop.time()
            reached_twilio = twilio.per_number()  # every send whose record could have failed
            states = await delivered(url, REMINDERS, DRAIN_WAIT_S)
            assert worker.poll() is None, workers.log(worker)  # it recovered on its own
        finally:
            if await pg_ctl(log, "status") != 0:  # never leave the server down
                await pg_ctl(log, "restart", "-w")  # starts it with the options it last had
        code, _ = await workers.stop(worker, signal.SIGTERM)
        assert code == 0, workers.log(worker)

    per_number = twilio.per_number()
    lost = set(states) - set(per_number)
    repeated = duplicates(per_number)
    in_flight = {n for n in reached_twilio if recorded[n] != "sent"}
    print(
        f"\nPostgreSQL down {back - began:.1f} s during {REMINDERS} reminders: worker up,"
        f" {len(lost)} lost, {repeated} duplicates ({len(in_flight)} sends in flight)"
    )
    assert Counter(states.values()) == {"sent": REMINDERS}
    assert not lost
    assert set(per_number) == set(states)
    assert all(per_number[n] == 1 for n in set(per_number) - in_flight)
    assert repeated <= len(in_flight)
