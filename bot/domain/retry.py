"""How long to wait before trying a failed send again."""

from __future__ import annotations

import random

BASE_SECONDS = 5.0
CAP_SECONDS = 900.0


def backoff_seconds(attempt: int, rng: random.Random | None = None) -> float:
    """Exponential from 5 s, capped at 15 min, with ±50 % jitter so retries do not stampede."""
    raw = min(BASE_SECONDS * 2 ** max(attempt - 1, 0), CAP_SECONDS)
    return raw * (rng or random).uniform(0.5, 1.5)
