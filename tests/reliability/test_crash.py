"""A `ducu worker` killed (SIGKILL) again and again while it dispatches loses no reminder: the
rows of the dead worker come back when their lease runs out. The only repeats are sends the
kill caught between Twilio's accept and our commit, each counted at its kill. A graceful stop
(SIGTERM) records what is in flight and hands back the rest, so a restart repeats nothing."""

from __future__ import annotations

import signal
import time
from collections import Counter

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

REMINDERS = 300
KILLS = 6
KILL_EVERY = 40  # messages the fake receives between two kills
STEP_WAIT_S = 20.0  # a (re)started worker sends its next messages well within this
DRAIN_WAIT_S = 30.0
TERM_AFTER = 30  # messages the fake receives before the SIGTERM
STOP_WITHIN_S = 5.0  # SIGTERM: the sends in flight are recorded, the rest handed back, then exit
SLOW_LEASE_S = 10  # > 2 × 2 s send timeout + 50 rows at 10/s
START_SLACK_S = 5.0  # a restarted worker starts and sends within this


async def test_sigkill_during_dispatch_loses_nothing_and_repeats_only_sends_in_flight(
    sqlite_url: str, twilio: CountingTwilio, workers: Workers
) -> None:
    await register_judgments(sqlite_url, REMINDERS)
    assert Counter((await first_reminders(sqlite_url)).values()) == {"pending": REMINDERS}
    twilio.accept_delay = 0.005
    workers.env = worker_env(sqlite_url, twilio)

    caught: list[int] = []  # per kill: sends Twilio accepted that the dead worker never recorded
    counted: dict[str, int] = {}  # number -> its message count when it was last counted
    for kill in range(1, KILLS + 1):
        worker = workers.start()
        await wait_until(
            lambda kill=kill: len(twilio.messages) >= kill * KILL_EVERY,
            STEP_WAIT_S,
            f"message {kill * KILL_EVERY}",
        )
        code, _ = await workers.stop(worker, signal.SIGKILL)
        assert code == -signal.SIGKILL
        await twilio.settled()  # requests the dead worker had already sent are answered
        states = await first_reminders(sqlite_url)
        in_flight = 0
        for number, count in twilio.per_number().items():
            if states[number] != "sent" and counted.get(number) != count:
                counted[number] = count
                in_flight += 1
        caught.append(in_flight)

    worker = workers.start()
    states = await delivered(sqlite_url, REMINDERS, DRAIN_WAIT_S)
    code, _ = await workers.stop(worker, signal.SIGTERM)
    assert code == 0, workers.log(worker)

    per_number = twilio.per_number()
    lost = set(states) - set(per_number)
    repeated = duplicates(per_number)
    print(
        f"\n{KILLS} kills during {REMINDERS} reminders: {len(lost)} lost, {repeated} duplicates"
        f" (sends caught in flight per kill: {caught})"
    )
    assert Counter(states.values()) == {"sent": REMINDERS}
    assert not lost
    assert set(per_number) == set(states)  # nothing went to a number we did not plan
    assert repeated == sum(caught)  # every repeat is a send a kill caught unrecorded, no other


async def test_sigterm_during_dispatch_exits_cleanly_and_a_restart_repeats_nothing(
    sqlite_url: str, twilio: CountingTwilio, workers: Workers
) -> None:
    reminders = 100
    await register_judgments(sqlite_url, reminders)
    twilio.accept_delay = 0.005
    workers.env = worker_env(sqlite_url, twilio)

    worker = workers.start()
    await wait_until(lambda: len(twilio.messages) >= TERM_AFTER, STEP_WAIT_S, "first messages")
    code, took = await workers.stop(worker, signal.SIGTERM)
    assert code == 0, workers.log(worker)
    assert took < STOP_WITHIN_S
    await twilio.settled()
    states = await first_reminders(sqlite_url)
    sent = {number for number, status in states.items() if status == "sent"}
    assert set(Counter(states.values())) <= {"pending", "sent"}  # nothing left claimed
    assert sent == set(twilio.per_number())  # every accepted send was recorded
    assert TERM_AFTER <= len(sent) < reminders
    print(
        f"\nSIGTERM after {TERM_AFTER} messages: {len(sent)} sent and recorded, the rest of the"
        f" batch handed back, exit 0 in {took:.1f} s, none left claimed"
    )

    worker = workers.start()
    states = await delivered(sqlite_url, reminders, DRAIN_WAIT_S)
    code, _ = await workers.stop(worker, signal.SIGTERM)
    assert code == 0, workers.log(worker)
    assert Counter(states.values()) == {"sent": reminders}
    assert twilio.per_number() == Counter(dict.fromkeys(states, 1))  # each exactly once
    print(f"after a restart: {reminders} of {reminders} delivered, 0 duplicates")


async def test_a_killed_workers_rows_come_back_within_one_lease_though_it_renewed_them(
    sqlite_url: str, twilio: CountingTwilio, workers: Workers
) -> None:
    """One batch of 50 at 10 messages a second takes 5 s; its worker renews the leases every
    third of a lease (3.3 s) and is killed after 40 messages, after a renewal. The rows it
    still held come back at most one lease after its last renewal: a restarted worker has
    every reminder sent within a lease (10 s), plus its own start-up, of the kill."""
    reminders = 50
    await register_judgments(sqlite_url, reminders)
    workers.env = worker_env(
        sqlite_url, twilio, DUCU_SMS_RATE="10", DUCU_LEASE_SECONDS=str(SLOW_LEASE_S)
    )

    worker = workers.start()
    await wait_until(lambda: len(twilio.messages) >= 40, STEP_WAIT_S, "40 messages")
    code, _ = await workers.stop(worker, signal.SIGKILL)
    assert code == -signal.SIGKILL
    killed = time.monotonic()
    await twilio.settled()
    held = Counter((await first_reminders(sqlite_url)).values())["claimed"]

    worker = workers.start()
    states = await delivered(sqlite_url, reminders, SLOW_LEASE_S + START_SLACK_S + 5)
    took = time.monotonic() - killed
    code, _ = await workers.stop(worker, signal.SIGTERM)
    assert code == 0, workers.log(worker)
    assert Counter(states.values()) == {"sent": reminders}
    assert held > 0, "the kill left rows claimed"
    print(f"\nkilled holding {held} rows: all {reminders} sent {took:.1f} s after the kill")
    assert took < SLOW_LEASE_S + START_SLACK_S
