"""Delivery status callbacks arrive out of order: the kept status never moves backwards."""

from __future__ import annotations

import itertools

import pytest

from bot.domain.status import DELIVERY_RANK, later_status

STATUSES = sorted(DELIVERY_RANK)
FINAL = ("delivered", "undelivered", "failed")


@pytest.mark.parametrize(("current", "incoming"), list(itertools.product(STATUSES, STATUSES)))
def test_later_status_never_moves_backwards(current: str, incoming: str) -> None:
    kept = later_status(current, incoming)
    assert kept in (current, incoming)
    assert DELIVERY_RANK[kept] >= DELIVERY_RANK[current]
    assert DELIVERY_RANK[kept] == max(DELIVERY_RANK[current], DELIVERY_RANK[incoming])


@pytest.mark.parametrize("incoming", [*STATUSES, "some_new_status"])
def test_the_first_status_is_taken_as_it_comes(incoming: str) -> None:
    assert later_status(None, incoming) == incoming


@pytest.mark.parametrize("current", STATUSES)
def test_an_unknown_status_never_replaces_a_known_one(current: str) -> None:
    assert later_status(current, "some_new_status") == current


def test_callbacks_in_any_order_end_on_the_final_status() -> None:
    for final in FINAL:
        for order in itertools.permutations(["queued", "sending", "sent", final]):
            kept: str | None = None
            for status in order:
                kept = later_status(kept, status)
            assert kept == final, order


def test_read_is_the_last_word() -> None:
    for status in STATUSES:
        assert later_status("read", status) == "read"
        assert later_status(status, "read") == "read"
